/** `observability:grafana`: Grafana, its login, plugins, Ingress and the grafana.com dashboards it fetches. */
import { z } from "zod";
import { dns1123SubdomainProblem, iniValueProblem, urlProblem } from "./grammars";
import { dnsSubdomain, grammar, positiveSize, resources, serviceToggle } from "./value-schemas";

/** A dashboard from grafana.com by id and pinned revision, e.g. {id: 1860, revision: 41, folder: "Infrastructure"}. */
const communityDashboardSchema = z
  .object({
    id: z.number().int().positive("must be a grafana.com dashboard id like 1860"),
    /** Pinned like an image tag: a new revision is a reviewed change. */
    revision: z.number().int().positive("must be a revision number like 41").describe("Pinned like an image tag: a new revision is a reviewed change."),
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
    rootUrl: grammar((value) => urlProblem(value, ["https", "http"], "https://grafana.example.com"), iniValueProblem)
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
        host: grammar((value) => (dns1123SubdomainProblem(value) ? "must be a host name like grafana.example.com (RFC 1123: lowercase labels of letters, digits and '-')" : undefined)),
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
    resources: resources("100m", "256Mi", "1Gi"),
  })
  .strict()
  .default({});
