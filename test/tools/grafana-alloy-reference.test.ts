/**
 * Every grafana.ini key and every Alloy block and attribute the program writes, checked against the
 * upstream references for the pinned versions, as test/tools/loki-promtail-reference.ts does for Loki
 * and Promtail: Grafana's configuration reference (conf/defaults.ini, "Configure Grafana", 13.x) and
 * Alloy's component reference (v1.19: discovery.kubernetes, discovery.relabel, local.file_match,
 * loki.source.file, loki.process and its stage blocks, loki.write). Grafana and Alloy are AGPL: never
 * built here, so a misspelt key would otherwise reach a cluster unnoticed (Grafana ignores unknown keys;
 * Alloy refuses to start).
 */
import { buildAlloyConfig, AlloyBlock } from "../../configs/alloy";
import { buildGrafanaIni } from "../../configs/grafana";
import { logDestination } from "../../configs/log-destination";
import { parseSettings } from "../../configs/settings";

/** grafana.ini sections and the keys of each that the program may write. */
const GRAFANA_INI: Record<string, string[]> = {
  server: ["http_port", "root_url", "domain", "protocol", "serve_from_sub_path", "enforce_domain"],
  paths: ["data", "provisioning", "plugins", "logs"],
  security: [
    "admin_user",
    "admin_password",
    "secret_key",
    "disable_gravatar",
    "cookie_secure",
    "cookie_samesite",
    "strict_transport_security",
    "strict_transport_security_max_age_seconds",
    "strict_transport_security_preload",
    "strict_transport_security_subdomains",
    "allow_embedding",
  ],
  "auth.anonymous": ["enabled", "org_name", "org_role", "hide_version"],
  users: ["allow_sign_up", "allow_org_create", "auto_assign_org_role"],
  analytics: ["reporting_enabled", "check_for_updates", "check_for_plugin_updates", "feedback_links_enabled"],
  news: ["news_feed_enabled"],
  snapshots: ["enabled", "external_enabled", "public_mode"],
  public_dashboards: ["enabled"],
  plugins: ["preinstall", "preinstall_sync", "preinstall_async", "preinstall_disabled", "preinstall_auto_update", "plugin_admin_enabled"],
  log: ["mode", "level"],
};

/** Alloy components and stage blocks: their attributes, and the blocks they may hold. */
interface AlloyShape {
  attributes: string[];
  blocks?: Record<string, AlloyShape>;
}
const relabelRule: AlloyShape = { attributes: ["source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"] };
const stages: Record<string, AlloyShape> = {
  "stage.cri": { attributes: ["max_partial_lines", "max_partial_line_size", "max_partial_line_size_truncate"] },
  "stage.json": { attributes: ["expressions", "source", "drop_malformed"] },
  "stage.labels": { attributes: ["values"] },
  "stage.label_drop": { attributes: ["values"] },
  "stage.structured_metadata": { attributes: ["values"] },
  "stage.timestamp": { attributes: ["source", "format", "fallback_formats", "location", "action_on_failure"] },
  "stage.limit": { attributes: ["rate", "burst", "by_label_name", "max_distinct_labels", "drop"] },
};
stages["stage.match"] = { attributes: ["selector", "pipeline_name", "action", "drop_counter_reason"], blocks: stages };
const ALLOY: Record<string, AlloyShape> = {
  "discovery.kubernetes": { attributes: ["role", "api_server", "kubeconfig_file"], blocks: { selectors: { attributes: ["role", "label", "field"] }, namespaces: { attributes: ["own_namespace", "names"] } } },
  "discovery.relabel": { attributes: ["targets"], blocks: { rule: relabelRule } },
  "local.file_match": { attributes: ["path_targets", "sync_period"] },
  "loki.source.file": { attributes: ["targets", "forward_to", "encoding", "tail_from_end"] },
  "loki.process": { attributes: ["forward_to"], blocks: stages },
  "loki.write": {
    attributes: ["external_labels", "max_streams"],
    blocks: { endpoint: { attributes: ["url", "name", "headers", "batch_wait", "batch_size", "tenant_id", "bearer_token_file"], blocks: { basic_auth: { attributes: ["username", "password", "password_file"] } } } },
  },
};

function unknownAlloy(blocks: AlloyBlock[], shapes: Record<string, AlloyShape>, at = ""): string[] {
  return blocks.flatMap((block) => {
    const where = `${at}${block.name}`;
    const shape = shapes[block.name];
    if (!shape) return [`${where}: not a block of the reference here`];
    return [
      ...Object.keys(block.attributes ?? {}).filter((a) => !shape.attributes.includes(a)).map((a) => `${where}.${a}: not an attribute of this block`),
      ...unknownAlloy(block.blocks ?? [], shape.blocks ?? {}, `${where} > `),
    ];
  });
}

describe("upstream references for the configs of programs never built here", () => {
  const stacks = [
    parseSettings({ values: {}, secrets: {} }),
    parseSettings({ values: { environment: "production", app: { namespaces: ["trading"] }, grafana: { rootUrl: "https://grafana.example.com", plugins: ["grafana-clock-panel@2.1.8"], externalSnapshots: true } }, secrets: {} }),
  ];

  test("grafana.ini: every section and key is one Grafana 13 reads", () => {
    for (const settings of stacks) {
      const ini = buildGrafanaIni(settings);
      const unknown = Object.entries(ini).flatMap(([section, keys]) =>
        GRAFANA_INI[section] ? Object.keys(keys).filter((k) => !GRAFANA_INI[section].includes(k)).map((k) => `[${section}] ${k}`) : [`[${section}]`],
      );
      expect(unknown).toEqual([]);
    }
  });

  test("Alloy: every component, block and attribute is one Alloy v1.19 takes", () => {
    for (const settings of stacks) {
      const destinations = [logDestination(settings, { kind: "static", targets: ["loki:3100"] }), logDestination({ externalLoki: { url: "https://logs.example.net/loki/api/v1/push", username: "u" } }, undefined)];
      for (const destination of destinations) expect(unknownAlloy(buildAlloyConfig({ settings, destination }), ALLOY)).toEqual([]);
    }
  });

  test("the checkers catch a misspelt key, so the tests above can fail", () => {
    expect(unknownAlloy([{ name: "loki.process", attributes: { forward_to: [] }, blocks: [{ name: "stage.limit", attributes: { rate_limit: 1 } }] }], ALLOY)).toEqual(["loki.process > stage.limit.rate_limit: not an attribute of this block"]);
  });
});
