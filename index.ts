import * as pulumi from "@pulumi/pulumi";
import { ObservabilityStack } from "./components/observability-stack";
import { readStackSettings, readStackSecrets } from "./components/stack-config";

// Validate every setting before a single resource is registered.
const settings = readStackSettings();
const stack = new ObservabilityStack("observability", { settings, secrets: readStackSecrets(settings) });

export const namespace = stack.namespace;
export const agentsNamespace = stack.agentsNamespace;
export const urls = stack.urls;
export const portForward = {
  grafana: `kubectl -n ${settings.namespace} port-forward svc/grafana 3000:3000`,
  prometheus: `kubectl -n ${settings.namespace} port-forward svc/prometheus 9090:9090`,
  alertmanager: `kubectl -n ${settings.namespace} port-forward svc/alertmanager 9093:9093`,
  // Dev's inbox: every alert email, at http://localhost:8025.
  ...(stack.mailCatcherPortForward ? { mailpit: stack.mailCatcherPortForward } : {}),
};
// Read back by the next run to check that a claim may grow (components/volume-ledger.ts).
export const volumes = stack.volumes;
export const grafanaAdminUser = settings.grafana.adminUser;
export const grafanaAdminPassword = stack.grafanaAdminPassword ? pulumi.secret(stack.grafanaAdminPassword) : undefined;
