/** `observability:grafana`: Grafana, its login, plugins, Ingress and the grafana.com dashboards it fetches. */
import { z } from "zod";
import { compile as compileJmesPath } from "@jmespath-community/jmespath";
import { canonicalUrlProblem, dns1123SubdomainProblem, ingressHostProblem, iniValueProblem, urlProblem } from "./grammars";
import { dnsSubdomain, grammar, positiveSize, resources, serviceToggle } from "./value-schemas";

/** An OAuth endpoint Grafana (Go's net/url) calls or sends the browser to, written once to grafana.ini. */
const oauthEndpoint = (example: string) => grammar((value) => canonicalUrlProblem(value, ["https", "http"], example), iniValueProblem);

/**
 * A JMESPath expression as Grafana evaluates it (role_attribute_path), parsed by a maintained
 * JMESPath parser. It is written to grafana.ini between triple quotes, so it may hold quotes and
 * `;`/`#`, but no newline, no `"""`, and no `$` or `%(` (Grafana expands them in grafana.ini).
 */
export function jmesPathProblem(value: string): string | undefined {
  if (value.trim() === "") return "must be a JMESPath expression like contains(groups[*], 'admin') && 'Admin' || 'Viewer'";
  if (/[\u0000-\u001f\u007f]/.test(value) || value.includes('"""')) return 'must be one line without """ (it is written to grafana.ini between triple quotes)';
  if (/\$|%\(/.test(value)) return "must not contain $ or %( (grafana.ini expands them)";
  try {
    compileJmesPath(value);
  } catch (error) {
    return `must be a JMESPath expression Grafana can evaluate, like contains(groups[*], 'admin') && 'Admin' || 'Viewer' (${(error as Error).message})`;
  }
  return undefined;
}

/** `grafana.auth.oidc`: login through an OpenID Connect / OAuth2 provider ([auth.generic_oauth]). */
const oidcSchema = z
  .object({
    name: grammar(iniValueProblem, (v) => (/^[^\s].{0,39}$/.test(v) && !/\s$/.test(v) ? undefined : "must be a label of 1-40 characters, not starting or ending with a space"))
      .default("SSO")
      .describe("The login button's label (Sign in with <name>)."),
    authUrl: oauthEndpoint("https://id.example.com/oauth2/authorize").describe("The provider's authorization endpoint: the browser is sent there (Grafana itself never calls it)."),
    tokenUrl: oauthEndpoint("https://id.example.com/oauth2/token").describe("The token endpoint Grafana calls; its host and port get an egress NetworkPolicy."),
    apiUrl: oauthEndpoint("https://id.example.com/userinfo").describe("The UserInfo endpoint Grafana calls (OpenID UserInfo claims); its host and port get an egress NetworkPolicy."),
    clientId: grammar(iniValueProblem, (v) => (v.trim() === "" || /\s/.test(v) ? "must be the OAuth client id, without spaces" : undefined)).describe(
      "The OAuth client id; the client secret is observability:grafanaOidcClientSecret.",
    ),
    scopes: z
      .array(z.string().regex(/^[A-Za-z0-9_.:\/-]{1,200}$/, "must be a scope like openid, email or https://graph.microsoft.com/.default (letters, digits and _ . : / -)"))
      .nonempty("must list at least one scope, e.g. openid")
      .default(["openid", "email", "profile"])
      .describe("OAuth2 scopes Grafana asks for."),
    allowedDomains: z
      .array(grammar((v) => (dns1123SubdomainProblem(v.toLowerCase()) ? "must be an email domain like example.com" : undefined)))
      .default([])
      .describe("Email domains allowed to log in; empty allows every account the provider authenticates for this client."),
    roleAttributePath: grammar(jmesPathProblem)
      .optional()
      .describe("JMESPath over the ID token or UserInfo claims giving Viewer, Editor, Admin or None; unset gives every new user users.auto_assign_org_role (Viewer)."),
    allowSignUp: z.boolean().default(true).describe("Create a Grafana user on a first login through SSO; false lets only users created beforehand log in."),
    autoLogin: z.boolean().default(false).describe("Skip Grafana's login page and go straight to the provider."),
  })
  .strict();
export type OidcSettings = z.infer<typeof oidcSchema>;

const authSchema = z
  .object({
    oidc: oidcSchema.optional().describe("Single sign-on through an OpenID Connect provider (Google, GitHub, Keycloak, Entra ID: see README, Single sign-on)."),
    disableLoginForm: z
      .boolean()
      .default(false)
      .describe("Hide the user/password login form and turn basic auth off, once SSO works; needs grafana.auth.oidc. Never the default: the admin password stays the way back in."),
  })
  .strict()
  .default({});

/** A dashboard from grafana.com by id and pinned revision, e.g. {id: 1860, revision: 41, folder: "Infrastructure"}. */
const communityDashboardSchema = z
  .object({
    id: z.number().int().positive("must be a grafana.com dashboard id like 1860").max(Number.MAX_SAFE_INTEGER, "must be a grafana.com dashboard id like 1860 (a safe integer: larger numbers lose digits)"),
    /** Pinned like an image tag: a new revision is a reviewed change. */
    revision: z
      .number()
      .int()
      .positive("must be a revision number like 41")
      .max(Number.MAX_SAFE_INTEGER, "must be a revision number like 41 (a safe integer: larger numbers lose digits)")
      .describe("Pinned like an image tag: a new revision is a reviewed change."),
    /** Grafana folder to show it in; the same names as the stack's own folders merge with them. */
    folder: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,62}$/, "must be a folder name of letters, digits, spaces, - and _").default("Community").describe("Grafana folder to show it in; the same names as the stack's own folders merge with them."),
    /** The dashboard's datasource inputs (its `__inputs`, e.g. DS_PROMETHEUS) and the stack datasource each stands for. */
    datasources: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, "must be an input name like DS_PROMETHEUS"), z.enum(["prometheus", "loki", "alertmanager"], { errorMap: () => ({ message: "must be one of prometheus, loki, alertmanager" }) }))
      .default({ DS_PROMETHEUS: "prometheus" }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be the file's SHA-256 as sha256sum prints it: 64 lowercase hex digits")
      .optional()
      .describe("SHA-256 of the downloaded file (before the datasource mapping); when set, the init container refuses a download that differs and the pod does not start."),
  })
  .strict();

export const grafanaSchema = z
  .object({
    ...serviceToggle,
    storageGi: positiveSize.default(2),
    adminUser: z
      .string()
      // Written to grafana.ini: a login's usual characters only, so no newline can start an [auth.proxy] section.
      .regex(/^[A-Za-z0-9._@+-]{1,100}$/, "must be a login of letters, digits and . _ @ + - (at most 100; it is written to grafana.ini)")
      .default("admin")
      .describe("Grafana's admin login; the password is observability:grafanaAdminPassword or a generated one."),
    rootUrl: grammar(iniValueProblem, (value) => urlProblem(value, ["https", "http"], "https://grafana.example.com"))
      .default("http://localhost:3000")
      .describe("The URL users reach Grafana at (links in alerts, cookies); an Ingress host replaces it."),
    plugins: z
      .array(
        // Grafana splits `preinstall` at commas and spaces and each entry at `@` (pkg/setting/setting_plugins.go); a version is required so a start never installs whatever is latest.
        z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*@[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/, "must be a plugin id with its pinned version, name@version, like grafana-clock-panel@2.1.8"),
      )
      .default([])
      .refine((list) => new Set(list.map((p) => p.split("@")[0])).size === list.length, { message: "must not list the same plugin twice" })
      .describe(
        "Grafana plugins installed from grafana.com at start, each pinned as name@version (grafana.ini [plugins] preinstall). Empty (the default): Grafana downloads no plugin at start, as an air-gapped cluster needs.",
      ),
    /** An Ingress for Grafana; when set, Grafana's root URL follows its host. */
    ingress: z
      .object({
        host: grammar(ingressHostProblem),
        className: dnsSubdomain.optional(),
        /** Secret holding the TLS certificate for the host; required unless allowPlainHttp. */
        tlsSecretName: dnsSubdomain.optional().describe("Secret holding the TLS certificate for the host; required unless allowPlainHttp is true."),
        allowPlainHttp: z
          .boolean()
          .default(false)
          .describe("Serve the Ingress without TLS: only for a laptop stack, where passwords and session cookies would otherwise cross the network in clear."),
      })
      .strict()
      .refine((ingress) => ingress.tlsSecretName !== undefined || ingress.allowPlainHttp, {
        message:
          "is required: without TLS the Ingress sends Grafana's passwords and session cookies in clear; name the Secret holding the host's certificate, or set grafana.ingress.allowPlainHttp: true on a laptop stack",
        path: ["tlsSecretName"],
      })
      .optional(),
    externalSnapshots: z
      .boolean()
      .default(false)
      .describe("Let users publish dashboard snapshots, with their data, to Grafana's public snapshot service (snapshots.raintank.io) ([snapshots] external_enabled)."),
    publicDashboards: z
      .boolean()
      .default(false)
      .describe("Let editors share a dashboard with anyone who has its link, without a login ([public_dashboards] enabled)."),
    /** grafana.com dashboards fetched when the Grafana pod starts; empty (the default) fetches none. */
    communityDashboards: z
      .array(communityDashboardSchema)
      .default([])
      .refine((list) => new Set(list.map((d) => d.id)).size === list.length, { message: "must not list the same dashboard id twice" }),
    auth: authSchema,
    resources: resources("100m", "256Mi", "1Gi"),
  })
  .strict()
  .default({});

type GrafanaSettings = z.infer<typeof grafanaSchema>;

/** The URL users reach Grafana at: the Ingress host when there is one (https with its TLS Secret), otherwise the rootUrl setting. */
export function grafanaRootUrl(grafana: Pick<GrafanaSettings, "ingress" | "rootUrl">): string {
  if (!grafana.ingress) return grafana.rootUrl;
  return `${grafana.ingress.tlsSecretName ? "https" : "http"}://${grafana.ingress.host}/`;
}
