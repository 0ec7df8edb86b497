/** Which alertmanager.yml verify compares the pods with: the one auto-named ConfigMap `pulumi up` left. */
import { ALERTMANAGER_CONFIG_MAP_PREFIX, deployedAlertmanagerConfig } from "../../scripts/verify/alertmanager-checks";
import { FakeCluster } from "./fake-cluster";

const NS = "monitoring";

test("the one auto-named ConfigMap is the deployed config; none or two (an update under way) give none", async () => {
  const cluster = new FakeCluster();
  expect(await deployedAlertmanagerConfig(cluster, NS)).toBeUndefined();
  cluster.configMaps.set(`${NS}/${ALERTMANAGER_CONFIG_MAP_PREFIX}aaaa1111`, { "alertmanager.yml": "route: {}\n", "probe-client.yml": "x" });
  cluster.configMaps.set(`other/${ALERTMANAGER_CONFIG_MAP_PREFIX}bbbb2222`, { "alertmanager.yml": "elsewhere\n" });
  expect(await deployedAlertmanagerConfig(cluster, NS)).toBe("route: {}\n");
  cluster.configMaps.set(`${NS}/${ALERTMANAGER_CONFIG_MAP_PREFIX}cccc3333`, { "alertmanager.yml": "route: { receiver: x }\n" });
  expect(await deployedAlertmanagerConfig(cluster, NS)).toBeUndefined();
});
