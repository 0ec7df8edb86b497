import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stackOverviewDashboard } from "../configs/dashboards/stack-overview";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { Alertmanager } from "./alertmanager";
import { Grafana, grafanaServiceAddress } from "./grafana";
import { labels } from "./kube";
import { Loki } from "./loki";
import { NodeExporter } from "./node-exporter";
import { Prometheus } from "./prometheus";
import { Promtail } from "./promtail";

/** Secret settings, as read with `config.getSecret`; each undefined when not set. */
export interface StackSecrets {
  smtpPassword?: pulumi.Output<string>;
  slackWebhookUrl?: pulumi.Output<string>;
  discordWebhookUrl?: pulumi.Output<string>;
  grafanaAdminPassword?: pulumi.Output<string>;
}

export interface ObservabilityStackArgs {
  settings: StackSettings;
  secrets: StackSecrets;
}

/** The namespace and every service, each switchable in settings, wired through Service DNS. */
export class ObservabilityStack extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly urls: Record<string, pulumi.Output<string>>;
  public readonly grafanaAdminPassword?: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:ObservabilityStack", name, {}, opts);
    const parent = { parent: this };
    const { settings, secrets } = args;

    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: settings.namespace, labels: { ...labels(settings.namespace, "namespace"), "app.kubernetes.io/name": "observability" } } },
      parent,
    );
    const namespace = ns.metadata.name;
    const common = { settings, namespace };
    this.urls = {};

    // Wiring goes one way: Loki and Alertmanager first, then what needs their addresses.
    const loki = settings.loki.enabled ? new Loki("loki", common, parent) : undefined;
    const alertmanager = settings.alertmanager.enabled
      ? new Alertmanager(
          "alertmanager",
          { ...common, secrets: { smtpPassword: secrets.smtpPassword, slackWebhookUrl: secrets.slackWebhookUrl, discordWebhookUrl: secrets.discordWebhookUrl } },
          parent,
        )
      : undefined;
    const nodeExporter = settings.nodeExporter.enabled ? new NodeExporter("node-exporter", common, parent) : undefined;
    const promtail = settings.promtail.enabled && loki ? new Promtail("promtail", { ...common, loki: loki.address }, parent) : undefined;

    let grafanaAddress: pulumi.Output<ServiceAddress> | undefined;
    if (settings.prometheus.enabled) {
      const prometheus = new Prometheus(
        "prometheus",
        {
          ...common,
          targets: {
            alertmanager: alertmanager?.address,
            nodeExporter: nodeExporter?.address,
            loki: loki?.address,
            promtail: promtail?.address,
            grafana: settings.grafana.enabled ? namespace.apply(grafanaServiceAddress) : undefined,
          },
        },
        parent,
      );
      this.urls.prometheus = prometheus.url;
      if (settings.grafana.enabled) {
        const grafana = new Grafana(
          "grafana",
          {
            ...common,
            datasources: { prometheus: prometheus.address, loki: loki?.address, alertmanager: alertmanager?.address },
            adminPassword: secrets.grafanaAdminPassword,
            dashboards: [stackOverviewDashboard()],
          },
          parent,
        );
        grafanaAddress = grafana.address;
        this.urls.grafana = grafana.url;
        this.grafanaAdminPassword = grafana.adminPassword;
      }
    }
    if (alertmanager) this.urls.alertmanager = alertmanager.url;
    if (loki) this.urls.loki = loki.url;

    this.namespace = namespace;
    this.registerOutputs({ namespace, urls: this.urls, grafanaAddress });
  }
}
