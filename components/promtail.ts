import * as pulumi from "@pulumi/pulumi";
import { LogDestination } from "../configs/log-destination";
import { buildPromtailConfig, PROMTAIL_HTTP_PORT, PROMTAIL_POSITIONS_DIR } from "../configs/promtail";
import { ServiceAddress } from "../configs/service-address";
import { StackSettings } from "../configs/settings";
import { toYaml } from "../configs/yaml";
import { CommonArgs } from "./kube";
import { logAgentDaemonSet } from "./log-agent";

const CONFIG_DIR = "/etc/promtail";

export interface LogAgentArgs extends CommonArgs {
  settings: StackSettings;
  destination: pulumi.Output<LogDestination>;
  externalLokiPassword?: pulumi.Output<string>;
}

/** Promtail on every node, shipping pod and system logs to Loki. End-of-life: see Alloy. */
export class Promtail extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;

  constructor(name: string, args: LogAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Promtail", name, {}, opts);
    const { settings } = args;
    this.address = logAgentDaemonSet(
      {
        name: "promtail",
        namespace: args.namespace,
        image: settings.images.promtail,
        args: [`-config.file=${CONFIG_DIR}/promtail.yaml`],
        configFile: { name: "promtail.yaml", content: args.destination.apply((destination) => toYaml(buildPromtailConfig({ settings, destination }))) },
        configDir: CONFIG_DIR,
        stateDir: PROMTAIL_POSITIONS_DIR,
        readyPath: "/ready",
        port: PROMTAIL_HTTP_PORT,
        resources: settings.promtail.resources,
        externalLokiPassword: args.externalLokiPassword,
      },
      this,
    );
    this.registerOutputs({});
  }
}
