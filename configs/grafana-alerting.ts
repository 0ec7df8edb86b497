import { fileExpansion, literalProvisioning } from "./grafana-provisioning";

/**
 * Grafana-managed alerts (rules made in Grafana's UI) go to the stack's Alertmanager, so they are
 * routed, grouped, inhibited and silenced exactly like Prometheus' rules, by one routing tree.
 *
 * How (Grafana 13.2, "Configure Alertmanagers"): Grafana offers two ways. (1) The Alertmanager
 * datasource with `handleGrafanaManagedAlerts: true`, which also needs the Alerting > Settings page
 * (the admin configuration's "Send alerts to", stored in Grafana's database) to pick that
 * Alertmanager; its default sends to Grafana's built-in Alertmanager too, whose default contact
 * point is a placeholder e-mail address. No provisioning file sets that choice. (2) A contact point
 * of type `prometheus-alertmanager` with a notification policy routing every alert to it, both
 * provisioned from files (`provisioning/alerting`, documented under "file provisioning"). We take
 * (2): everything lives in files, the built-in Alertmanager only forwards, and a provisioned policy
 * tree cannot be edited away in the UI.
 */

/** Where Grafana reads alerting provisioning files (under its provisioning folder). */
export const ALERTING_PROVISIONING_SUBDIR = "alerting";
export const STACK_CONTACT_POINT = "stack-alertmanager";
const CONTACT_POINT_UID = "stack-alertmanager";

/** How the contact point logs in to the Alertmanager: a user, and the file Grafana reads the password from with `$__file{}`. */
export interface AlertmanagerClient {
  user: string;
  passwordFile: string;
}

/** Grafana's alerting provisioning file (apiVersion 1): contact points and the notification policy tree. */
export interface AlertingProvisioningFile {
  apiVersion: 1;
  contactPoints: {
    orgId: number;
    name: string;
    receivers: { uid: string; type: "prometheus-alertmanager"; settings: { url: string; basicAuthUser?: string; basicAuthPassword?: string }; disableResolveMessage: boolean }[];
  }[];
  policies: { orgId: number; receiver: string; group_by: string[]; group_wait: string; group_interval: string; repeat_interval: string }[];
}

export function buildAlertingProvisioning(alertmanagerUrl: string, credentials?: AlertmanagerClient): AlertingProvisioningFile {
  return literalProvisioning({
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: STACK_CONTACT_POINT,
        receivers: [
          {
            uid: CONTACT_POINT_UID,
            type: "prometheus-alertmanager",
            settings: {
              url: alertmanagerUrl,
              // The password comes from a mounted Secret: the provisioning file holds only its path.
              ...(credentials ? { basicAuthUser: credentials.user, basicAuthPassword: fileExpansion(credentials.passwordFile) } : {}),
            },
            // A resolved alert must reach the Alertmanager, or it would stay firing there until it times out.
            disableResolveMessage: false,
          },
        ],
      },
    ],
    policies: [
      {
        orgId: 1,
        receiver: STACK_CONTACT_POINT,
        // Each alert passes through as it is: the stack's Alertmanager groups, waits and repeats.
        group_by: ["..."],
        group_wait: "0s",
        group_interval: "1m",
        // Re-sent well within the Alertmanager's resolve_timeout (5m), so a firing alert never lapses there.
        repeat_interval: "1m",
      },
    ],
  });
}
