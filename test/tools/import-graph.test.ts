/**
 * The program's import graph (madge over index.ts, components/, configs/, scripts/, policy/, type
 * imports and require() calls included): no module imports itself through others, and the layers
 * point one way, scripts → index.ts → components/ → configs/. configs/ is pure: it never imports
 * components/, scripts/, index.ts or @pulumi/*; components/ never imports scripts/ or index.ts.
 * To see a circle this test reports: npx madge --circular --extensions ts index.ts components configs scripts policy
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { PROJECT_ROOT } from "../../scripts/offline";

interface MadgeResult {
  /** Each file (relative to baseDir) and the files it imports, npm packages as their resolved paths. */
  obj(): Record<string, string[]>;
  circular(): string[][];
  /** Imports madge could not resolve to a file. */
  warnings(): { skipped: string[] };
}
// madge ships no types; this is the part of its documented API the test uses.
const madge: (paths: string[], config: Record<string, unknown>) => Promise<MadgeResult> = require("madge");

const ROOTS = ["index.ts", "components", "configs", "scripts", "policy"];

let graph: MadgeResult;
beforeAll(async () => {
  // The TypeScript parser madge uses warns about its own use of a deprecated AST field; not ours to fix.
  const noDeprecation = process.noDeprecation;
  process.noDeprecation = true;
  graph = await madge(
    ROOTS.map((root) => path.join(PROJECT_ROOT, root)),
    {
      baseDir: PROJECT_ROOT,
      fileExtensions: ["ts"],
      tsConfig: path.join(PROJECT_ROOT, "tsconfig.json"),
      includeNpm: true,
      // require() calls count: a lazy require is still an edge of the graph.
      detectiveOptions: { ts: { mixedImports: true } },
    },
  ).finally(() => (process.noDeprecation = noDeprecation));
});

const isUnder = (file: string, folder: string) => file.startsWith(`${folder}/`);

/** What each file imports as written (`@pulumi/pulumi`, `../components/kube`), whether or not it resolves. */
function specifiers(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"), true, true);
  return info.importedFiles.map((imported) => imported.fileName);
}

describe("import graph", () => {
  test("madge sees the whole program: every layer, and every local import resolved", () => {
    const files = Object.keys(graph.obj());
    for (const root of ROOTS) expect(files.some((file) => file === root || isUnder(file, root))).toBe(true);
    expect(graph.obj()["components/prometheus.ts"]).toContain("configs/prometheus.ts");
    expect(graph.warnings().skipped.filter((specifier) => specifier.startsWith("."))).toEqual([]);
  });

  test("has no circles", () => {
    expect(graph.circular()).toEqual([]);
  });

  test("configs/ imports only configs/ and packages other than @pulumi/*", () => {
    const offending = Object.entries(graph.obj())
      .filter(([file]) => isUnder(file, "configs"))
      .flatMap(([file, imports]) => imports.filter((dep) => !isUnder(dep, "configs") && !isUnder(dep, "node_modules")).map((dep) => `${file} → ${dep}`));
    const pulumi = Object.keys(graph.obj())
      .filter((file) => isUnder(file, "configs"))
      .flatMap((file) => specifiers(file).filter((specifier) => specifier.startsWith("@pulumi/")).map((specifier) => `${file} → ${specifier}`));
    expect([...offending, ...pulumi]).toEqual([]);
  });

  test("components/ never imports scripts/ or index.ts", () => {
    const offending = Object.entries(graph.obj())
      .filter(([file]) => isUnder(file, "components"))
      .flatMap(([file, imports]) => imports.filter((dep) => isUnder(dep, "scripts") || dep === "index.ts").map((dep) => `${file} → ${dep}`));
    expect(offending).toEqual([]);
  });
});
