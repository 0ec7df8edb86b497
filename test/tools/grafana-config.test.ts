/**
 * Every key of every grafana.ini and provisioning file the program can render, checked against the
 * keys of Grafana 13.2's reference (grafana-reference.ts). Grafana is AGPL-licensed: it is never
 * built or run here, and it ignores an unknown key without a word, so this is where a misspelt key
 * (an SSO setting that silently does nothing) is caught.
 */
import { parse } from "yaml";
import { render, RenderResult } from "../helpers/render";
import { unknownKeys } from "./loki-promtail-reference";
import { ALERTING_FILE, DASHBOARD_PROVIDERS_FILE, DATASOURCES_FILE, GRAFANA_INI, parseIni } from "./grafana-reference";

const SSO = {
  storageGi: 10,
  ingress: { host: "grafana.example.com", tlsSecretName: "grafana-tls" },
  plugins: ["grafana-clock-panel@2.1.8"],
  communityDashboards: [{ id: 1860, revision: 41 }],
  auth: {
    oidc: {
      clientId: "grafana",
      authUrl: "https://id.example.com/auth",
      tokenUrl: "https://id.example.com/token",
      apiUrl: "https://id.example.com/userinfo",
      allowedDomains: ["example.com"],
      roleAttributePath: "contains(groups[*], 'admin') && 'Admin' || 'Viewer'",
      autoLogin: true,
    },
    disableLoginForm: true,
  },
};

const variants: [string, () => Promise<RenderResult>][] = [
  ["dev", () => render({ stack: "dev" })],
  ["prod", () => render({ stack: "prod" })],
  [
    "prod with SSO, no login form, plugins, community dashboards, reading an external Loki",
    () =>
      render({
        stack: "prod",
        set: [`grafana=${JSON.stringify(SSO)}`, 'externalLoki={"url":"https://logs.example.com/loki/api/v1/push","username":"123456"}'],
        setSecret: ["grafanaOidcClientSecret=not-a-real-secret", "externalLokiPassword=not-a-real-password"],
      }),
  ],
];

describe.each(variants)("%s: Grafana's files use only keys of Grafana 13.2's reference", (_name, renderVariant) => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await renderVariant();
  });
  const check = (file: string, shape: Parameters<typeof unknownKeys>[1], read: (text: string) => unknown) =>
    expect({ file, unknown: unknownKeys(read(r.files[file]), shape) }).toEqual({ file, unknown: [] });

  test("grafana.ini", () => check("grafana/grafana.ini", GRAFANA_INI, parseIni));
  test("the datasources, the dashboard providers and the alerting provisioning", () => {
    check("grafana/provisioning/datasources/datasources.yaml", DATASOURCES_FILE, parse);
    check("grafana/provisioning/dashboards/providers.yaml", DASHBOARD_PROVIDERS_FILE, parse);
    check("grafana/provisioning/alerting/alerting.yaml", ALERTING_FILE, parse);
  });
});

test("the variants reach every section the program writes, SSO's included", async () => {
  const sections = new Set<string>();
  for (const [, renderVariant] of variants) for (const section of Object.keys(parseIni((await renderVariant()).files["grafana/grafana.ini"]))) sections.add(section);
  expect([...sections].sort()).toEqual(Object.keys(GRAFANA_INI).sort());
});

describe("the reference check", () => {
  test("names a misspelt grafana.ini key with its section", () => {
    const ini = parseIni("[auth.generic_oauth]\nenabled = true\nrole_atribute_path = role\n\n[securty]\ncookie_secure = true\n");
    expect(unknownKeys(ini, GRAFANA_INI)).toEqual(["auth.generic_oauth.role_atribute_path: not a key of this block in the reference", "securty: not a key of this block in the reference"]);
  });
});
