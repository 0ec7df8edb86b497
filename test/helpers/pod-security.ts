/**
 * The rules of the Kubernetes "restricted" Pod Security Standard (latest), as a pod template must
 * meet them. Returns one line per violation, naming the container and field.
 */
/** The baseline profile's safe sysctls (which restricted inherits), as of Kubernetes 1.29. */
const ALLOWED_SYSCTLS = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];
const ALLOWED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

export function restrictedViolations(podSpec: Record<string, any>): string[] {
  const problems: string[] = [];
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (podSpec[field]) problems.push(`spec.${field} is true`);
  for (const volume of podSpec.volumes ?? []) {
    const type = Object.keys(volume).find((k) => k !== "name")!;
    if (!ALLOWED_VOLUME_TYPES.includes(type)) problems.push(`volume ${volume.name} is ${type}`);
  }
  const pod = podSpec.securityContext ?? {};
  if (pod.runAsUser === 0) problems.push("spec.securityContext.runAsUser is 0");
  for (const sysctl of pod.sysctls ?? []) if (!ALLOWED_SYSCTLS.includes(sysctl.name)) problems.push(`spec.securityContext.sysctls: ${sysctl.name} is not a safe sysctl`);
  const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.privileged) problems.push(`${where}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where}: capabilities.drop lacks ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") problems.push(`${where}: adds capability ${cap}`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if (sc.runAsUser === 0) problems.push(`${where}: runAsUser is 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where}: seccompProfile is ${seccomp ?? "unset"}`);
    for (const port of c.ports ?? []) if (port.hostPort) problems.push(`${where}: hostPort ${port.hostPort}`);
  }
  return problems;
}
