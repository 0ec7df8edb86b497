/**
 * RBAC and discovery on the real API server (item g of the cluster tests): tokens issued for the
 * stack's ServiceAccounts, the pinned promtool discovering targets with Prometheus' own config, the
 * pinned kube-state-metrics reading the API with its own token, and SubjectAccessReviews. Nothing
 * here sends a packet anywhere but 127.0.0.1: promtool discovers without scraping, and
 * kube-state-metrics reads only the API server.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { parse, stringify } from "yaml";
import { UPSTREAM_BIN } from "../../scripts/upstream-tools-plan";
import { KubeApi, resourcePath } from "../helpers/kube-api";
import { freePort, waitFor } from "../helpers/processes";
import { kubeconfigFor, startClusterProcess, TestCluster } from "../helpers/test-cluster";

const execFileAsync = promisify(execFile);

/** A short-lived token for a ServiceAccount (TokenRequest), as the kubelet would mount it. */
export async function serviceAccountToken(api: KubeApi, namespace: string, name: string): Promise<string> {
  const response = await api.post<{ status: { token: string } }>(resourcePath("v1", "serviceaccounts", namespace, `${name}/token`), {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 3600 },
  });
  return response.status.token;
}

/** A discovered target: its labels after relabelling (what the series would carry). */
export type TargetLabels = Record<string, string>;

/**
 * Prometheus' config as deployed, pointed at the test cluster: every `kubernetes_sd_configs` block
 * gets the API server's address, the CA and the token file (in a pod they come from the mounted
 * ServiceAccount); credentials files move to the token file. Nothing else changes.
 */
export function outOfClusterConfig(prometheusYml: string, server: string, tokenFile: string, caFile: string): string {
  const config = parse(prometheusYml);
  const connect = (sd: any) => ({ ...sd, api_server: server, authorization: { credentials_file: tokenFile }, tls_config: { ca_file: caFile } });
  const edit = (block: any) => ({
    ...block,
    ...(block.kubernetes_sd_configs ? { kubernetes_sd_configs: block.kubernetes_sd_configs.map(connect) } : {}),
    ...(block.authorization?.credentials_file ? { authorization: { ...block.authorization, credentials_file: tokenFile } } : {}),
  });
  return stringify({
    ...config,
    scrape_configs: config.scrape_configs.map(edit),
    ...(config.alerting ? { alerting: { ...config.alerting, alertmanagers: config.alerting.alertmanagers.map(edit) } } : {}),
  });
}

/**
 * `promtool check service-discovery` for each job, all at once (each waits out its `--timeout` for
 * discovery to settle): the targets' labels after relabelling.
 */
export async function discoveredTargets(cluster: TestCluster, prometheusYml: string, token: string, jobs: string[], dir: string): Promise<Record<string, TargetLabels[]>> {
  fs.mkdirSync(dir, { recursive: true });
  const tokenFile = path.join(dir, "token");
  const caFile = path.join(dir, "ca.crt");
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  fs.writeFileSync(caFile, cluster.ca);
  const configFile = path.join(dir, "prometheus.yml");
  fs.writeFileSync(configFile, outOfClusterConfig(prometheusYml, cluster.server, tokenFile, caFile));
  const discover = async (job: string): Promise<[string, TargetLabels[]]> => {
    const { stdout } = await execFileAsync(path.join(UPSTREAM_BIN, "promtool"), ["check", "service-discovery", "--timeout=5s", configFile, job]).catch((err) => {
      throw new Error(`promtool check service-discovery ${job} failed (exit ${err.code}):\n${err.stdout}${err.stderr}`);
    });
    // A target the relabelling dropped is listed with no labels.
    const labels = JSON.parse(stdout.slice(stdout.indexOf("[")))
      .map((t: { labels: TargetLabels }) => t.labels)
      .filter((l: TargetLabels) => Object.keys(l).length > 0);
    return [job, labels];
  };
  return Object.fromEntries(await Promise.all(jobs.map(discover)));
}

/**
 * The pinned kube-state-metrics with the args the stack deploys (read from its Deployment), its
 * listeners moved to free ports on 127.0.0.1, reading the API with its ServiceAccount's token.
 * Resolves with its /metrics once the named series appear, and its log.
 */
export async function kubeStateMetricsOutput(
  cluster: TestCluster,
  deployedArgs: string[],
  token: string,
  dir: string,
  until: (metrics: string) => boolean,
): Promise<{ metrics: string; log: string }> {
  const kubeconfig = kubeconfigFor(cluster, token, path.join(dir, "kube-state-metrics.kubeconfig"), "kube-state-metrics");
  const [port, telemetryPort] = [await freePort(), await freePort()];
  const args = [
    ...deployedArgs.filter((a) => !/^--(host|port|telemetry-host|telemetry-port|kubeconfig)=/.test(a)),
    "--host=127.0.0.1",
    `--port=${port}`,
    "--telemetry-host=127.0.0.1",
    `--telemetry-port=${telemetryPort}`,
    `--kubeconfig=${kubeconfig}`,
  ];
  const ksm = startClusterProcess(cluster, "kube-state-metrics", path.join(UPSTREAM_BIN, "kube-state-metrics"), args);
  try {
    const metrics = await waitFor(
      "kube-state-metrics to serve the stack's objects",
      async () => {
        if (!ksm.running) throw new Error(`kube-state-metrics exited:\n${ksm.logs()}`);
        const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
        const text = response?.ok ? await response.text() : "";
        return until(text) ? text : undefined;
      },
      60_000,
      () => ksm.logs(),
    );
    return { metrics, log: ksm.logs() };
  } finally {
    await ksm.stop();
  }
}

/** A ServiceAccount's identity as the API server sees it. */
export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/**
 * For each ServiceAccount and each namespace other than its own (and cluster-wide), whether a
 * SubjectAccessReview allows it to get, list or watch Secrets there. Returns the allowed ones.
 */
export async function secretReadersOutsideOwnNamespace(api: KubeApi, accounts: ServiceAccountRef[], namespaces: string[]): Promise<string[]> {
  const allowed: string[] = [];
  for (const account of accounts) {
    const user = `system:serviceaccount:${account.namespace}:${account.name}`;
    for (const namespace of [...namespaces.filter((n) => n !== account.namespace), ""]) {
      for (const verb of ["get", "list", "watch"]) {
        const review = await api.post<{ status: { allowed: boolean; reason?: string } }>("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user,
            groups: ["system:serviceaccounts", `system:serviceaccounts:${account.namespace}`, "system:authenticated"],
            resourceAttributes: { namespace, verb, resource: "secrets" },
          },
        });
        if (review.status.allowed) allowed.push(`${user} may ${verb} secrets ${namespace ? `in ${namespace}` : "in every namespace"} (${review.status.reason ?? ""})`);
      }
    }
  }
  return allowed;
}
