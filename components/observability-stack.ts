import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { provisionedDatasources } from "../configs/dashboards/datasources";
import { enabledComponents } from "../configs/dashboards/definition";
import { ExternalLokiSource } from "../configs/grafana";
import { logDestination } from "../configs/log-destination";
import { SecretKey, StackSettings } from "../configs/settings";
import { DeployedVolume } from "../configs/volume-expansion";
import { Alertmanager } from "./alertmanager";
import { Alloy } from "./alloy";
import { BlackboxExporter } from "./blackbox-exporter";
import { cachedDashboards } from "./dashboard-cache";
import { Grafana, grafanaServiceAddress } from "./grafana";
import { dataOptions, labels } from "./kube";
import { KubeStateMetrics } from "./kube-state-metrics";
import { Loki } from "./loki";
import { MailCatcher } from "./mail-catcher";
import { NetworkPolicies } from "./network-policies";
import { NodeExporter } from "./node-exporter";
import { Prometheus } from "./prometheus";
import { Promtail } from "./promtail";
import { VolumeLedger } from "./volume-ledger";
import { webCredentials } from "./web-auth";

/** Secret settings, as read with `config.getSecret`; each undefined when not set. */
export type StackSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

export interface ObservabilityStackArgs {
  settings: StackSettings;
  secrets: StackSecrets;
}

/** Pod Security Admission labels: what each namespace enforces, and what it only warns and audits about. */
export function podSecurityLabels(enforce: "restricted" | "privileged", warnAndAudit: "restricted" | "baseline"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": warnAndAudit,
    "pod-security.kubernetes.io/audit": warnAndAudit,
  };
}

/**
 * The two namespaces and every service, each switchable in settings, wired through Service DNS.
 * The servers run in a namespace enforcing the restricted Pod Security Standard; the agents that
 * need the host (log agent, node-exporter) run in their own, privileged one.
 */
export class ObservabilityStack extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly agentsNamespace?: pulumi.Output<string>;
  public readonly urls: Record<string, pulumi.Output<string>>;
  public readonly grafanaAdminPassword?: pulumi.Output<string>;
  /** Every data claim, `namespace/name` → its setting, size and class: the next run checks growth against it (volume-ledger.ts). */
  public readonly volumes: pulumi.Output<Record<string, DeployedVolume>>;
  /** `kubectl port-forward` to the mail catcher's inbox, when it runs. */
  public readonly mailCatcherPortForward?: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:ObservabilityStack", name, {}, opts);
    const parent = { parent: this };
    const { settings, secrets } = args;
    const newNamespace = (logicalName: string, nsName: string, securityLabels: Record<string, string>) =>
      new k8s.core.v1.Namespace(
        logicalName,
        { metadata: { name: nsName, labels: { ...labels("observability", "namespace"), ...securityLabels } } },
        // Deleting a namespace deletes its PVCs, whatever their own options: protect it with them.
        dataOptions(settings, parent),
      ).metadata.name;

    const namespace = newNamespace(`${name}-namespace`, settings.namespace, podSecurityLabels("restricted", "restricted"));
    const hasAgents = settings.logAgent !== "none" || settings.nodeExporter.enabled;
    const agentsNamespace = hasAgents
      ? newNamespace(`${name}-agents-namespace`, settings.agentsNamespace, podSecurityLabels("privileged", "baseline"))
      : undefined;
    const volumes = new VolumeLedger(this);
    const common = { settings, namespace, volumes };
    this.urls = {};

    // Wiring goes one way: Loki and Alertmanager first, then what needs their addresses.
    const loki = settings.loki.enabled ? new Loki("loki", { ...common, objectStorageSecretKey: secrets.lokiObjectStorageSecretKey }, parent) : undefined;
    const mailCatcher = settings.mailCatcher.enabled ? new MailCatcher("mail-catcher", common, parent) : undefined;
    // Prometheus and Alertmanager answer only the stack user (basic auth); their clients get its password from Secrets.
    const alertmanagerAuth = settings.alertmanager.enabled ? webCredentials("alertmanager", { ...common, password: secrets.alertmanagerWebPassword }, this) : undefined;
    const prometheusAuth = settings.prometheus.enabled ? webCredentials("prometheus", { ...common, password: secrets.prometheusWebPassword }, this) : undefined;
    const alertmanager = alertmanagerAuth
      ? new Alertmanager("alertmanager", { ...common, secrets, mailCatcher: mailCatcher?.address, webAuth: alertmanagerAuth }, parent)
      : undefined;

    let nodeExporter: NodeExporter | undefined;
    let logAgent: Promtail | Alloy | undefined;
    if (agentsNamespace) {
      const agentArgs = { settings, namespace: agentsNamespace };
      nodeExporter = settings.nodeExporter.enabled ? new NodeExporter("node-exporter", agentArgs, parent) : undefined;
      if (settings.logAgent !== "none") {
        const destination = loki ? loki.address.apply((address) => logDestination(settings, address)) : pulumi.output(logDestination(settings, undefined));
        const LogAgent = settings.logAgent === "alloy" ? Alloy : Promtail;
        logAgent = new LogAgent(settings.logAgent, { ...agentArgs, destination, externalLokiPassword: secrets.externalLokiPassword }, parent);
      }
    }

    // In the servers' namespace: it needs nothing of the host, only the API.
    const kubeStateMetrics = settings.kubeStateMetrics.enabled ? new KubeStateMetrics("kube-state-metrics", common, parent) : undefined;

    if (prometheusAuth) {
      // Nothing to run when nothing is probed.
      const blackboxExporter = settings.probes.length > 0 ? new BlackboxExporter("blackbox-exporter", common, parent) : undefined;
      const prometheus = new Prometheus(
        "prometheus",
        {
          ...common,
          targets: {
            alertmanager: alertmanager?.address,
            nodeExporter: nodeExporter?.address,
            loki: loki?.address,
            [settings.logAgent === "alloy" ? "alloy" : "promtail"]: logAgent?.address,
            grafana: settings.grafana.enabled ? namespace.apply(grafanaServiceAddress) : undefined,
            kubeStateMetrics: kubeStateMetrics?.address,
            kubeStateMetricsTelemetry: kubeStateMetrics?.telemetryAddress,
            blackboxExporter: blackboxExporter?.address,
          },
          remoteWritePassword: settings.prometheus.remoteWrite ? secrets.remoteWritePassword : undefined,
          webAuth: { webConfigSecret: prometheusAuth.webConfigSecret, prometheusClientSecret: prometheusAuth.clientSecret, alertmanagerClientSecret: alertmanagerAuth?.clientSecret },
        },
        parent,
      );
      this.urls.prometheus = prometheus.url;
      if (settings.grafana.enabled) {
        // Grafana reads logs where the agents push them: the external Loki when there is one.
        const lokiSource = settings.externalLoki
          ? pulumi.output<ExternalLokiSource>({ kind: "external", pushUrl: settings.externalLoki.url, username: settings.externalLoki.username })
          : loki?.address;
        const grafana = new Grafana(
          "grafana",
          {
            ...common,
            datasources: { prometheus: prometheus.address, loki: lokiSource, alertmanager: alertmanager?.address },
            adminPassword: secrets.grafanaAdminPassword,
            externalLokiPassword: settings.externalLoki ? secrets.externalLokiPassword : undefined,
            oidcClientSecret: settings.grafana.auth.oidc ? secrets.grafanaOidcClientSecret : undefined,
            secretKey: secrets.grafanaSecretKey,
            webPasswords: { prometheus: prometheusAuth.password, alertmanager: alertmanagerAuth?.password },
            // Every query is parsed and every datasource uid checked (on a cache hit: was, for these very
            // inputs and code, components/dashboard-cache.ts): a bad panel stops the preview.
            dashboards: cachedDashboards({
              appJob: settings.app.job,
              components: enabledComponents(settings),
              datasources: provisionedDatasources({ loki: lokiSource !== undefined, alertmanager: alertmanager !== undefined }),
            }),
          },
          parent,
        );
        this.urls.grafana = grafana.url;
        this.grafanaAdminPassword = grafana.adminPassword;
      }
    }
    if (alertmanager) this.urls.alertmanager = alertmanager.url;
    if (loki) this.urls.loki = loki.url;
    this.mailCatcherPortForward = mailCatcher?.portForward;
    if (settings.networkPolicies.enabled) new NetworkPolicies("network-policies", { ...common, agentsNamespace }, parent);

    this.namespace = namespace;
    this.agentsNamespace = agentsNamespace;
    this.volumes = volumes.volumes();
    this.registerOutputs({ namespace, agentsNamespace, urls: this.urls, volumes: this.volumes });
  }
}
