import { buildAlertmanagerConfig } from "../../configs/alertmanager";
import { buildDatasources, buildGrafanaIni, toIni } from "../../configs/grafana";
import { buildLokiConfig } from "../../configs/loki";
import { buildPrometheusConfig, retentionSize } from "../../configs/prometheus";
import { logDestination } from "../../configs/log-destination";
import { buildPromtailConfig } from "../../configs/promtail";
import { ServiceAddress } from "../../configs/service-address";
import { parseSettings } from "../../configs/settings";

const settingsWith = (values: Record<string, unknown> = {}, secrets = {}) => parseSettings({ values, secrets });
const k8s = (service: string, port: number, portName = "http"): ServiceAddress => ({ kind: "kubernetes", service, namespace: "monitoring", port, portName });

describe("prometheus.yml", () => {
  const targets = { alertmanager: k8s("alertmanager", 9093), nodeExporter: k8s("node-exporter", 9100, "metrics"), grafana: k8s("grafana", 3000), loki: k8s("loki", 3100), promtail: k8s("promtail", 3101) };

  test("global intervals and external labels come from settings", () => {
    const config = buildPrometheusConfig({ settings: settingsWith({ cluster: "c1", environment: "prod", app: { namespaces: ["trading"] } }), targets, discoverAppPods: true });
    expect(config.global).toEqual({ scrape_interval: "15s", evaluation_interval: "15s", external_labels: { cluster: "c1", env: "prod" }, keep_dropped_targets: 100 });
    expect(config.rule_files).toEqual(["rules/*.yml"]);
  });

  test("scrapes itself, the app, every stack service; exporters only when their address is set", () => {
    const jobs = (values: Record<string, unknown>) => buildPrometheusConfig({ settings: settingsWith(values), targets, discoverAppPods: true }).scrape_configs.map((j) => j.job_name);
    expect(jobs({})).toEqual(["prometheus", "fastapi", "node-exporter", "alertmanager", "grafana", "loki", "promtail", "kubelet", "kubelet-cadvisor"]);
    expect(jobs({ exporters: { redis: "redis-exporter.db:9121", postgres: "postgres-exporter.db:9187" } })).toEqual(
      expect.arrayContaining(["redis", "postgresql"]),
    );
  });

  test("the app job discovers annotated pods and honours their port and path annotations", () => {
    const config = buildPrometheusConfig({ settings: settingsWith({ app: { staticTargets: ["10.0.0.5:8000"], namespaces: ["trading"] } }), targets, discoverAppPods: true });
    const app = config.scrape_configs.find((j) => j.job_name === "fastapi")!;
    expect(app).toMatchObject({ scrape_interval: "10s", metrics_path: "/metrics" });
    expect(app.static_configs).toBeUndefined();
    // Static targets have their own scrape config, outside the pod relabelling, with the app's job label.
    expect(config.scrape_configs.find((j) => j.job_name === "fastapi-static")).toMatchObject({
      scrape_interval: "10s",
      metrics_path: "/metrics",
      static_configs: [{ targets: ["10.0.0.5:8000"], labels: { job: "fastapi" } }],
    });
    expect(app.kubernetes_sd_configs).toEqual([{ role: "pod", namespaces: { names: ["trading"] } }]);
    const relabels = app.relabel_configs!;
    expect(relabels[0]).toEqual({ source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], regex: "true", action: "keep" });
    expect(relabels).toContainEqual({ source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_path"], regex: "(.+)", target_label: "__metrics_path__" });
    const port = relabels.find((r) => r.target_label === "__address__")!;
    expect(new RegExp(`^${port.regex}$`).exec("10.1.2.3:80;8000")!.slice(1)).toEqual(["10.1.2.3", "8000"]);
  });

  test("the kubelets are scraped for volume usage only, with the pod's token", () => {
    const kubelet = buildPrometheusConfig({ settings: settingsWith(), targets, discoverAppPods: true }).scrape_configs.find((j) => j.job_name === "kubelet")!;
    expect(kubelet).toMatchObject({ scheme: "https", kubernetes_sd_configs: [{ role: "node" }], authorization: { credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token" } });
    expect(kubelet.metric_relabel_configs).toEqual([{ source_labels: ["__name__"], regex: "kubelet_volume_stats_.+", action: "keep" }]);
    expect(buildPrometheusConfig({ settings: settingsWith(), targets, discoverAppPods: false }).scrape_configs.map((j) => j.job_name)).not.toContain("kubelet");
  });

  test("retention size is the given share of the volume", () => {
    expect(retentionSize(100, 0.85)).toBe("87040MB");
  });
});

describe("alertmanager.yml", () => {
  test("the guide's routing tree, with the team's copy of criticals as an explicit route", () => {
    const config = buildAlertmanagerConfig({ settings: settingsWith() });
    expect(config.global).toEqual({ resolve_timeout: "5m", smtp_smarthost: "smtp.gmail.com:587", smtp_from: "alerts@cryptoorchestrator.com", smtp_require_tls: true });
    expect(config.route).toMatchObject({ receiver: "email", group_by: ["alertname", "cluster", "service"], group_wait: "10s", group_interval: "10s", repeat_interval: "12h" });
    // The Watchdog's route first (dead-mans-switch.test.ts), verify's test alerts' (verify tests), then the guide's.
    expect(config.route.routes!.slice(2)).toEqual([
      { matchers: ['severity="critical"'], receiver: "critical", continue: true },
      { matchers: ['severity="critical"'], receiver: "email" },
      { matchers: ['severity="warning"'], receiver: "warning" },
    ]);
    const critical = config.receivers.find((r) => r.name === "critical")!;
    expect(critical.email_configs).toEqual([{ to: "oncall@cryptoorchestrator.com", send_resolved: true, headers: { Subject: "[CRITICAL] {{ .GroupLabels.alertname }}" } }]);
    expect(config.inhibit_rules).toEqual([{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"', 'alertname!="Watchdog"'], equal: ["alertname", "cluster", "service", "namespace"] }]);
  });

  test("SMTP auth points at the Secret file, never at a value", () => {
    const config = buildAlertmanagerConfig({ settings: settingsWith({ alertmanager: { smtp: { authUsername: "me@example.com" } } }, { smtpPassword: { secure: true } }) });
    expect(config.global.smtp_auth_username).toBe("me@example.com");
    expect(config.global.smtp_auth_password_file).toBe("/etc/alertmanager/secrets/smtp-password");
  });

  test("Slack and Discord receivers exist only when enabled, and route their severities first", () => {
    expect(buildAlertmanagerConfig({ settings: settingsWith() }).receivers.map((r) => r.name)).toEqual(["email", "critical", "warning", "null"]);
    const config = buildAlertmanagerConfig({
      settings: settingsWith({ alertmanager: { slack: { enabled: true, severities: ["critical", "warning"] }, discord: { enabled: true } } }, { slackWebhookUrl: { secure: true }, discordWebhookUrl: { secure: true } }),
    });
    expect(config.receivers.map((r) => r.name)).toEqual(["email", "critical", "warning", "slack", "discord", "null"]);
    expect(config.route.routes!.slice(2, 4)).toEqual([
      { matchers: ['severity=~"critical|warning"'], receiver: "slack", continue: true },
      { matchers: ['severity="critical"'], receiver: "discord", continue: true },
    ]);
  });
});

describe("loki.yaml", () => {
  test("Loki 3 monolithic: tsdb v13 on the filesystem, retention by the compactor, the guide's limits", () => {
    const config = buildLokiConfig(settingsWith({ loki: { retention: "720h" } }));
    expect(config.auth_enabled).toBe(false);
    expect(config.server).toMatchObject({ http_listen_port: 3100, grpc_listen_port: 9096 });
    expect(config.schema_config.configs).toEqual([expect.objectContaining({ store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } })]);
    expect(config.compactor).toMatchObject({ retention_enabled: true, delete_request_store: "filesystem" });
    expect(config.limits_config).toMatchObject({ retention_period: "720h", ingestion_rate_mb: 10, ingestion_burst_size_mb: 20, reject_old_samples: true, reject_old_samples_max_age: "168h" });
    // Removed in Loki 3: their presence would stop Loki at start-up.
    expect(JSON.stringify(config)).not.toMatch(/boltdb|table_manager|shared_store/);
  });
});

describe("promtail.yaml", () => {
  const config = buildPromtailConfig({ settings: settingsWith(), destination: logDestination({}, k8s("loki", 3100)) });

  test("pushes to Loki and labels every pod's logs with namespace, pod, container and app", () => {
    expect(config.clients[0].url).toBe("http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push");
    const pods = config.scrape_configs.find((j) => j.job_name === "kubernetes-pods")!;
    const targets = pods.relabel_configs!.map((r) => r.target_label);
    expect(targets).toEqual(expect.arrayContaining(["namespace", "pod", "container", "app", "__path__", "__host__"]));
  });

  const appStages = [
    { json: { expressions: { timestamp: "timestamp", level: "level", message: "message", module: "name" } } },
    { labels: { level: null } },
    // `module` is the app's to choose: one more stream per value as a label, so it rides along as metadata.
    { structured_metadata: { module: null } },
    { timestamp: { source: "timestamp", format: "RFC3339" } },
  ];
  const namespaceLimit = { limit: { rate: 1000, burst: 5000, by_label_name: "namespace", max_distinct_labels: 10000, drop: true } };

  test("every namespace is rate-limited on its own; the FastAPI JSON pipeline applies to the app's pods only", () => {
    const pods = config.scrape_configs.find((j) => j.job_name === "kubernetes-pods")!;
    expect(pods.pipeline_stages).toEqual([{ cri: {} }, namespaceLimit, { match: { selector: '{app="crypto-orchestrator"}', stages: appStages } }]);
  });

  test("with app.namespaces, only the app's pods in those namespaces get the pipeline (their own level and timestamp)", () => {
    const settings = settingsWith({ app: { namespaces: ["trading", "payments"] } });
    const pods = buildPromtailConfig({ settings, destination: logDestination(settings, k8s("loki", 3100)) }).scrape_configs.find((j) => j.job_name === "kubernetes-pods")!;
    expect(pods.pipeline_stages).toContainEqual({ match: { selector: '{app="crypto-orchestrator", namespace=~"trading|payments"}', stages: appStages } });
  });

  test("system logs are job varlogs", () => {
    expect(config.scrape_configs.find((j) => j.job_name === "system")!.static_configs).toEqual([{ targets: ["localhost"], labels: { job: "varlogs", __path__: "/var/log/*log" } }]);
  });
});

describe("grafana", () => {
  test("datasources have fixed uids and Prometheus is the default", () => {
    const file = buildDatasources({ prometheus: k8s("prometheus", 9090), loki: k8s("loki", 3100), alertmanager: k8s("alertmanager", 9093) });
    expect(file.datasources.map((d) => [d.uid, d.type, d.isDefault])).toEqual([
      ["prometheus", "prometheus", true],
      ["loki", "loki", false],
      ["alertmanager", "alertmanager", false],
    ]);
    expect(file.datasources[2].jsonData).toEqual({ implementation: "prometheus", handleGrafanaManagedAlerts: false });
  });

  test("grafana.ini: anonymous access off, admin password from a file, pinned plugins from settings", () => {
    const ini = toIni(buildGrafanaIni(settingsWith({ grafana: { plugins: ["grafana-clock-panel@2.1.8", "grafana-piechart-panel@1.6.4"] } })));
    expect(ini).toContain("[auth.anonymous]\nenabled = false");
    expect(ini).toContain("admin_password = $__file{/etc/grafana/secrets/admin-password}");
    expect(ini).toContain("[plugins]\npreinstall = grafana-clock-panel@2.1.8,grafana-piechart-panel@1.6.4\npreinstall_auto_update = false");
  });

  test("grafana.ini: with no plugin listed (the default) Grafana downloads none at start, not even its built-in list", () => {
    const ini = toIni(buildGrafanaIni(settingsWith({})));
    expect(ini).toContain("[plugins]\npreinstall_disabled = true");
    expect(ini).not.toContain("preinstall =");
  });
});
