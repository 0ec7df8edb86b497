import * as pulumi from "@pulumi/pulumi";
import { MAIL_CATCHER_HTTP_PORT, MAIL_CATCHER_SMTP_PORT, mailCatcherArgs } from "../configs/mail-catcher";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import {
  clusterService,
  CommonArgs,
  containerResources,
  httpProbes,
  labels,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  singleReplicaDeployment,
} from "./kube";

const NAME = "mailpit";
/** Mailpit's image names no user; nobody's id satisfies the restricted profile. */
const MAILPIT_UID = 65534;

export interface MailCatcherArgs extends CommonArgs {
  settings: StackSettings;
}

/**
 * Mailpit as Alertmanager's smarthost on laptop clusters (`mailCatcher.enabled`): every email
 * receiver delivers here and nothing leaves the cluster. Messages are kept in a scratch volume and
 * lost with the pod, which is what a dev inbox needs.
 */
export class MailCatcher extends pulumi.ComponentResource {
  /** The SMTP port's address: Alertmanager's smarthost. */
  public readonly address: pulumi.Output<ServiceAddress>;
  /** How to open the web inbox from a laptop. */
  public readonly portForward: pulumi.Output<string>;

  constructor(name: string, args: MailCatcherArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:MailCatcher", name, {}, opts);
    const parent = { parent: this };
    const { settings, namespace } = args;
    const meta = labels(NAME, "mail-catcher");

    singleReplicaDeployment(
      NAME,
      {
        namespace,
        labels: meta,
        podSpec: {
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurity(MAILPIT_UID),
          containers: [
            {
              name: NAME,
              image: settings.images.mailpit,
              args: mailCatcherArgs(),
              ports: [
                { name: "smtp", containerPort: MAIL_CATCHER_SMTP_PORT },
                { name: "http", containerPort: MAIL_CATCHER_HTTP_PORT },
              ],
              // Its database is a temporary file: the root filesystem stays read-only.
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              resources: containerResources(settings.mailCatcher.resources),
              securityContext: restrictedContainerSecurity(),
              ...httpProbes("/livez", "/readyz", "http"),
            },
          ],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
        },
      },
      parent,
    );

    const { service, address } = clusterService(
      NAME,
      {
        namespace,
        labels: meta,
        ports: [
          { name: "smtp", port: MAIL_CATCHER_SMTP_PORT },
          { name: "http", port: MAIL_CATCHER_HTTP_PORT },
        ],
      },
      parent,
    );
    this.address = address;
    this.portForward = pulumi.interpolate`kubectl -n ${service.metadata.namespace} port-forward svc/${service.metadata.name} ${MAIL_CATCHER_HTTP_PORT}:${MAIL_CATCHER_HTTP_PORT}`;
    this.registerOutputs({ address: this.address, portForward: this.portForward });
  }
}
