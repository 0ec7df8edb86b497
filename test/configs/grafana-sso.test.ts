/**
 * Single sign-on for Grafana (grafana.auth): what grafana.ini gets, the callback URL users register
 * with their provider, and the egress Grafana needs, from plain settings.
 */
import { buildGrafanaIni, oidcCallbackUrl, toIni } from "../../configs/grafana";
import { buildNetworkPolicies } from "../../configs/network-policies";
import { jmesPathProblem } from "../../configs/settings/grafana";
import { render } from "../helpers/render";
import { stackSettings } from "../helpers/stack-settings";

const KEYCLOAK = "https://sso.example.com/realms/ops/protocol/openid-connect";
const oidc = { clientId: "grafana", authUrl: `${KEYCLOAK}/auth`, tokenUrl: `${KEYCLOAK}/token`, apiUrl: `${KEYCLOAK}/userinfo` };
const behindTls = { ingress: { host: "grafana.example.com", tlsSecretName: "grafana-tls" } };
const withSso = (extra: Record<string, unknown> = {}, grafana: Record<string, unknown> = behindTls) =>
  stackSettings("prod", { grafana: { ...grafana, auth: { oidc: { ...oidc, ...extra } } } }, ["grafanaOidcClientSecret"]);

describe("grafana.auth.oidc in grafana.ini", () => {
  test("[auth.generic_oauth] carries the provider, the client and the secret's file, never the secret", () => {
    const ini = buildGrafanaIni(withSso({ allowedDomains: ["example.com", "example.org"], roleAttributePath: "contains(groups[*], 'admin') && 'Admin' || 'Viewer'" }));
    expect(ini["auth.generic_oauth"]).toEqual({
      enabled: true,
      name: "SSO",
      client_id: "grafana",
      client_secret: "$__file{/etc/grafana/secrets/oidc-client-secret}",
      scopes: "openid email profile",
      auth_url: `${KEYCLOAK}/auth`,
      token_url: `${KEYCLOAK}/token`,
      api_url: `${KEYCLOAK}/userinfo`,
      allowed_domains: "example.com example.org",
      // go-ini takes a triple-quoted value verbatim: its quotes and && stay.
      role_attribute_path: `"""contains(groups[*], 'admin') && 'Admin' || 'Viewer'"""`,
      allow_sign_up: true,
      auto_login: false,
      use_pkce: true,
    });
  });

  test("the session cookie is secure and the root URL https when the Ingress serves TLS", () => {
    const ini = buildGrafanaIni(withSso());
    expect([ini.server.root_url, ini.security.cookie_secure]).toEqual(["https://grafana.example.com/", true]);
  });

  test("the callback URL is the root URL's /login/generic_oauth, with or without a sub-path", () => {
    expect(oidcCallbackUrl(withSso().grafana)).toBe("https://grafana.example.com/login/generic_oauth");
    expect(oidcCallbackUrl(withSso({}, { rootUrl: "https://ops.example.com/grafana" }).grafana)).toBe("https://ops.example.com/grafana/login/generic_oauth");
    expect(oidcCallbackUrl(withSso({}, { rootUrl: "https://ops.example.com/grafana/" }).grafana)).toBe("https://ops.example.com/grafana/login/generic_oauth");
  });

  test("the login form and basic auth go only when asked, and never without SSO", () => {
    const sso = withSso();
    expect(buildGrafanaIni(sso)).not.toHaveProperty("auth");
    const off = stackSettings("prod", { grafana: { ...behindTls, auth: { oidc, disableLoginForm: true } } }, ["grafanaOidcClientSecret"]);
    expect([buildGrafanaIni(off).auth, buildGrafanaIni(off)["auth.basic"]]).toEqual([{ disable_login_form: true }, { enabled: false }]);
    expect(() => stackSettings("prod", { grafana: { auth: { disableLoginForm: true } } })).toThrow(/grafana\.auth\.disableLoginForm: needs observability:grafana\.auth\.oidc/);
  });

  test("without SSO grafana.ini has no OAuth section", () => {
    expect(toIni(buildGrafanaIni(stackSettings("prod")))).not.toContain("generic_oauth");
  });
});

describe("grafana.auth.oidc.roleAttributePath", () => {
  test.each([
    ["contains(groups[*], 'admin') && 'Admin' || 'Viewer'", undefined],
    ["\"'Viewer'\"", undefined],
    ["role", undefined],
    ["contains(roles[*], 'admin') && 'GrafanaAdmin' || contains(roles[*], 'editor') && 'Editor' || 'Viewer'", undefined],
    ["contains(groups[*], 'admin'", /JMESPath expression Grafana can evaluate/],
    ["groups[?", /JMESPath expression Grafana can evaluate/],
    ["$.role", /must not contain \$/],
    ["role\n[auth]", /one line/],
  ])("%s", (expression, problem) => {
    const found = jmesPathProblem(expression);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe("Grafana's egress for SSO", () => {
  const egressOf = (settings: ReturnType<typeof withSso>) => buildNetworkPolicies(settings).find((p) => p.name === "grafana")!.spec.egress!;

  test("an external provider: its token and UserInfo ports on the internet, outside the cluster's ranges", () => {
    const rules = egressOf(withSso());
    const internet = rules.filter((r) => r.to?.some((peer) => peer.ipBlock?.cidr === "0.0.0.0/0"));
    expect(internet).toEqual([{ to: expect.any(Array), ports: [{ port: 443, protocol: "TCP" }] }]);
    expect(internet[0].to![0].ipBlock!.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "10.96.0.0/12"]));
  });

  test("a provider in the cluster: its namespace on its port, no internet", () => {
    const inCluster = "http://keycloak.auth.svc.cluster.local:8080/realms/ops/protocol/openid-connect";
    const rules = egressOf(withSso({ tokenUrl: `${inCluster}/token`, apiUrl: `${inCluster}/userinfo` }));
    expect(rules).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "auth" } } }], ports: [{ port: 8080, protocol: "TCP" }] });
    expect(rules.some((r) => r.to?.some((peer) => peer.ipBlock))).toBe(false);
  });

  test("without SSO Grafana has no internet egress in prod", () => {
    expect(egressOf(stackSettings("prod") as ReturnType<typeof withSso>).some((r) => r.to?.some((peer) => peer.ipBlock))).toBe(false);
  });
});

describe("the SSO callback URL as a stack output", () => {
  test("is there when SSO is set, and only then", async () => {
    const sso = await render({ stack: "prod", set: [`grafana=${JSON.stringify({ storageGi: 10, ...behindTls, auth: { oidc } })}`], setSecret: ["grafanaOidcClientSecret=not-a-real-secret"] });
    expect(sso.outputs.grafanaOidcCallbackUrl).toBe("https://grafana.example.com/login/generic_oauth");
    expect((await render({ stack: "prod" })).outputs).not.toHaveProperty("grafanaOidcCallbackUrl");
  });
});
