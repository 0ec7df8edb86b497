import * as pulumi from "@pulumi/pulumi";
import { ObservabilityStack } from "./components/observability-stack";
import { oidcCallbackUrl } from "./configs/grafana";
import { readStackSettings, readStackSecrets } from "./components/stack-config";
import { capacityWarnings } from "./configs/capacity";

// Validate every setting before a single resource is registered.
const settings = readStackSettings();
// A request far from what observability:capacity needs: one line each, before anything is deployed.
for (const warning of capacityWarnings(settings)) pulumi.log.warn(warning);
const stack = new ObservabilityStack("observability", { settings, secrets: readStackSecrets(settings) });

// The stack outputs, as one object so that they keep this order wherever they are listed (`npm run
// render`'s outputs.json): a transpiler may order named exports as it likes (swc sorts them).
export = {
  namespace: stack.namespace,
  agentsNamespace: stack.agentsNamespace,
  urls: stack.urls,
  portForward: {
    grafana: `kubectl -n ${settings.namespace} port-forward svc/grafana 3000:3000`,
    prometheus: `kubectl -n ${settings.namespace} port-forward svc/prometheus 9090:9090`,
    alertmanager: `kubectl -n ${settings.namespace} port-forward svc/alertmanager 9093:9093`,
    // Dev's inbox: every alert email, at http://localhost:8025.
    ...(stack.mailCatcherPortForward ? { mailpit: stack.mailCatcherPortForward } : {}),
  },
  grafanaAdminUser: settings.grafana.adminUser,
  grafanaAdminPassword: stack.grafanaAdminPassword ? pulumi.secret(stack.grafanaAdminPassword) : undefined,
  // The exact redirect URI to register with the identity provider (README, Single sign-on).
  grafanaOidcCallbackUrl: settings.grafana.enabled && settings.grafana.auth.oidc ? oidcCallbackUrl(settings.grafana) : undefined,
  // Read back by the next run to check that a claim may grow (components/volume-ledger.ts).
  volumes: stack.volumes,
};
