/**
 * The built dashboards, kept on disk between runs. Building them loads the Grafana foundation SDK
 * (about 235 modules) and parses every query of every panel: the largest part of start-up that is
 * ours (docs/benchmarks.md), for a result that changes only when its inputs or the code change.
 *
 * The key covers everything the result can depend on: the inputs, the text of every file under
 * configs/ (buildDashboards is pure and configs/ imports nothing outside itself and node_modules),
 * the installed package tree and this file. Only a build that passed validation is stored, so a
 * broken panel still stops every run; a hit returns exactly what a fresh build would.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { DashboardInputs, DatasourceName, ProvisionedDashboard } from "../configs/dashboards";

const PROJECT_ROOT = path.resolve(__dirname, "..");
const CONFIGS = path.join(PROJECT_ROOT, "configs");
/** A cache that git ignores (node_modules/) and `npm ci` empties. */
const CACHE_DIR = process.env.OBSERVABILITY_BUILD_CACHE_DIR || path.join(PROJECT_ROOT, "node_modules", ".cache", "observability-builds");

type Inputs = DashboardInputs & { datasources: DatasourceName[] };

/** configs/dashboards' buildDashboards, served from the cache when nothing it depends on changed. */
export function cachedDashboards(inputs: Inputs): ProvisionedDashboard[] {
  const inputsText = JSON.stringify(inputs);
  const key = cacheKey(inputsText);
  // One entry per distinct inputs: a code change replaces it instead of adding another.
  const entry = path.join(CACHE_DIR, `dashboards-${createHash("sha256").update(inputsText).digest("hex").slice(0, 32)}.json`);
  if (key !== undefined) {
    const cached = readEntry(entry);
    if (cached?.key === key) return JSON.parse(cached.dashboards) as ProvisionedDashboard[];
  }
  // Loaded only on a miss: a hit never loads the foundation SDK or the query parsers.
  const { buildDashboards } = require("../configs/dashboards") as typeof import("../configs/dashboards");
  // Through JSON either way, so a miss and a hit hand Grafana the very same values.
  const dashboards = JSON.stringify(buildDashboards(inputs));
  if (key !== undefined) store(entry, JSON.stringify({ key, dashboards }));
  return JSON.parse(dashboards) as ProvisionedDashboard[];
}

/** Undefined when the installed package tree cannot be read: then nothing is cached. */
function cacheKey(inputsText: string): string | undefined {
  const lockfile = [path.join(PROJECT_ROOT, "node_modules", ".package-lock.json"), path.join(PROJECT_ROOT, "package-lock.json")].find((f) => fs.existsSync(f));
  if (!lockfile) return undefined;
  const hash = createHash("sha256").update(inputsText).update("\0").update(fs.readFileSync(__filename)).update("\0").update(fs.readFileSync(lockfile));
  for (const file of sourceFiles(CONFIGS)) hash.update("\0").update(path.relative(PROJECT_ROOT, file)).update("\0").update(fs.readFileSync(file));
  return hash.digest("hex");
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : /\.(ts|js|json)$/.test(e.name) ? [path.join(dir, e.name)] : []))
    .sort();
}

function readEntry(file: string): { key: string; dashboards: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Written under a temporary name and renamed, so a concurrent run never reads half an entry. */
function store(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, file);
  } catch {
    // A read-only checkout still deploys; it builds the dashboards every time.
    fs.rmSync(temporary, { force: true });
  }
}
