/**
 * The policy pack as the Pulumi CLI runs it, without the CLI: policy/index.ts is started as its
 * own process (it serves the Analyzer gRPC API and prints its port, which is how the engine finds
 * it), then asked what it holds and to analyze resources, with properties and options encoded as
 * the engine encodes them. This is what `pulumi preview --policy-pack policy` talks to.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { policies } from "../../policy/policies";
import { PolicyResource } from "../../policy/rules";
import { PROJECT_ROOT } from "../../scripts/offline";
import { render } from "../helpers/render";
import { policyResources, urnOf } from "./resources";

const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

let pack: ChildProcess;
let client: any;

beforeAll(async () => {
  pack = spawn(process.execPath, ["-r", "@swc-node/register", "index.ts"], { cwd: path.join(PROJECT_ROOT, "policy"), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  pack.stderr!.on("data", (chunk) => (stderr += chunk));
  const port = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    pack.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const line = /^(\d+)\s*$/m.exec(stdout);
      if (line) resolve(line[1]);
    });
    pack.on("exit", (code) => reject(new Error(`the policy pack exited with ${code} before serving:\n${stderr}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 30000);

afterAll(() => {
  client?.close();
  pack?.kill();
});

function call<T>(method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => client[method](request, (err: Error | null, response: T) => (err ? reject(err) : resolve(response))));
}

function options(resource: PolicyResource) {
  return new analyzerPb.AnalyzerResourceOptions().setProtect(resource.protect === true);
}

interface Diagnostic {
  policy: string;
  message: string;
  enforcement: number;
}

function diagnostics(response: any): Diagnostic[] {
  return response.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), message: d.getMessage(), enforcement: d.getEnforcementlevel() }));
}

async function analyze(stack: string, resource: PolicyResource): Promise<Diagnostic[]> {
  const request = new analyzerPb.AnalyzeRequest()
    .setType(resource.type)
    .setName(resource.name)
    .setUrn(urnOf(stack, resource))
    .setProperties(Struct.fromJavaScript(resource.props))
    .setOptions(options(resource));
  return diagnostics(await call("analyze", request));
}

async function analyzeStack(stack: string, resources: PolicyResource[]): Promise<Diagnostic[]> {
  const request = new analyzerPb.AnalyzeStackRequest().setResourcesList(
    resources.map((r) =>
      new analyzerPb.AnalyzerResource()
        .setType(r.type)
        .setName(r.name)
        .setUrn(urnOf(stack, r))
        .setProperties(Struct.fromJavaScript(r.props))
        .setOptions(options(r)),
    ),
  );
  return diagnostics(await call("analyzeStack", request));
}

test("the pack serves every policy of policies.ts, named observability, all mandatory", async () => {
  const info: any = await call("getAnalyzerInfo", new Empty());
  expect(info.getName()).toBe("observability");
  expect(info.getVersion()).toBe("0.1.0");
  expect(info.getPoliciesList().map((p: any) => p.getName())).toEqual(policies.map((p) => p.name));
  const MANDATORY = analyzerPb.EnforcementLevel.MANDATORY;
  expect(info.getPoliciesList().every((p: any) => p.getEnforcementlevel() === MANDATORY)).toBe(true);
});

describe.each(["dev", "prod"])("the %s stack, analyzed by the running pack", (stack) => {
  let resources: PolicyResource[];
  beforeAll(async () => {
    resources = policyResources(await render({ stack }));
  });

  test("raises nothing, resource by resource and as a whole", async () => {
    const found: Diagnostic[] = [];
    for (const resource of resources) found.push(...(await analyze(stack, resource)));
    found.push(...(await analyzeStack(stack, resources)));
    expect(found).toEqual([]);
  });

  test("blocks a Deployment whose image moved to :latest, with the policy's message", async () => {
    const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
    const bad = { ...deployment, props: JSON.parse(JSON.stringify(deployment.props)) };
    const container = bad.props.spec.template.spec.containers[0];
    container.image = container.image.replace(/:[^:/]+$/, ":latest");
    expect(await analyze(stack, bad)).toEqual([
      { policy: "images-pinned", message: expect.stringContaining(`container "${container.name}" image "${container.image}" uses the moving tag ":latest"`), enforcement: analyzerPb.EnforcementLevel.MANDATORY },
    ]);
  });
});

test("reads the stack from the URN: an unprotected PVC is blocked in prod only", async () => {
  const pvc: PolicyResource = {
    type: "kubernetes:core/v1:PersistentVolumeClaim",
    name: "prometheus-data",
    props: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "prometheus-data", namespace: "monitoring" }, spec: { accessModes: ["ReadWriteOnce"] } },
    protect: false,
  };
  expect((await analyze("prod", pvc)).map((d) => d.policy)).toEqual(["data-protected-in-production"]);
  expect(await analyze("dev", pvc)).toEqual([]);
  expect(await analyze("prod", { ...pvc, protect: true })).toEqual([]);
});

test("as a stack policy: a StatefulSet's claims in an unprotected namespace are blocked in prod", async () => {
  const namespace: PolicyResource = { type: "kubernetes:core/v1:Namespace", name: "ns", props: { apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring" } }, protect: false };
  const statefulSet: PolicyResource = {
    type: "kubernetes:apps/v1:StatefulSet",
    name: "alertmanager",
    props: { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "alertmanager", namespace: "monitoring" }, spec: { volumeClaimTemplates: [{ metadata: { name: "data" } }] } },
    protect: false,
  };
  expect(await analyzeStack("prod", [namespace, statefulSet])).toEqual([
    { policy: "statefulset-claims-protected-in-production", message: expect.stringContaining("StatefulSet monitoring/alertmanager keeps data in volumeClaimTemplates"), enforcement: analyzerPb.EnforcementLevel.MANDATORY },
  ]);
  expect(await analyzeStack("prod", [{ ...namespace, protect: true }, statefulSet])).toEqual([]);
});
