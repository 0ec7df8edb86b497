import * as pulumi from "@pulumi/pulumi";
import { ALLOY_HTTP_PORT, ALLOY_STORAGE_DIR, buildAlloyConfig, toAlloy } from "../configs/alloy";
import { ServiceAddress } from "../configs/service-address";
import { logAgentDaemonSet } from "./log-agent";
import { LogAgentArgs } from "./promtail";

const CONFIG_DIR = "/etc/alloy";

/** Grafana Alloy on every node: Promtail's supported successor, with the same discovery, labels and pipeline. */
export class Alloy extends pulumi.ComponentResource {
  public readonly address: pulumi.Output<ServiceAddress>;

  constructor(name: string, args: LogAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:index:Alloy", name, {}, opts);
    const { settings } = args;
    this.address = logAgentDaemonSet(
      {
        name: "alloy",
        namespace: args.namespace,
        image: settings.images.alloy,
        args: [
          "run",
          `${CONFIG_DIR}/config.alloy`,
          `--storage.path=${ALLOY_STORAGE_DIR}`,
          `--server.http.listen-addr=0.0.0.0:${ALLOY_HTTP_PORT}`,
          "--stability.level=generally-available",
          // No usage reports to Grafana Labs: a monitoring stack phones nowhere.
          "--disable-reporting",
        ],
        configFile: { name: "config.alloy", content: args.destination.apply((destination) => toAlloy(buildAlloyConfig({ settings, destination }))) },
        configDir: CONFIG_DIR,
        stateDir: ALLOY_STORAGE_DIR,
        readyPath: "/-/ready",
        port: ALLOY_HTTP_PORT,
        resources: settings.alloy.resources,
        externalLokiPassword: args.externalLokiPassword,
      },
      this,
    );
    this.registerOutputs({});
  }
}
