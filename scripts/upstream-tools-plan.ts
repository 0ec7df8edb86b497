/**
 * Which upstream programs the tests build from their Go modules, and at which versions.
 * - What the stack deploys: configs/images.ts is the one source of truth. The Go module version each
 *   `test/upstream/<program>/go.mod` must require is derived from the image tag, and a test fails when
 *   the two disagree.
 * - What only the tests run (the Pulumi CLI, its Node.js language host, the Kubernetes provider, the
 *   control plane and KWOK for test/cluster/): TEST_TOOLS below, checked by a test against
 *   package-lock.json (the SDK versions the program is written against).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { defaultImages, ImageName } from "../configs/images";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** Where the pinned builds land (git-ignored); test/helpers/binaries.ts looks here first. */
export const UPSTREAM_BIN = path.join(PROJECT_ROOT, ".upstream", "bin");
/** Scratch for the build: module copies with the files their release tooling generates (git-ignored). */
export const UPSTREAM_BUILD = path.join(PROJECT_ROOT, ".upstream", "build");
export const UPSTREAM_MODULES = path.join(PROJECT_ROOT, "test", "upstream");

/**
 * The programs only the tests run, at the versions the Go module proxy serves. Each entry says why
 * that version, where it differs from what users run.
 */
export const TEST_TOOLS = {
  /** The Pulumi CLI and engine. Must be at least the @pulumi/pulumi SDK package-lock.json resolves (a test checks). */
  pulumi: { version: "3.276.0", module: "github.com/pulumi/pulumi/pkg/v3" },
  /**
   * The Node.js language host. Since v3.69 it is its own Go module, which the proxy does not serve;
   * v3.68.0 still has it inside sdk/v3 and works with the 3.276 engine. It reads Pulumi.yaml's
   * `runtime.options` only from flags, so the cluster tests run it through a wrapper adding `-typescript=false`.
   */
  languageNodejs: { version: "3.68.0", module: "github.com/pulumi/pulumi/sdk/v3" },
  /**
   * The Kubernetes provider plugin. The proxy serves one version of provider/v4, a pseudo-version that
   * is the v4.25.0 release commit; users get the version @pulumi/kubernetes asks for (`sdkExpects`,
   * checked against package-lock.json). What differs between the two: README "Tested against a real
   * control plane" and test/cluster/provider-version.ts.
   */
  kubernetesProvider: {
    version: "4.25.0",
    module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
    moduleVersion: "v4.0.0-20260115033456-f47bc2d6f199",
    sdkExpects: "4.34.2",
  },
  /** kube-apiserver, kube-controller-manager, kube-scheduler. */
  kubernetes: { version: "1.34.4", module: "k8s.io/kubernetes" },
  /** The test cluster's store. */
  etcd: { version: "3.6.16", module: "go.etcd.io/etcd/server/v3" },
  /** Fakes the test cluster's node and moves its pods and volumes to ready. */
  kwok: { version: "0.8.0", module: "sigs.k8s.io/kwok" },
} as const;

/** A file the build adds (upstream's release tooling generates it; the published module lacks it). */
export interface AddedFile {
  /** Path relative to the folder it is added to. */
  path: string;
  why: string;
  /** Its content, from the verified upstream module's folder. */
  content: (upstreamModuleDir: string) => string;
}

/** A file copied out of the verified upstream module next to the binaries, for the tests. */
export interface ModuleArtifact {
  /** File name in .upstream/bin/. */
  file: string;
  /** Files of the upstream module, concatenated as YAML documents. */
  from: string[];
  why: string;
}

/** How a binary reports its version: the arguments and a pattern whose first group is the version. */
export interface VersionProbe {
  args: string[];
  pattern: RegExp;
}

export interface UpstreamCommand {
  /** Package path relative to the upstream module (`""` for its root), or `.` for the tool module's own main package. */
  pkg: string;
  /** The binary's name in .upstream/bin/. */
  binary: string;
}

export interface UpstreamProgram {
  /** Folder under test/upstream/ holding the Go module that requires the upstream one; also its name in reports. */
  moduleDir: string;
  /** The image in configs/images.ts whose tag this build must match; undefined for a test-only tool (TEST_TOOLS). */
  image?: ImageName;
  /** The upstream Go module. */
  module: string;
  /** Release version as the binary reports it, e.g. `3.14.0`. */
  version: string;
  /** The Go module version of that release, e.g. `v0.314.0`. */
  moduleVersion: string;
  commands: UpstreamCommand[];
  /** `-X` assignments upstream's release build makes, so the binary reports its release. */
  stamps: string[];
  /**
   * How each binary reports its version; undefined when it has no such flag (then Go's build info,
   * `go version -m`, proves the module version and the stamps instead).
   */
  versionProbe?: VersionProbe;
  /** Files upstream generates into its module before building; the build uses a verified copy with them added. */
  upstreamModuleFiles?: AddedFile[];
  /** Files the tool module's own main package embeds; the build uses a copy of test/upstream/<dir> with them added. */
  toolModuleFiles?: AddedFile[];
  /** Files of the upstream module the tests need next to the binaries. */
  artifacts?: ModuleArtifact[];
}

/** `quay.io/prometheus/prometheus:v3.14.0` → `3.14.0`. */
export function releaseOf(image: string): string {
  const tag = image.slice(image.lastIndexOf(":") + 1);
  const match = /^v?(\d+\.\d+\.\d+)$/.exec(tag);
  if (!match) throw new Error(`${image}: expected a release tag like v1.2.3 to build the tests' tools from`);
  return match[1];
}

/**
 * Prometheus tags its Go module v0.<major*100+minor>.<patch> (3.14.0 → v0.314.0), because a v3 module
 * path would need a /v3 suffix it does not have.
 */
export function prometheusModuleVersion(release: string): string {
  const [major, minor, patch] = release.split(".").map(Number);
  if (minor >= 100) throw new Error(`Prometheus ${release}: minor version does not fit the v0.<major><minor:2 digits> module scheme`);
  return `v0.${major * 100 + minor}.${patch}`;
}

/** The package promu (the Prometheus projects' release tool) stamps the version into; `--version` prints it. */
const PROMU_VERSION = "github.com/prometheus/common/version";

/** The stamps promu makes, for the Prometheus-style programs. */
function promuStamps(version: string, moduleVersion: string): string[] {
  return [`${PROMU_VERSION}.Version=${version}`, `${PROMU_VERSION}.Revision=${moduleVersion}`, `${PROMU_VERSION}.Branch=go-module`, `${PROMU_VERSION}.BuildUser=npm-run-upstream-tools`];
}

/** `prometheus, version 3.14.0 (branch: …)`, `blackbox_exporter, version 0.28.0 …`. */
const PROMU_PROBE: VersionProbe = { args: ["--version"], pattern: /version v?(\d+\.\d+\.\d+\S*)/ };

const command = (pkg: string, binary = path.posix.basename(pkg)): UpstreamCommand => ({ pkg, binary });

/** A Prometheus-style program released as an image whose tag is the module version. */
function promuProgram(moduleDir: string, image: ImageName, images: Record<ImageName, string>, module: string, commands: UpstreamCommand[]): UpstreamProgram {
  const version = releaseOf(images[image]);
  return { moduleDir, image, module, version, moduleVersion: `v${version}`, commands, stamps: promuStamps(version, `v${version}`), versionProbe: PROMU_PROBE };
}

/** The stage files KWOK's own kustomize configuration applies: nodes and pods become ready at once, volumes bind. */
const KWOK_STAGES = [
  "node/fast/node-initialize.yaml",
  "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
  "pod/fast/pod-ready.yaml",
  "pod/fast/pod-complete.yaml",
  "pod/fast/pod-delete.yaml",
  "volume/fast/pv-bind.yaml",
  "volume/fast/pv-delete.yaml",
  "volume/fast/pvc-provision.yaml",
  "volume/fast/pvc-delete.yaml",
].map((file) => `kustomize/stage/${file}`);

/** Written into .upstream/bin/ by the kwok build; read by the test cluster (scripts/cluster/control-plane.ts). */
export const KWOK_STAGES_FILE = "kwok-stages.yaml";
export const KWOK_STORAGE_CLASS_FILE = "kwok-storage-class.yaml";

/** `k8s.io/component-base/version` fields that `kube-apiserver --version` and the API's /version report. */
function kubernetesStamps(version: string): string[] {
  const [major, minor] = version.split(".");
  const pkg = "k8s.io/component-base/version";
  return [`${pkg}.gitVersion=v${version}`, `${pkg}.gitMajor=${major}`, `${pkg}.gitMinor=${minor}`, `${pkg}.gitTreeState=clean`];
}

export function upstreamPrograms(images: Record<ImageName, string> = defaultImages): UpstreamProgram[] {
  const prometheus = releaseOf(images.prometheus);
  const pulumiVersionPkg = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
  const provider = TEST_TOOLS.kubernetesProvider;
  return [
    {
      image: "prometheus",
      moduleDir: "prometheus",
      module: "github.com/prometheus/prometheus",
      version: prometheus,
      moduleVersion: prometheusModuleVersion(prometheus),
      commands: [command("cmd/prometheus"), command("cmd/promtool")],
      stamps: promuStamps(prometheus, prometheusModuleVersion(prometheus)),
      versionProbe: PROMU_PROBE,
    },
    {
      ...promuProgram("alertmanager", "alertmanager", images, "github.com/prometheus/alertmanager", [command("cmd/alertmanager"), command("cmd/amtool")]),
      upstreamModuleFiles: [
        {
          path: "ui/app/dist/index.html",
          content: () => "<!doctype html><title>Alertmanager</title><p>This Alertmanager was built for tests (npm run upstream-tools) without its web UI; the API is complete.</p>\n",
          why: "ui/web.go embeds app/dist, the web UI that upstream's Makefile builds with npm before `go build`; the tests use only the API",
        },
      ],
    },
    {
      // Its Makefile stamps the tag (v2.20.0) where promu stamps the bare version, and prints it with a `version` command.
      ...promuProgram("kube-state-metrics", "kubeStateMetrics", images, "k8s.io/kube-state-metrics/v2", [command("", "kube-state-metrics")]),
      stamps: promuStamps(`v${releaseOf(images.kubeStateMetrics)}`, `v${releaseOf(images.kubeStateMetrics)}`),
      versionProbe: { args: ["version"], pattern: PROMU_PROBE.pattern },
    },
    promuProgram("node-exporter", "nodeExporter", images, "github.com/prometheus/node_exporter", [command("", "node_exporter")]),
    promuProgram("blackbox-exporter", "blackboxExporter", images, "github.com/prometheus/blackbox_exporter", [command("", "blackbox_exporter")]),
    {
      image: "kubeRbacProxy",
      moduleDir: "kube-rbac-proxy",
      module: "github.com/brancz/kube-rbac-proxy",
      version: releaseOf(images.kubeRbacProxy),
      moduleVersion: `v${releaseOf(images.kubeRbacProxy)}`,
      commands: [command("cmd/kube-rbac-proxy")],
      // Its Makefile stamps the version as Kubernetes components do, and the name `--version` prints.
      stamps: [`k8s.io/component-base/version.gitVersion=v${releaseOf(images.kubeRbacProxy)}`, "k8s.io/component-base/version/verflag.programName=kube-rbac-proxy"],
      versionProbe: { args: ["--version"], pattern: /v(\d+\.\d+\.\d+)/ },
    },
    {
      moduleDir: "pulumi",
      module: TEST_TOOLS.pulumi.module,
      version: TEST_TOOLS.pulumi.version,
      moduleVersion: `v${TEST_TOOLS.pulumi.version}`,
      commands: [command("cmd/pulumi")],
      // Without it `pulumi version` is empty and the Automation API refuses the CLI.
      stamps: [`${pulumiVersionPkg}=v${TEST_TOOLS.pulumi.version}`],
      versionProbe: { args: ["version"], pattern: /^v(\d+\.\d+\.\d+)/ },
    },
    {
      moduleDir: "pulumi-language-nodejs",
      module: TEST_TOOLS.languageNodejs.module,
      version: TEST_TOOLS.languageNodejs.version,
      moduleVersion: `v${TEST_TOOLS.languageNodejs.version}`,
      commands: [command("nodejs/cmd/pulumi-language-nodejs")],
      stamps: [`${pulumiVersionPkg}=v${TEST_TOOLS.languageNodejs.version}`],
    },
    {
      moduleDir: "pulumi-kubernetes",
      module: provider.module,
      version: provider.version,
      moduleVersion: provider.moduleVersion,
      // The module's own cmd/pulumi-resource-kubernetes embeds files it does not publish; test/upstream's main.go is the same ten lines.
      commands: [command(".", "pulumi-resource-kubernetes")],
      stamps: [`github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${provider.version}`],
      toolModuleFiles: [
        {
          path: "schema-embed.json",
          why: "the provider's schema, which upstream's `go generate` writes from cmd/pulumi-resource-kubernetes/schema.json with the release's version",
          content: (dir) => JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(dir, "cmd/pulumi-resource-kubernetes/schema.json"), "utf8")), version: provider.version }),
        },
        {
          path: "terraform-mapping-embed.json",
          why: "the Terraform mapping upstream's `go generate` copies from cmd/pulumi-resource-kubernetes/terraform-mapping.json",
          content: (dir) => JSON.stringify(JSON.parse(fs.readFileSync(path.join(dir, "cmd/pulumi-resource-kubernetes/terraform-mapping.json"), "utf8"))),
        },
      ],
    },
    {
      moduleDir: "kubernetes",
      module: TEST_TOOLS.kubernetes.module,
      version: TEST_TOOLS.kubernetes.version,
      moduleVersion: `v${TEST_TOOLS.kubernetes.version}`,
      commands: [command("cmd/kube-apiserver"), command("cmd/kube-controller-manager"), command("cmd/kube-scheduler")],
      // Without it the API server reports v0.0.0-master, and clients check the version.
      stamps: kubernetesStamps(TEST_TOOLS.kubernetes.version),
      versionProbe: { args: ["--version"], pattern: /^Kubernetes v(\S+)/ },
    },
    {
      moduleDir: "etcd",
      module: TEST_TOOLS.etcd.module,
      version: TEST_TOOLS.etcd.version,
      moduleVersion: `v${TEST_TOOLS.etcd.version}`,
      commands: [command("", "etcd")],
      stamps: [],
      versionProbe: { args: ["--version"], pattern: /etcd Version: (\S+)/ },
    },
    {
      moduleDir: "kwok",
      module: TEST_TOOLS.kwok.module,
      version: TEST_TOOLS.kwok.version,
      moduleVersion: `v${TEST_TOOLS.kwok.version}`,
      commands: [command("cmd/kwok")],
      stamps: [`sigs.k8s.io/kwok/pkg/consts.Version=v${TEST_TOOLS.kwok.version}`],
      versionProbe: { args: ["--version"], pattern: /v(\d+\.\d+\.\d+)/ },
      artifacts: [
        { file: KWOK_STAGES_FILE, from: KWOK_STAGES, why: "the bare kwok binary has no stages: these make nodes and pods ready and bind volumes at once" },
        { file: KWOK_STORAGE_CLASS_FILE, from: ["kustomize/stage/volume/fast/storage-class.yaml"], why: "the StorageClass whose claims KWOK's volume stages provision" },
      ],
    },
  ];
}

/** The `-ldflags`: no symbol table or DWARF (a third of the size; the tests never debug these), plus the stamps. */
export function ldflags(program: UpstreamProgram): string {
  return ["-s", "-w", ...program.stamps.map((s) => `-X ${s}`)].join(" ");
}

/**
 * The version the binary reports (its `--version`), or, for a program without such a flag, the
 * module version Go recorded in it, provided it was linked with this build's stamps. Undefined if it
 * cannot run or was built otherwise.
 */
export function builtVersion(program: UpstreamProgram, file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  if (program.versionProbe) {
    const result = spawnSync(file, program.versionProbe.args, { encoding: "utf8" });
    if (result.status !== 0) return undefined;
    return program.versionProbe.pattern.exec(`${result.stdout}${result.stderr}`.trim())?.[1];
  }
  const info = spawnSync("go", ["version", "-m", file], { encoding: "utf8" }).stdout ?? "";
  const linkedWith = /\bbuild\t-ldflags="?(.*?)"?$/m.exec(info)?.[1];
  const recorded = new RegExp(`^\\t(?:mod|dep)\\t${program.module.replace(/[.]/g, "\\.")}\\t(\\S+)`, "m").exec(info)?.[1];
  return linkedWith === ldflags(program) && recorded === program.moduleVersion ? program.version : undefined;
}

/** The full package path of a command. */
export function commandPackage(program: UpstreamProgram, cmd: UpstreamCommand): string {
  if (cmd.pkg === ".") return ".";
  return cmd.pkg === "" ? program.module : `${program.module}/${cmd.pkg}`;
}

/** The parts of a go.mod this project relies on: the `go` line, required versions, tools. */
export interface GoMod {
  go: string;
  require: Map<string, string>;
  tools: string[];
}

/** Reads `require` and `tool` entries, in either the single-line or the block form. */
export function parseGoMod(text: string): GoMod {
  const require = new Map<string, string>();
  const tools: string[] = [];
  let go = "";
  let block: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (!line) continue;
    if (block) {
      if (line === ")") {
        block = undefined;
        continue;
      }
      const fields = line.split(/\s+/);
      if (block === "require") require.set(fields[0], fields[1]);
      if (block === "tool") tools.push(fields[0]);
      continue;
    }
    const [directive, ...rest] = line.split(/\s+/);
    if (rest[0] === "(") block = directive;
    else if (directive === "go") go = rest[0];
    else if (directive === "require") require.set(rest[0], rest[1]);
    else if (directive === "tool") tools.push(rest[0]);
  }
  return { go, require, tools };
}

export function readGoMod(program: UpstreamProgram): GoMod {
  return parseGoMod(fs.readFileSync(path.join(UPSTREAM_MODULES, program.moduleDir, "go.mod"), "utf8"));
}

/** Where the version comes from, for messages. */
const versionSource = (program: UpstreamProgram) => (program.image ? `configs/images.ts deploys ${program.image} ${program.version}` : `scripts/upstream-tools-plan.ts (TEST_TOOLS) pins ${program.moduleDir} ${program.version}`);

/** Every way the program's go.mod disagrees with configs/images.ts or TEST_TOOLS; empty when they agree. */
export function goModMismatches(program: UpstreamProgram, goMod: GoMod): string[] {
  const problems: string[] = [];
  const dir = `test/upstream/${program.moduleDir}/go.mod`;
  const required = goMod.require.get(program.module);
  if (required !== program.moduleVersion) {
    problems.push(
      `${dir} requires ${program.module} ${required ?? "(nothing)"}, but ${versionSource(program)} ` +
        `(module version ${program.moduleVersion}): run \`go get ${program.module}@${program.moduleVersion} && go mod tidy\` in test/upstream/${program.moduleDir}`,
    );
  }
  for (const cmd of program.commands) {
    const pkg = commandPackage(program, cmd);
    if (pkg !== "." && !goMod.tools.includes(pkg)) problems.push(`${dir} has no \`tool ${pkg}\` directive`);
  }
  return problems;
}

/** Every binary the programs build, with the program it belongs to. */
export function pinnedBinaries(programs: UpstreamProgram[] = upstreamPrograms()): Map<string, UpstreamProgram> {
  return new Map(programs.flatMap((p) => p.commands.map((c) => [c.binary, p] as const)));
}
