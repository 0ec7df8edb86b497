/**
 * The program run as users run it: the Pulumi CLI (3.276, with the real Node.js language host through
 * Pulumi.yaml) and the Kubernetes provider against a real kube-apiserver 1.34 with RBAC, Pod
 * Security admission and token authentication, KWOK faking the node (test/helpers/test-cluster.ts).
 *
 * Two clusters for the whole file, started together: dev's and prod's, as the README has them (both
 * stacks use the namespace `monitoring` and node-exporter's host port, so they never share one).
 * Each stack is a chain of steps that starts in `beforeAll` and runs on its own (timeline.ts); RBAC
 * and discovery checks only read and run beside them. Each test awaits the step it asserts, so the
 * two stacks and the checks overlap in time. Every `pulumi` command's wall time is printed at the
 * end (docs/benchmarks.md).
 *
 * The provider here is 4.25, users get 4.34: provider-version.ts says what differs, and every `up`
 * below asserts it took over no existing object, the one place where the two behave differently.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { GRAFANA_PORT } from "../../configs/grafana";
import { pinnedBinaries, UPSTREAM_BIN } from "../../scripts/upstream-tools-plan";
import { KubeApi, resourcePath } from "../helpers/kube-api";
import { freePort } from "../helpers/processes";
import { errorsOf, EngineEvent, PreviewStep, PulumiProject, PulumiRun, timings, urnName } from "../helpers/pulumi-cli";
import { previewSecrets } from "../helpers/stack-secrets";
import {
  DEFAULT_STORAGE_CLASS,
  EXPANDABLE_STORAGE_CLASS,
  FIXED_STORAGE_CLASS,
  goAvailable,
  missingClusterTools,
  NODE_NAME,
  startTestCluster,
  stopTestCluster,
  TestCluster,
} from "../helpers/test-cluster";
import { discoveredTargets, kubeStateMetricsOutput, secretReadersOutsideOwnNamespace, serviceAccountToken } from "./access";
import { ApiResources, changedPods, claims, failedCreates, podUids, stateObjects, workloads } from "./observe";
import { takenOver } from "./provider-version";
import { Timeline } from "./timeline";
import { VERIFY_USER, verifyAgainstCluster } from "./verify-run";

const STEP_TIMEOUT = 10 * 60_000;
/** The tools beyond the control plane: the Pulumi CLI, language host and provider; promtool and kube-state-metrics for RBAC and discovery. */
const PULUMI_AND_CHECK_TOOLS = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "promtool", "kube-state-metrics"];

/** Runs the suite when the pinned tools are built; in CI their absence fails, elsewhere the suite skips and says why. */
function clusterSuite(name: string, fn: () => void): void {
  const missing = [...missingClusterTools(), ...PULUMI_AND_CHECK_TOOLS.filter((b) => !pinnedBinaries().has(b) || !fs.existsSync(path.join(UPSTREAM_BIN, b)))];
  if (missing.length === 0) return describe(name, fn);
  if (process.env.CI === "true") {
    return describe(name, () => test("the pinned tools are built", () => {
      throw new Error(`CI runs the cluster tests: ${missing.join(", ")} missing from ${UPSTREAM_BIN}: run \`npm run upstream-tools\``);
    }));
  }
  const why = goAvailable() ? `run \`npm run upstream-tools\` to build ${missing.join(", ")}` : `Go is not installed, and it builds ${missing.join(", ")} (npm run upstream-tools)`;
  describe.skip(`${name} [skipped: ${why}]`, fn);
}

const DEV = { stack: "dev", namespace: "monitoring", agents: "monitoring-agents" };
const PROD = { stack: "prod", namespace: "monitoring", agents: "monitoring-agents" };
/** A second namespace with an application whose pods opt in to scraping, and one that does not. */
const APP_NAMESPACE = "trading";

const setting = (key: string) => `observability:${key}`;
const warningsOf = (events: EngineEvent[]) => events.flatMap((e) => (e.diagnosticEvent?.severity === "warning" ? [e.diagnosticEvent.message] : []));

/** The steps a preview would take that change something (not `same`, not a `read`): `op urn-name`. */
function changes(steps: PreviewStep[]): string[] {
  return steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => `${s.op} ${urnName(s.urn)}`);
}

/** After an `up`: what a user checks with kubectl. */
async function deployed(api: KubeApi, run: PulumiRun, started: number, namespaces: string[]) {
  return {
    run,
    takenOver: takenOver(run.events, started),
    workloads: await workloads(api, namespaces),
    failedCreates: await failedCreates(api, namespaces),
    pods: await podUids(api, namespaces),
  };
}

function devLifecycle(cluster: TestCluster, grafanaPort: number) {
  const { api } = cluster;
  const t = new Timeline("dev");
  const project = PulumiProject.create(cluster, DEV.stack);
  const namespaces = [DEV.namespace, DEV.agents];
  const secrets = previewSecrets(DEV.stack);
  // The README's quickstart, `--yes` instead of the prompt; the secrets the program would generate because there is no random provider here.
  const up = t.step("pulumi stack select --create dev; pulumi up --stack dev", async () => {
    await project.selectStack(DEV.stack);
    for (const [key, value] of Object.entries(secrets)) await project.configSet(DEV.stack, key, value, { secret: true });
    const started = Date.now();
    const run = await project.run(["up", "--stack", DEV.stack, "--yes", "--non-interactive"]);
    return { ...(await deployed(api, run, started, namespaces)), claims: await claims(api, DEV.namespace) };
  });
  const noChanges = t.step("pulumi preview --expect-no-changes", () => project.run(["preview", "--stack", DEV.stack, "--expect-no-changes", "--diff", "--non-interactive"], { allowFailure: true }));
  const verify = t.step("npm run verify -- --stack dev --context test-cluster, as a user with the rights README names", () =>
    verifyAgainstCluster(cluster, { stack: DEV.stack, namespaces, grafanaPort, grafanaLogin: `admin:${secrets[setting("grafanaAdminPassword")]}` }),
  );
  // Each change is previewed on its own; one `up` applies both (one command less on the longest chain).
  const ruleChange = t.step("an alert rule's `for` changes (preview)", async () => {
    const before = await podUids(api, namespaces);
    await project.configSet(DEV.stack, setting("alerts.applicationDown.for"), "2m", { path: true });
    return { before, changes: changes((await project.preview(DEV.stack)).steps) };
  });
  const grafanaChange = t.step("Grafana's root URL changes too (preview), then pulumi up", async () => {
    const { before, changes: ruleChanges } = await ruleChange;
    await project.configSet(DEV.stack, setting("grafana.rootUrl"), "http://localhost:3001", { path: true });
    const both = changes((await project.preview(DEV.stack)).steps);
    const started = Date.now();
    const up = await project.up(DEV.stack);
    return { changes: both.filter((c) => !ruleChanges.includes(c)), replacedPods: changedPods(before, await podUids(api, namespaces)), takenOver: takenOver(up.events, started) };
  });
  const scaleUp = t.step("alertmanager.replicas 1 -> 3 and a storageClass for new claims", async () => {
    const before = await claims(api, DEV.namespace);
    await project.configSet(DEV.stack, setting("alertmanager.replicas"), "3", { path: true });
    await project.configSet(DEV.stack, setting("storageClass"), FIXED_STORAGE_CLASS);
    const started = Date.now();
    const run = await project.up(DEV.stack);
    return { before, after: await claims(api, DEV.namespace), warnings: warningsOf(run.events), takenOver: takenOver(run.events, started), workloads: await workloads(api, [DEV.namespace]) };
  });
  const scaleDown = t.step("alertmanager.replicas 3 -> 1", async () => {
    await project.configSet(DEV.stack, setting("alertmanager.replicas"), "1", { path: true });
    await project.up(DEV.stack);
    return { after: await claims(api, DEV.namespace), workloads: await workloads(api, [DEV.namespace]) };
  });
  const growRefused = t.step("prometheus.storageGi 5 -> 6 on a class without volume expansion", async () => {
    const before = await claims(api, DEV.namespace);
    await project.configSet(DEV.stack, setting("prometheus.storageGi"), "6", { path: true });
    const preview = await project.run(["preview", "--stack", DEV.stack, "--non-interactive"], { allowFailure: true });
    // --skip-preview: the program runs as an update does, reading the class for real, and must still refuse before any change.
    const up = await project.run(["up", "--stack", DEV.stack, "--yes", "--skip-preview", "--non-interactive"], { allowFailure: true });
    const after = await claims(api, DEV.namespace);
    await project.configSet(DEV.stack, setting("prometheus.storageGi"), "5", { path: true });
    return { preview, up, before, after };
  });
  const destroy = t.step("pulumi destroy --stack dev", async () => {
    const objects = stateObjects((await project.stackExport(DEV.stack)).resources);
    const run = await project.run(["destroy", "--stack", DEV.stack, "--yes", "--non-interactive"]);
    const resources = new ApiResources(api);
    const remaining: string[] = [];
    for (const o of objects) if (await api.find(await resources.path(o.apiVersion, o.kind, o.namespace, o.name))) remaining.push(`${o.kind} ${o.namespace ?? ""}/${o.name}`);
    const claimsLeft = await Promise.all(namespaces.map((ns) => api.list(resourcePath("v1", "persistentvolumeclaims", ns))));
    return { run, objects, remaining, claimsLeft: claimsLeft.flat().map((c) => c.metadata.name) };
  });
  return { timeline: t, project, secrets, up, noChanges, verify, ruleChange, grafanaChange, scaleUp, scaleDown, growRefused, destroy };
}

/** Distinctive values for prod's secrets, set with `pulumi config set --secret` (README "Secrets"). */
function prodSecrets(): Record<string, string> {
  const mark = () => Math.random().toString(36).slice(2, 12);
  return {
    ...previewSecrets(PROD.stack),
    [setting("slackWebhookUrl")]: `https://hooks.slack.com/services/T0000/B0000/slack${mark()}`,
    [setting("discordWebhookUrl")]: `https://discord.com/api/webhooks/1234/discord${mark()}`,
  };
}

function prodLifecycle(cluster: TestCluster) {
  const { api } = cluster;
  const t = new Timeline("prod");
  const project = PulumiProject.create(cluster, PROD.stack);
  const namespaces = [PROD.namespace, PROD.agents];
  const secrets = prodSecrets();
  // README "From zero to prod": create the stack, set its secrets, deploy; with a class that allows volume expansion,
  // so its claims can grow.
  const up = t.step("pulumi stack select --create prod; config set --secret ...; pulumi up", async () => {
    await project.selectStack(PROD.stack);
    await project.configSet(PROD.stack, setting("storageClass"), EXPANDABLE_STORAGE_CLASS);
    await project.configSet(PROD.stack, setting("alertmanager.slack.enabled"), "true", { path: true });
    await project.configSet(PROD.stack, setting("alertmanager.discord.enabled"), "true", { path: true });
    for (const [key, value] of Object.entries(secrets)) await project.configSet(PROD.stack, key, value, { secret: true });
    const started = Date.now();
    const run = await project.up(PROD.stack);
    return { ...(await deployed(api, run, started, namespaces)), claims: await claims(api, PROD.namespace) };
  });
  const noChanges = t.step("pulumi preview --expect-no-changes", () => project.run(["preview", "--stack", PROD.stack, "--expect-no-changes", "--diff", "--non-interactive"], { allowFailure: true }));
  const secretsSeen = t.step("where the secrets can be read", async () => {
    const state = (await project.stackExport(PROD.stack)).text;
    const objects = [...(await new ApiResources(api).everyObjectIn(PROD.namespace, ["secrets"])), ...(await new ApiResources(api).everyObjectIn(PROD.agents, ["secrets"]))];
    const clusterScoped = stateObjects((await project.stackExport(PROD.stack)).resources).filter((o) => !o.namespace);
    const resources = new ApiResources(api);
    for (const o of clusterScoped) objects.push(await api.get(await resources.path(o.apiVersion, o.kind, undefined, o.name)));
    const outputs = (await project.run(["stack", "output", "--stack", PROD.stack, "--json"])).stdout;
    const shown = (await project.run(["stack", "output", "--stack", PROD.stack, "--json", "--show-secrets"])).stdout;
    return { state, objects, outputs, shown };
  });
  const grow = t.step("alertmanager.storageGi 2 -> 3 on a class with volume expansion", async () => {
    const statefulSet = () => api.get(resourcePath("apps/v1", "statefulsets", PROD.namespace, "alertmanager"));
    const before = { claims: await claims(api, PROD.namespace), statefulSet: (await statefulSet()).metadata.uid };
    await project.configSet(PROD.stack, setting("alertmanager.storageGi"), "3", { path: true });
    await project.up(PROD.stack);
    return { before, after: { claims: await claims(api, PROD.namespace), statefulSet: (await statefulSet()).metadata.uid } };
  });
  const lokiHa = t.step("loki.replicas 1 -> 3 (preview)", async () => {
    const before = { claims: await claims(api, PROD.namespace), pods: await podUids(api, [PROD.namespace]) };
    await project.configSet(PROD.stack, setting("loki.replicas"), "3", { path: true });
    for (const [key, value] of Object.entries({ endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", insecure: "true" })) {
      await project.configSet(PROD.stack, setting(`loki.objectStorage.${key}`), value, { path: true });
    }
    await project.configSet(PROD.stack, setting("lokiObjectStorageSecretKey"), `test-s3-${Math.random().toString(36).slice(2)}`, { secret: true });
    const preview = await project.run(["preview", "--stack", PROD.stack, "--non-interactive"], { allowFailure: true });
    return { preview, before, after: { claims: await claims(api, PROD.namespace), pods: await podUids(api, [PROD.namespace]) } };
  });
  const destroy = t.step("pulumi destroy --stack prod", async () => {
    const objects = stateObjects((await project.stackExport(PROD.stack)).resources);
    const before = await claims(api, PROD.namespace);
    const run = await project.destroy(PROD.stack, { allowFailure: true });
    const resources = new ApiResources(api);
    const remaining: string[] = [];
    for (const o of objects) if (await api.find(await resources.path(o.apiVersion, o.kind, o.namespace, o.name))) remaining.push(`${o.kind} ${o.namespace ?? ""}/${o.name}`);
    const named = (o: (typeof objects)[number]) => `${o.kind} ${o.namespace ?? ""}/${o.name}`;
    return { run, before, after: await claims(api, PROD.namespace), remaining, protectedObjects: objects.filter((o) => o.protect).map(named) };
  });
  return { timeline: t, project, secrets, up, noChanges, secretsSeen, grow, lokiHa, destroy };
}

/** An application in a second namespace: two pods that opt in to scraping, one that does not. */
async function deployApplication(api: KubeApi): Promise<void> {
  await api.post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: APP_NAMESPACE } });
  const deployment = (name: string, annotations: Record<string, string>, replicas: number) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: APP_NAMESPACE },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations },
        spec: { containers: [{ name, image: "registry.example/trading/api:1.0", ports: [{ containerPort: 8000 }] }] },
      },
    },
  });
  await api.post(resourcePath("apps/v1", "deployments", APP_NAMESPACE), deployment("trading-api", { "prometheus.io/scrape": "true", "prometheus.io/port": "8000" }, 2));
  await api.post(resourcePath("apps/v1", "deployments", APP_NAMESPACE), deployment("batch-worker", {}, 1));
}

/** RBAC and discovery, once both stacks are up; only reads, so it runs beside their later steps. */
function accessChecks(cluster: TestCluster, prodCluster: TestCluster, stacksUp: Promise<unknown>) {
  const { api } = cluster;
  const t = new Timeline("rbac and discovery");
  const ready = t.step("both stacks deployed", () => stacksUp);
  const discovery = t.step("promtool check service-discovery with the Prometheus ServiceAccount's token", async () => {
    const config = await api.get(resourcePath("v1", "configmaps", DEV.namespace, "prometheus-config"));
    const token = await serviceAccountToken(api, DEV.namespace, "prometheus");
    const prometheusYml: string = config.data["prometheus.yml"];
    const jobs = parse(prometheusYml).scrape_configs.filter((j: any) => j.kubernetes_sd_configs).map((j: any) => j.job_name as string);
    return { jobs, targets: await discoveredTargets(cluster, prometheusYml, token, jobs, path.join(cluster.dir, "promtool")) };
  });
  const kubeStateMetrics = t.step("kube-state-metrics with its own token", async () => {
    const deployment = await api.get(resourcePath("apps/v1", "deployments", DEV.namespace, "kube-state-metrics"));
    const token = await serviceAccountToken(api, DEV.namespace, deployment.spec.template.spec.serviceAccountName);
    const wanted = (m: string) => /kube_pod_info\{[^}]*namespace="monitoring"/.test(m) && /kube_deployment_status_replicas\{[^}]*deployment="grafana"/.test(m);
    return kubeStateMetricsOutput(cluster, deployment.spec.template.spec.containers[0].args, token, cluster.dir, wanted);
  });
  const secretAccess = t.step("SubjectAccessReviews: who may read Secrets where", async () => {
    const reviews = [
      { api, namespaces: [DEV.namespace, DEV.agents] },
      { api: prodCluster.api, namespaces: [PROD.namespace, PROD.agents] },
    ].map(async (stack) => {
      const everyNamespace = (await stack.api.list("/api/v1/namespaces")).map((n) => n.metadata.name);
      const accounts = (await Promise.all(stack.namespaces.map((ns) => stack.api.list(resourcePath("v1", "serviceaccounts", ns)))))
        .flat()
        .map((sa) => ({ namespace: sa.metadata.namespace!, name: sa.metadata.name }));
      return { accounts, allowed: await secretReadersOutsideOwnNamespace(stack.api, accounts, everyNamespace) };
    });
    const results = await Promise.all(reviews);
    return { accounts: results.flatMap((r) => r.accounts), allowed: results.flatMap((r) => r.allowed) };
  });
  return { timeline: t, ready, discovery, kubeStateMetrics, secretAccess };
}

/** The run's output when an expectation about it fails: the errors it named, else its output. */
const explain = (run: PulumiRun) => `${run.command} (exit ${run.code}):\n${errorsOf(run.events).join("\n") || `${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`}`;

clusterSuite("pulumi preview, up and destroy against a real API server (KWOK nodes)", () => {
  /** A secret the dev stack was given (`observability:<key>`). */
  const devSecret = (key: string) => dev.secrets[setting(key)];
  let cluster: TestCluster;
  let prodCluster: TestCluster;
  let dev: ReturnType<typeof devLifecycle>;
  let prod: ReturnType<typeof prodLifecycle>;
  let access: ReturnType<typeof accessChecks>;

  beforeAll(async () => {
    // KWOK forwards the Grafana pods' port to a stand-in Grafana here, for verify (verify-run.ts).
    const grafanaPort = await freePort();
    const started = await Promise.allSettled([
      startTestCluster({ watchPid: process.pid, users: [VERIFY_USER], portForwards: [{ namespace: DEV.namespace, port: GRAFANA_PORT, to: grafanaPort }] }),
      startTestCluster({ watchPid: process.pid }),
    ]);
    [cluster, prodCluster] = started.map((s) => (s.status === "fulfilled" ? s.value : undefined!));
    for (const s of started) if (s.status === "rejected") throw s.reason;
    await deployApplication(cluster.api);
    dev = devLifecycle(cluster, grafanaPort);
    prod = prodLifecycle(prodCluster);
    access = accessChecks(cluster, prodCluster, Promise.all([dev.up, prod.up]));
  }, 120_000);

  afterAll(async () => {
    const timelines = [dev, prod, access].filter(Boolean).map((x) => x.timeline);
    const stopping = timelines.map((timeline) => timeline.stop());
    await Promise.all([cluster, prodCluster].filter(Boolean).map((c) => stopTestCluster(c.dir)));
    await Promise.all(stopping);
    const lines = [...timings.map((x) => `${x.seconds.toFixed(1).padStart(6)} s  ${x.command}`), ...timelines.flatMap((x) => x.durations).map((x) => `${x.seconds.toFixed(1).padStart(6)} s  step ${x.step}`)];
    console.log(`cluster tests, wall time of each pulumi command and step:\n${lines.join("\n")}`);
  }, 60_000);

  describe("a. dev: the README's quickstart", () => {
    test(
      "`pulumi up --stack dev` from an empty file backend: every Deployment, StatefulSet and DaemonSet ready, no pod refused by admission",
      async () => {
        const result = await dev.up;
        expect(result.workloads.length).toBeGreaterThanOrEqual(5);
        expect(result.workloads.filter((w) => w.ready < w.desired || w.desired === 0)).toEqual([]);
        expect(result.failedCreates).toEqual([]);
        expect(result.takenOver).toEqual([]);
        // The servers' namespace enforces the restricted Pod Security Standard, so admission checked every server pod.
        const namespace = await cluster.api.get(`/api/v1/namespaces/${DEV.namespace}`);
        expect(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        expect(Object.keys(result.pods).length).toBeGreaterThanOrEqual(result.workloads.length);
        expect(result.claims).toEqual(expect.objectContaining({ "data-alertmanager-0": expect.objectContaining({ storageClass: DEFAULT_STORAGE_CLASS }) }));
      },
      STEP_TIMEOUT,
    );
  });

  describe("b. no perpetual diff", () => {
    test.each([["dev"], ["prod"]])(
      "`pulumi preview --expect-no-changes --stack %s` right after `up` passes",
      async (stack) => {
        const run = await (stack === "dev" ? dev.noChanges : prod.noChanges);
        expect([run.code, run.code === 0 ? "" : explain(run)]).toEqual([0, ""]);
      },
      STEP_TIMEOUT,
    );
  });

  describe("c. config changes reach the pods they should, and only those", () => {
    test(
      "an alert rule change previews as an update of the rules ConfigMap alone; applied, it replaces no Prometheus pod (Prometheus reloads)",
      async () => {
        expect((await dev.ruleChange).changes).toEqual([expect.stringMatching(/^update kubernetes:core\/v1:ConfigMap prometheus-rules/)]);
        const applied = await dev.grafanaChange;
        expect(applied.replacedPods.filter((p) => !p.startsWith(`${DEV.namespace}/grafana-`))).toEqual([]);
        expect(applied.takenOver).toEqual([]);
      },
      STEP_TIMEOUT,
    );

    test(
      "a Grafana server setting replaces Grafana's config and rolls Grafana's pod alone",
      async () => {
        const result = await dev.grafanaChange;
        expect(result.changes.filter((c) => !/ grafana/.test(c))).toEqual([]);
        expect(result.changes).toEqual(expect.arrayContaining([expect.stringMatching(/^update kubernetes:apps\/v1:Deployment grafana$/), expect.stringMatching(/replace.* kubernetes:core\/v1:ConfigMap grafana/)]));
        expect(result.replacedPods.length).toBeGreaterThan(0);
        expect(result.replacedPods.filter((p) => !p.startsWith(`${DEV.namespace}/grafana-`))).toEqual([]);
      },
      STEP_TIMEOUT,
    );
  });

  describe("d. prod's secrets stay secret", () => {
    test(
      "neither `pulumi stack export` nor any non-Secret object holds a secret's text; `stack output` shows one only with --show-secrets",
      async () => {
        const seen = await prod.secretsSeen;
        const values = Object.values(prod.secrets);
        const forms = values.flatMap((v) => [v, Buffer.from(v).toString("base64")]);
        expect(forms.filter((v) => seen.state.includes(v))).toEqual([]);
        const leaks = seen.objects.flatMap((o) => forms.filter((v) => JSON.stringify(o).includes(v)).map(() => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`));
        expect(leaks).toEqual([]);
        expect(seen.objects.length).toBeGreaterThan(20);
        const password = prod.secrets[setting("grafanaAdminPassword")];
        expect(seen.outputs).not.toContain(password);
        expect(JSON.parse(seen.outputs).grafanaAdminPassword).toBe("[secret]");
        expect(JSON.parse(seen.shown).grafanaAdminPassword).toBe(password);
      },
      STEP_TIMEOUT,
    );
  });

  describe("e. data-safe changes on the live cluster", () => {
    test(
      "dev: Alertmanager 1 -> 3 replicas and back keeps data-alertmanager-0 (same uid); a storageClass change reaches only new claims, with a warning",
      async () => {
        const up = await dev.scaleUp;
        const first = up.before["data-alertmanager-0"];
        expect(up.after["data-alertmanager-0"]).toEqual(first);
        expect(up.after["data-alertmanager-1"]?.storageClass).toBe(FIXED_STORAGE_CLASS);
        expect(up.after["data-alertmanager-2"]?.storageClass).toBe(FIXED_STORAGE_CLASS);
        expect(up.after["prometheus-data"]).toEqual(up.before["prometheus-data"]);
        expect(up.warnings).toEqual(expect.arrayContaining([expect.stringContaining(`data-alertmanager-0 keeps storage class "${DEFAULT_STORAGE_CLASS}"`)]));
        expect(up.workloads.find((w) => w.name === `StatefulSet ${DEV.namespace}/alertmanager`)).toEqual(expect.objectContaining({ desired: 3, ready: 3 }));
        expect(up.takenOver).toEqual([]);
        const down = await dev.scaleDown;
        expect(down.after["data-alertmanager-0"]).toEqual(first);
        // Pulumi forgets the removed replicas' claims and leaves them (retainOnDelete): README "Changing settings safely".
        expect(Object.keys(down.after)).toEqual(expect.arrayContaining(["data-alertmanager-1", "data-alertmanager-2"]));
        expect(down.workloads.find((w) => w.name === `StatefulSet ${DEV.namespace}/alertmanager`)).toEqual(expect.objectContaining({ desired: 1, ready: 1 }));
      },
      STEP_TIMEOUT,
    );

    test(
      "prod: a larger storageGi patches each claim in place (same uids) on a class that allows expansion; the StatefulSet stays",
      async () => {
        const { before, after } = await prod.grow;
        for (const name of ["data-alertmanager-0", "data-alertmanager-1", "data-alertmanager-2"]) {
          expect([name, after.claims[name]]).toEqual([name, { ...before.claims[name], requested: "3Gi" }]);
        }
        expect(after.statefulSet).toBe(before.statefulSet);
      },
      STEP_TIMEOUT,
    );

    test(
      "dev: a larger storageGi on a class without expansion is refused in preview, in one line naming the setting; nothing changes and nothing crashes",
      async () => {
        const { preview, up, before, after } = await dev.growRefused;
        for (const run of [preview, up]) {
          expect(run.code).not.toBe(0);
          const errors = errorsOf(run.events);
          expect([run.command, errors]).toEqual([run.command, [expect.stringMatching(/observability:prometheus\.storageGi: .*prometheus-data.*allowVolumeExpansion/)]]);
          expect(`${run.stdout}${run.stderr}`).not.toMatch(/unhandled|Channel has been shut down/i);
        }
        expect(after).toEqual(before);
      },
      STEP_TIMEOUT,
    );

    test(
      "prod: Loki 1 -> 3 replicas stops at the preview, naming the protected claim loki-data, before anything changes",
      async () => {
        const { preview, before, after } = await prod.lokiHa;
        expect(preview.code).not.toBe(0);
        expect(errorsOf(preview.events).join("\n")).toMatch(/loki-data[\s\S]*protect/);
        expect(after).toEqual(before);
      },
      STEP_TIMEOUT,
    );
  });

  describe("f. pulumi destroy", () => {
    test(
      "dev: removes everything it created and leaves nothing in the cluster",
      async () => {
        const { objects, remaining, claimsLeft } = await dev.destroy;
        expect(objects.length).toBeGreaterThan(50);
        expect(remaining).toEqual([]);
        expect(claimsLeft).toEqual([]);
      },
      STEP_TIMEOUT,
    );

    test(
      "prod: deletes what is not protected and stops at the protected claims and namespaces, as README \"Teardown\" says; every claim stays, uid and all",
      async () => {
        const { run, before, after, remaining, protectedObjects } = await prod.destroy;
        expect(run.code).not.toBe(0);
        expect(errorsOf(run.events).join("\n")).toMatch(/protected/);
        expect(after).toEqual(before);
        expect(Object.keys(after).length).toBeGreaterThanOrEqual(6);
        expect(protectedObjects).toEqual(expect.arrayContaining([`Namespace /${PROD.namespace}`, `Namespace /${PROD.agents}`, `PersistentVolumeClaim ${PROD.namespace}/loki-data`]));
        expect(protectedObjects.every((o) => /^(Namespace|PersistentVolumeClaim) /.test(o))).toBe(true);
        expect(remaining.sort()).toEqual(protectedObjects.sort());
      },
      STEP_TIMEOUT,
    );
  });

  describe("h. npm run verify through the real API server (KWOK as every kubelet)", () => {
    test(
      "as a user with the rights README names: the stack's pods, Secrets and ConfigMaps are read; Grafana's checks pass over pods/portforward with the admin login intact; every pod nothing answers for fails with the port-forward's error",
      async () => {
        const { code, checks, stderr, grafanaAuthorizations } = await dev.verify;
        const table = checks.map((c) => `${c.status} ${c.service} ${c.check}: ${c.detail}`).join("\n");
        expect(stderr).toContain(`verify: context test-cluster`);
        expect(table).not.toMatch(/forbidden/i);
        // The pods the stack runs, ready (KWOK), found by their labels.
        expect(checks.filter((c) => c.check === "pods").map((c) => [c.service, c.status])).toEqual(expect.arrayContaining([["prometheus", "pass"], ["alertmanager", "pass"], ["loki", "pass"], ["log agent", "pass"]]));
        // Grafana: reached through the API server and KWOK's kubelet leg, logged in with the password from its Secret.
        expect(checks.filter((c) => c.service === "grafana").map((c) => [c.check, c.status])).toEqual([
          ["health", "pass"],
          ["datasources", "pass"],
          ["dashboards", "pass"],
        ]);
        const admin = `Basic ${Buffer.from(`admin:${devSecret("grafanaAdminPassword")}`).toString("base64")}`;
        expect(new Set(grafanaAuthorizations.filter(Boolean))).toEqual(new Set([admin]));
        // Nothing listens behind the other pods: each of their HTTP checks fails with KWOK's answer, carried back by the API server.
        const unreachable = checks.filter((c) => c.status === "fail");
        expect(unreachable.length).toBeGreaterThan(3);
        expect(unreachable.filter((c) => !/no forward found for port/.test(c.detail)).map((c) => `${c.service} ${c.check}: ${c.detail}`)).toEqual([]);
        expect(code).toBe(1);
      },
      STEP_TIMEOUT,
    );
  });

  describe("g. RBAC and discovery on the real API server", () => {
    test(
      "promtool check service-discovery, with a token issued to the Prometheus ServiceAccount, finds node-exporter, kube-state-metrics and the annotated pods of another namespace, labelled as the rules read them",
      async () => {
        const { targets } = await access.discovery;
        expect(targets["node-exporter"]).toEqual([expect.objectContaining({ job: "node-exporter", namespace: DEV.agents, node: NODE_NAME, pod: expect.stringMatching(/^node-exporter-/) })]);
        expect(targets["kube-state-metrics"]).toEqual([expect.objectContaining({ job: "kube-state-metrics" })]);
        expect(targets["kube-state-metrics"][0]).not.toHaveProperty("namespace");
        const app = Object.values(targets).flat().filter((labels) => labels.namespace === APP_NAMESPACE);
        expect(app).toEqual([
          expect.objectContaining({ job: "fastapi", namespace: APP_NAMESPACE, app: "trading-api", service: "trading-api", pod: expect.stringMatching(/^trading-api-/), instance: expect.stringMatching(/:8000$/) }),
          expect.objectContaining({ job: "fastapi", namespace: APP_NAMESPACE, app: "trading-api", pod: expect.stringMatching(/^trading-api-/) }),
        ]);
      },
      STEP_TIMEOUT,
    );

    test(
      "kube-state-metrics 2.20 reads the API with its own ServiceAccount's token: kube_pod_info and kube_deployment_status_replicas of the stack's objects, no forbidden",
      async () => {
        const { metrics, log } = await access.kubeStateMetrics;
        expect(metrics).toMatch(/kube_pod_info\{[^}]*namespace="monitoring"[^}]*pod="grafana-/);
        expect(metrics).toMatch(/kube_deployment_status_replicas\{[^}]*namespace="monitoring"[^}]*deployment="grafana"[^}]*\} 1/);
        expect(log).not.toMatch(/forbidden/i);
      },
      STEP_TIMEOUT,
    );

    test(
      "SubjectAccessReviews: no ServiceAccount of either stack may read Secrets outside its own namespace",
      async () => {
        const { accounts, allowed } = await access.secretAccess;
        expect(accounts.map((a) => a.name)).toEqual(expect.arrayContaining(["prometheus", "kube-state-metrics"]));
        expect(allowed).toEqual([]);
      },
      STEP_TIMEOUT,
    );
  });
});
