import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import { bcryptHash, buildWebConfig, CLIENT_SECRET_KEYS, hashContext, STACK_WEB_USER, WEB_AUTH_SERVERS, WEB_CONFIG_FILE, WebAuthServer } from "../configs/web-auth";
import { labels } from "./kube";

/** One server's credentials: the password its clients send, and the Secrets that carry it. */
export interface WebCredentials {
  password: pulumi.Output<string>;
  /** The server's `--web.config.file` (the bcrypt hash), to mount in its pods. */
  webConfigSecret: pulumi.Output<string>;
  /** `username` and `password` for clients: `npm run verify`, Grafana's contact points, Prometheus' alerting. */
  clientSecret: pulumi.Output<string>;
}

/**
 * The stack user's password to `server` (`observability:<server>WebPassword`, else a generated one kept
 * in state) and two Secrets of stable names: the web config with its bcrypt hash, and the client
 * credentials. Both are updated in place: the server re-reads its web config on every request and
 * Prometheus its password files on every scrape, so a new password needs no restart.
 */
export function webCredentials(
  server: WebAuthServer,
  args: { settings: StackSettings; namespace: pulumi.Input<string>; password?: pulumi.Output<string> },
  parent: pulumi.Resource,
): WebCredentials {
  const names = WEB_AUTH_SERVERS[server];
  const meta = labels(server, "web-auth");
  const password = pulumi.secret(args.password ?? new random.RandomPassword(`${server}-web-password`, { length: 32, special: false }, { parent }).result);
  const context = hashContext(args.settings, server);
  const webConfig = new k8s.core.v1.Secret(
    `${server}-web-config`,
    {
      metadata: { name: names.webConfigSecret, namespace: args.namespace, labels: meta },
      type: "Opaque",
      // A generated password exists only once the random provider made it: a program run under bare
      // mocks (no provider) has none, and the hash waits for it like any unknown value.
      stringData: { [WEB_CONFIG_FILE]: password.apply((p): string => (p === undefined ? p! : toYaml(buildWebConfig(bcryptHash(p, context))))) },
    },
    { parent },
  );
  const client = new k8s.core.v1.Secret(
    `${server}-web-client`,
    {
      metadata: { name: names.clientSecret, namespace: args.namespace, labels: meta },
      type: "Opaque",
      stringData: { [CLIENT_SECRET_KEYS.username]: STACK_WEB_USER, [CLIENT_SECRET_KEYS.password]: password },
    },
    { parent },
  );
  return { password, webConfigSecret: webConfig.metadata.name, clientSecret: client.metadata.name };
}
