/**
 * The policy rules on small crafted objects: each good shape passes, each bad one fails with a
 * message that names the object, the container and the field, and says what to do.
 */
import {
  checkConfigMapSecrets,
  checkDataProtection,
  checkImagesPinned,
  checkPodSecurity,
  checkResources,
  checkStatefulSetClaims,
  findSecretLikeValues,
  imageProblem,
  isProductionStack,
  PolicyResource,
  POD_SECURITY_EXCEPTIONS,
  stackOfUrn,
} from "../../policy/rules";
import { isPinnedImage } from "../../configs/images";
import { runPolicies } from "./resources";

/** A Deployment that meets every rule; tests break one thing at a time. */
function goodDeployment(): PolicyResource {
  return {
    type: "kubernetes:apps/v1:Deployment",
    name: "api",
    props: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "monitoring" },
      spec: {
        selector: { matchLabels: { app: "api" } },
        template: {
          metadata: { labels: { app: "api" } },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
            initContainers: [container("migrate", "registry.example.com/api:1.4.2")],
            containers: [container("api", "registry.example.com/api:1.4.2"), container("proxy", "ghcr.io/example/proxy@sha256:" + "a".repeat(64))],
            volumes: [{ name: "config", configMap: { name: "api" } }, { name: "tmp", emptyDir: {} }],
          },
        },
      },
    },
  };
}

function container(name: string, image: string): Record<string, any> {
  return {
    name,
    image,
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
  };
}

function podOf(resource: PolicyResource): Record<string, any> {
  return resource.props.spec.template.spec;
}

test("a Deployment that follows the rules passes all of them", () => {
  const d = goodDeployment();
  expect([...checkImagesPinned(d), ...checkResources(d), ...checkPodSecurity(d)]).toEqual([]);
  expect(runPolicies([d], "prod")).toEqual([]);
});

describe("images-pinned", () => {
  test.each([
    ["quay.io/prometheus/prometheus", /has no tag, so Kubernetes pulls :latest/],
    ["grafana/grafana:latest", /moving tag ":latest"/],
    ["localhost:5000/team/app", /has no tag/],
    ["ghcr.io/example/app:main", /moving tag ":main"/],
    ["ghcr.io/example/app@sha256:abc", /malformed digest/],
  ])("%s is refused", (image, message) => {
    const d = goodDeployment();
    podOf(d).containers[0].image = image;
    const problems = checkImagesPinned(d);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Deployment monitoring\/api: container "api" image /);
    expect(problems[0]).toMatch(message);
  });

  test.each(["quay.io/prometheus/prometheus:v3.14.0", "localhost:5000/app:2024.01.02", "docker.io/grafana/loki:3.7.7", "app@sha256:" + "0".repeat(64)])(
    "%s is pinned, as configs/images.ts agrees",
    (image) => {
      expect(imageProblem(image)).toBeUndefined();
      expect(isPinnedImage(image)).toBe(true);
    },
  );

  test("init containers and CronJobs are checked too", () => {
    const d = goodDeployment();
    podOf(d).initContainers[0].image = "busybox";
    expect(checkImagesPinned(d)).toEqual([expect.stringMatching(/init container "migrate" image "busybox" has no tag/)]);
    const cron: PolicyResource = {
      type: "kubernetes:batch/v1:CronJob",
      name: "backup",
      props: { metadata: { name: "backup", namespace: "monitoring" }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "b", image: "alpine:latest" }] } } } } } },
    };
    expect(checkImagesPinned(cron)).toEqual([expect.stringMatching(/^CronJob monitoring\/backup: container "b" image "alpine:latest" uses the moving tag/)]);
  });
});

describe("container-resources", () => {
  test("a missing CPU request, memory request or memory limit is named with its field", () => {
    const d = goodDeployment();
    delete podOf(d).containers[0].resources.limits;
    delete podOf(d).initContainers[0].resources.requests.cpu;
    expect(checkResources(d)).toEqual([
      expect.stringMatching(/^Deployment monitoring\/api: init container "migrate" has no CPU request \(resources\.requests\.cpu\); every container needs/),
      expect.stringMatching(/^Deployment monitoring\/api: container "api" has no memory limit \(resources\.limits\.memory\)/),
    ]);
  });

  test("a container with no resources at all lists all three", () => {
    const d = goodDeployment();
    delete podOf(d).containers[1].resources;
    const [problem] = checkResources(d);
    expect(problem).toContain('container "proxy" has no CPU request (resources.requests.cpu), no memory request (resources.requests.memory), no memory limit (resources.limits.memory)');
  });

  test("a CPU limit is not required", () => {
    expect(checkResources(goodDeployment())).toEqual([]);
  });
});

describe("pod-security-restricted", () => {
  const broken: [string, (pod: Record<string, any>) => void, RegExp][] = [
    ["runs as root", (pod) => (pod.securityContext = { runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } }), /spec\.securityContext\.runAsUser is 0/],
    ["does not require non-root", (pod) => delete pod.securityContext.runAsNonRoot, /container "api": runAsNonRoot is not true/],
    ["allows privilege escalation", (pod) => (pod.containers[0].securityContext.allowPrivilegeEscalation = true), /container "api": securityContext\.allowPrivilegeEscalation is not false/],
    ["keeps capabilities", (pod) => (pod.containers[0].securityContext.capabilities = { drop: ["NET_RAW"] }), /container "api": securityContext\.capabilities\.drop does not include ALL/],
    ["adds a capability", (pod) => (pod.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]), /container "api": securityContext\.capabilities\.add has SYS_ADMIN/],
    ["has no seccomp profile", (pod) => delete pod.securityContext.seccompProfile, /container "api": seccompProfile\.type is unset; set seccompProfile: \{type: RuntimeDefault\}/],
    ["is Unconfined", (pod) => (pod.containers[0].securityContext.seccompProfile = { type: "Unconfined" }), /container "api": seccompProfile\.type is Unconfined/],
    ["is privileged", (pod) => (pod.containers[0].securityContext.privileged = true), /container "api": securityContext\.privileged is true/],
    ["uses the host network", (pod) => (pod.hostNetwork = true), /spec\.hostNetwork is true/],
    ["mounts a hostPath", (pod) => pod.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }), /volume "docker" is a hostPath \(\/var\/run\/docker\.sock\)/],
    ["mounts an NFS share", (pod) => pod.volumes.push({ name: "share", nfs: { server: "nas", path: "/" } }), /volume "share" is of type nfs/],
    ["binds a host port", (pod) => (pod.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]), /container "api": ports use hostPort 80/],
  ];

  test.each(broken)("a pod that %s fails, naming the field", (_what, breakIt, message) => {
    const d = goodDeployment();
    breakIt(podOf(d));
    const problems = checkPodSecurity(d);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith("Deployment monitoring/api: ") && p.endsWith("(restricted Pod Security Standard)"))).toBe(true);
    expect(problems.join("\n")).toMatch(message);
  });

  test("NET_BIND_SERVICE may be added; the container-level context overrides the pod's", () => {
    const d = goodDeployment();
    podOf(d).containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"];
    delete podOf(d).securityContext.runAsNonRoot;
    for (const c of [...podOf(d).containers, ...podOf(d).initContainers]) c.securityContext.runAsNonRoot = true;
    expect(checkPodSecurity(d)).toEqual([]);
  });

  test("every exception is documented and only waives controls on the named DaemonSet", () => {
    for (const exception of POD_SECURITY_EXCEPTIONS) {
      expect(exception.kind).toBe("DaemonSet");
      expect(exception.reason.length).toBeGreaterThan(30);
    }
    expect(POD_SECURITY_EXCEPTIONS.map((e) => e.name).sort()).toEqual(["alloy", "node-exporter", "promtail"]);
  });

  /** A Promtail DaemonSet shaped like the project's: root with the adm group, hostPath logs, no capability added. */
  function promtail(name = "promtail"): PolicyResource {
    const c = container("promtail", "docker.io/grafana/promtail:3.6.11");
    return {
      type: "kubernetes:apps/v1:DaemonSet",
      name,
      props: {
        metadata: { name, namespace: "monitoring-agents" },
        spec: {
          template: {
            spec: {
              securityContext: { runAsUser: 0, runAsGroup: 0, supplementalGroups: [4], seccompProfile: { type: "RuntimeDefault" } },
              containers: [c],
              volumes: [{ name: "pod-logs", hostPath: { path: "/var/log/pods" } }],
            },
          },
        },
      },
    };
  }

  test("Promtail passes through its exception, and fails without it", () => {
    expect(checkPodSecurity(promtail())).toEqual([]);
    const without = checkPodSecurity(promtail(), []).join("\n");
    expect(without).toMatch(/DaemonSet monitoring-agents\/promtail: spec\.securityContext\.runAsUser is 0/);
    expect(without).toMatch(/volume "pod-logs" is a hostPath/);
  });

  test("the log agents' exceptions no longer waive an added capability: DAC_READ_SEARCH fails Promtail", () => {
    const d = promtail();
    podOf(d).containers[0].securityContext.capabilities.add = ["DAC_READ_SEARCH"];
    expect(checkPodSecurity(d).join("\n")).toMatch(/container "promtail": securityContext\.capabilities\.add has DAC_READ_SEARCH/);
    for (const name of ["promtail", "alloy"]) expect(POD_SECURITY_EXCEPTIONS.find((e) => e.name === name)!.container).not.toContain("addCapabilities");
  });

  test("the same pod under another name gets no exception", () => {
    expect(checkPodSecurity(promtail("log-shipper")).length).toBeGreaterThan(0);
  });

  test("a sidecar added to Promtail's pod gets none of Promtail's waivers", () => {
    const d = promtail();
    podOf(d).containers.push(container("debug", "docker.io/library/busybox:1.37"));
    expect(checkPodSecurity(d)).toEqual([
      'DaemonSet monitoring-agents/promtail: container "debug": runAsNonRoot is not true (set it in the pod\'s or the container\'s securityContext, with a numeric non-root runAsUser) (restricted Pod Security Standard)',
    ]);
  });

  test("what an exception does not list still applies to the agent: privilege escalation, drop ALL, other capabilities", () => {
    const d = promtail();
    const c = podOf(d).containers[0];
    c.securityContext.allowPrivilegeEscalation = true;
    c.securityContext.capabilities = { drop: [], add: ["DAC_READ_SEARCH", "SYS_ADMIN"] };
    const problems = checkPodSecurity(d).join("\n");
    expect(problems).toMatch(/allowPrivilegeEscalation is not false/);
    expect(problems).toMatch(/drop does not include ALL/);
    expect(problems).toMatch(/capabilities\.add has DAC_READ_SEARCH, SYS_ADMIN/);
  });

  test("node-exporter may use the host's network, PID namespace, paths and its proxy's port, but must still run as non-root", () => {
    const exporter = container("node-exporter", "quay.io/prometheus/node-exporter:v1.12.1");
    const c = container("kube-rbac-proxy", "quay.io/brancz/kube-rbac-proxy:v0.19.1");
    c.ports = [{ name: "https", containerPort: 9100, hostPort: 9100 }];
    const ds: PolicyResource = {
      type: "kubernetes:apps/v1:DaemonSet",
      name: "node-exporter",
      props: {
        metadata: { name: "node-exporter", namespace: "monitoring-agents" },
        spec: {
          template: {
            spec: {
              hostNetwork: true,
              hostPID: true,
              securityContext: { runAsNonRoot: true, runAsUser: 65100, seccompProfile: { type: "RuntimeDefault" } },
              containers: [exporter, c],
              volumes: [{ name: "proc", hostPath: { path: "/proc" } }],
            },
          },
        },
      },
    };
    expect(checkPodSecurity(ds)).toEqual([]);
    ds.props.spec.template.spec.securityContext = { runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } };
    expect(checkPodSecurity(ds).join("\n")).toMatch(/runAsUser is 0/);
    ds.props.spec.template.spec.hostIPC = true;
    expect(checkPodSecurity(ds).join("\n")).toMatch(/spec\.hostIPC is true/);
  });
});

describe("no-secrets-in-configmaps", () => {
  function configMap(data: Record<string, string>, binaryData?: Record<string, string>): PolicyResource {
    return { type: "kubernetes:core/v1:ConfigMap", name: "cfg", props: { metadata: { name: "app-config", namespace: "monitoring" }, data, ...(binaryData ? { binaryData } : {}) } };
  }

  const leaks: [string, string, string][] = [
    ["a Slack webhook", "receivers:\n  - slack_configs:\n      - api_url: https://hooks.slack.com/services/T000/B000/XXXXXXXX\n", "a Slack webhook URL"],
    ["a Discord webhook", "webhook_url: https://discord.com/api/webhooks/123456/abcdef\n", "a Discord webhook URL"],
    ["a password in YAML", "smtp_auth_username: alerts\nsmtp_auth_password: hunter2\n", 'a literal value for "smtp_auth_password"'],
    ["a password in INI", "[security]\nadmin_password = hunter2\n", 'a literal value for "admin_password"'],
    ["a Grafana secret_key", "[security]\nsecret_key = SW2YcwTIb9zpOOhoPsMm\n", 'a literal value for "secret_key"'],
    ["a token in JSON", '{\n  "apiToken": "abc123def456",\n  "url": "x"\n}', 'a literal value for "apiToken"'],
    ["basic auth in a URL", "url: https://user:s3cret@loki.example.com/loki/api/v1/push\n", "a URL with a user name and password in it"],
    ["a bearer token", "authorization:\n  credentials: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\n", "a JSON Web Token"],
    ["a private key", "tls.key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIE...\n", "a private key"],
  ];

  test.each(leaks)("%s is found, with the entry and line, and the value is not printed", (_what, text, what) => {
    const problems = checkConfigMapSecrets(configMap({ "app.yml": text }));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(new RegExp(`^ConfigMap monitoring/app-config: data\\["app\\.yml"\\] line \\d+ holds what looks like ${what.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}; `));
    expect(problems[0]).toMatch(/put the value in a Secret/);
    for (const secret of ["hunter2", "XXXXXXXX", "s3cret", "SW2Ycw", "abc123def456", "dozjgNry", "MIIE"]) expect(problems.join()).not.toContain(secret);
  });

  test("an env-style entry whose key is a secret name is found", () => {
    expect(checkConfigMapSecrets(configMap({ GF_SECURITY_ADMIN_PASSWORD: "hunter2", GF_SERVER_ROOT_URL: "https://grafana.example.com" }))).toEqual([
      expect.stringMatching(/data\["GF_SECURITY_ADMIN_PASSWORD"\] line 1 holds what looks like a literal value for "GF_SECURITY_ADMIN_PASSWORD"/),
    ]);
  });

  test("binaryData is decoded and scanned", () => {
    const problems = checkConfigMapSecrets(configMap({}, { "x.ini": Buffer.from("password = hunter2\n").toString("base64") }));
    expect(problems).toEqual([expect.stringMatching(/binaryData\["x\.ini"\] line 1/)]);
  });

  test.each([
    ["a password file reference", "smtp_auth_password_file: /etc/alertmanager/secrets/smtp-password"],
    ["Grafana's $__file", "admin_password = $__file{/etc/grafana/secrets/admin-password}"],
    ["an environment reference", "password: ${SMTP_PASSWORD}"],
    ["a remote_write password_file", "basic_auth:\n  username: 12345\n  password_file: /etc/prometheus-secrets/remote-write-password"],
    ["a bearer token file", "bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token"],
    ["a number next to a token-ish key", "token_rotation_interval_minutes = 10\napi_key_max_seconds_to_live = -1"],
    ["a secret's name", "secretName: grafana-tls\nexistingSecret: grafana-admin"],
    ["a plain URL with a port", "url: http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push"],
    ["an email sender", "from: alerts@example.com\nsmarthost: smtp.gmail.com:587"],
    ["a templated password", "password: '{{ .Values.password }}'"],
  ])("%s is not a secret", (_what, text) => {
    expect(findSecretLikeValues(text)).toEqual([]);
  });

  test("other kinds are not scanned (Secrets are where secrets go)", () => {
    expect(checkConfigMapSecrets({ type: "kubernetes:core/v1:Secret", name: "s", props: { stringData: { password: "hunter2" } } })).toEqual([]);
  });
});

describe("data-protected-in-production", () => {
  const pvc = (protect: boolean): PolicyResource => ({
    type: "kubernetes:core/v1:PersistentVolumeClaim",
    name: "prometheus-data",
    props: { metadata: { name: "prometheus-data", namespace: "monitoring" }, spec: { accessModes: ["ReadWriteOnce"] } },
    protect,
  });

  test("production is told by the stack name in the URN, from a configurable list", () => {
    expect(stackOfUrn("urn:pulumi:prod::observability::kubernetes:core/v1:PersistentVolumeClaim::prometheus-data")).toBe("prod");
    expect(isProductionStack("prod")).toBe(true);
    expect(isProductionStack("production")).toBe(true);
    expect(isProductionStack("dev")).toBe(false);
    expect(isProductionStack("eu-live", ["eu-live"])).toBe(true);
  });

  test("an unprotected PVC fails in production only, naming it and the fix", () => {
    expect(checkDataProtection(pvc(false), true)).toEqual([
      expect.stringMatching(/^PersistentVolumeClaim monitoring\/prometheus-data is not protected in a production stack, so `pulumi destroy` .* deletes the data; .*protect: true .*observability:protectData: true/),
    ]);
    expect(checkDataProtection(pvc(true), true)).toEqual([]);
    expect(checkDataProtection(pvc(false), false)).toEqual([]);
  });

  test("through the pack: the stack comes from the URN, and the config can name other production stacks", () => {
    expect(runPolicies([pvc(false)], "prod").map((v) => v.policy)).toEqual(["data-protected-in-production"]);
    expect(runPolicies([pvc(false)], "dev")).toEqual([]);
    expect(runPolicies([pvc(false)], "live", { "data-protected-in-production": { productionStacks: ["live"] } })).toHaveLength(1);
    expect(runPolicies([pvc(false)], "prod", { "data-protected-in-production": { productionStacks: ["live"] } })).toEqual([]);
  });

  function statefulSet(protect: boolean, retention?: Record<string, string>): PolicyResource {
    return {
      type: "kubernetes:apps/v1:StatefulSet",
      name: "alertmanager",
      props: {
        metadata: { name: "alertmanager", namespace: "monitoring" },
        spec: { volumeClaimTemplates: [{ metadata: { name: "data" } }], ...(retention ? { persistentVolumeClaimRetentionPolicy: retention } : {}) },
      },
      protect,
    };
  }
  const namespace = (protect: boolean): PolicyResource => ({ type: "kubernetes:core/v1:Namespace", name: "ns", props: { metadata: { name: "monitoring" } }, protect });

  test("a StatefulSet must not delete its claims in production", () => {
    expect(checkDataProtection(statefulSet(true, { whenDeleted: "Delete", whenScaled: "Retain" }), true)).toEqual([
      "StatefulSet monitoring/alertmanager: spec.persistentVolumeClaimRetentionPolicy.whenDeleted is Delete in a production stack; use Retain (the default) so its claims outlive it",
    ]);
    expect(checkDataProtection(statefulSet(false), true)).toEqual([]);
  });

  test("a StatefulSet's claims are safe when it or its namespace is protected, or the namespace is not the stack's", () => {
    expect(checkStatefulSetClaims([statefulSet(false), namespace(false)], true)).toEqual([
      {
        resource: expect.objectContaining({ name: "alertmanager" }),
        message: expect.stringMatching(/^StatefulSet monitoring\/alertmanager keeps data in volumeClaimTemplates, .* neither it nor its Namespace monitoring is protected/),
      },
    ]);
    expect(checkStatefulSetClaims([statefulSet(true), namespace(false)], true)).toEqual([]);
    expect(checkStatefulSetClaims([statefulSet(false), namespace(true)], true)).toEqual([]);
    expect(checkStatefulSetClaims([statefulSet(false)], true)).toEqual([]);
    expect(checkStatefulSetClaims([statefulSet(false), namespace(false)], false)).toEqual([]);
  });

  test("through the pack, as a stack policy", () => {
    expect(runPolicies([statefulSet(false), namespace(false)], "prod")).toEqual([
      { policy: "statefulset-claims-protected-in-production", message: expect.stringContaining("StatefulSet monitoring/alertmanager") },
    ]);
    expect(runPolicies([statefulSet(false), namespace(false)], "dev")).toEqual([]);
  });
});

test("non-Kubernetes resources are left alone", () => {
  const resource: PolicyResource = { type: "random:index/randomPassword:RandomPassword", name: "pw", props: { length: 32 } };
  expect(runPolicies([resource], "prod")).toEqual([]);
});
