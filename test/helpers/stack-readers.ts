/** The stack's scrape configs, rule files and dashboards as the program builds them, for the metric check (configs/metric-check.ts). */
import { buildAlertRules } from "../../configs/alert-rules";
import { BLACKBOX_NAME, BLACKBOX_PORT } from "../../configs/blackbox-exporter";
import { buildDashboards, enabledComponents } from "../../configs/dashboards";
import { provisionedDatasources } from "../../configs/dashboards/datasources";
import { buildKubernetesRecordingRules, KUBERNETES_RECORDING_RULES_FILE } from "../../configs/kubernetes-rules";
import { KSM_METRICS_PORT, KSM_METRICS_PORT_NAME, KSM_TELEMETRY_PORT, KSM_TELEMETRY_PORT_NAME } from "../../configs/kube-state-metrics";
import { StackReaders } from "../../configs/metric-check";
import { buildPrometheusConfig, NODE_EXPORTER_PORT, PrometheusInputs } from "../../configs/prometheus";
import { StackSettings } from "../../configs/settings";
import { ServiceAddress } from "../../configs/service-address";

const service = (name: string, namespace: string, port: number, portName = "http"): ServiceAddress => ({ kind: "kubernetes", service: name, namespace, port, portName });

/** What components/observability-stack.ts hands Prometheus: an address for each service that runs. */
function targetsOf(settings: StackSettings): PrometheusInputs["targets"] {
  const ns = settings.namespace;
  return {
    ...(settings.alertmanager.enabled ? { alertmanager: service("alertmanager", ns, 9093) } : {}),
    ...(settings.nodeExporter.enabled ? { nodeExporter: service("node-exporter", settings.agentsNamespace, NODE_EXPORTER_PORT, "metrics") } : {}),
    ...(settings.loki.enabled ? { loki: service("loki", ns, 3100) } : {}),
    ...(settings.logAgent !== "none" ? { [settings.logAgent]: service(settings.logAgent, settings.agentsNamespace, 3101) } : {}),
    ...(settings.grafana.enabled ? { grafana: service("grafana", ns, 3000) } : {}),
    ...(settings.kubeStateMetrics.enabled
      ? { kubeStateMetrics: service("kube-state-metrics", ns, KSM_METRICS_PORT, KSM_METRICS_PORT_NAME), kubeStateMetricsTelemetry: service("kube-state-metrics", ns, KSM_TELEMETRY_PORT, KSM_TELEMETRY_PORT_NAME) }
      : {}),
    ...(settings.prometheus.enabled && settings.probes.length > 0 ? { blackboxExporter: service(BLACKBOX_NAME, ns, BLACKBOX_PORT) } : {}),
  };
}

/** The stack's scrape configs, rule files and dashboards, as the program builds them. */
export function stackReaders(settings: StackSettings): StackReaders {
  const lokiDatasource = settings.loki.enabled || settings.externalLoki !== undefined;
  return {
    scrapeConfigs: buildPrometheusConfig({ settings, targets: targetsOf(settings), discoverAppPods: true }).scrape_configs,
    ruleFiles: [
      { file: `prometheus/rules/${KUBERNETES_RECORDING_RULES_FILE}`, groups: buildKubernetesRecordingRules(settings).groups },
      { file: "prometheus/rules/alerts.yml", groups: buildAlertRules({ settings }).groups },
    ],
    dashboards: settings.grafana.enabled
      ? buildDashboards({ appJob: settings.app.job, components: enabledComponents(settings), datasources: provisionedDatasources({ loki: lokiDatasource, alertmanager: settings.alertmanager.enabled }) })
      : [],
    appJob: settings.app.job,
    logAgent: settings.logAgent,
  };
}

