import { EVERY_COMPONENT } from "../../configs/dashboards/definition";
/**
 * components/dashboard-cache.ts: a run with the dashboards in the cache gets what a fresh build
 * gives, an edit to a dashboard reaches the very next run, and a broken dashboard is never cached.
 * Each test works on a copy of configs/ (and of the cache module) in a scratch project, so it can
 * edit dashboard sources without touching the repository.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../scripts/offline";

type CacheModule = typeof import("../../components/dashboard-cache");
type DashboardsModule = typeof import("../../configs/dashboards");

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-cache-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const inputs = { appJob: "fastapi", components: EVERY_COMPONENT, datasources: ["prometheus", "loki", "alertmanager"] as ("prometheus" | "loki" | "alertmanager")[] };

/** A project with this repository's configs/ and cache module, its own cache folder, the same node_modules. */
function scratchProject(name: string): { root: string; cacheDir: string } {
  const root = path.join(scratch, name);
  fs.cpSync(path.join(PROJECT_ROOT, "configs"), path.join(root, "configs"), { recursive: true });
  fs.mkdirSync(path.join(root, "components"), { recursive: true });
  fs.copyFileSync(path.join(PROJECT_ROOT, "components", "dashboard-cache.ts"), path.join(root, "components", "dashboard-cache.ts"));
  fs.copyFileSync(path.join(PROJECT_ROOT, "package-lock.json"), path.join(root, "package-lock.json"));
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
  return { root, cacheDir: path.join(root, "cache") };
}

/** Loads the project's modules afresh, as a new `pulumi preview` process would. */
function freshRun(project: { root: string; cacheDir: string }): { cache: CacheModule; dashboards: () => DashboardsModule } {
  jest.resetModules();
  process.env.OBSERVABILITY_BUILD_CACHE_DIR = project.cacheDir;
  const cache = require(path.join(project.root, "components", "dashboard-cache")) as CacheModule;
  return { cache, dashboards: () => require(path.join(project.root, "configs", "dashboards")) as DashboardsModule };
}

afterEach(() => {
  delete process.env.OBSERVABILITY_BUILD_CACHE_DIR;
});

describe("dashboard cache", () => {
  test("a cached run returns exactly what a fresh build returns", () => {
    const project = scratchProject("same");
    const first = freshRun(project).cache.cachedDashboards(inputs);
    expect(fs.readdirSync(project.cacheDir).filter((f) => f.startsWith("dashboards-"))).toHaveLength(1);
    const second = freshRun(project);
    const cached = second.cache.cachedDashboards(inputs);
    const built = JSON.parse(JSON.stringify(second.dashboards().buildDashboards(inputs)));
    expect(cached).toEqual(built);
    expect(cached).toEqual(first);
    expect(cached.map((d) => d.json.uid)).toContain("observability-application");
  });

  test("an edited dashboard reaches the next run", () => {
    const project = scratchProject("edited");
    const titleOf = (dashboards: { json: { uid?: string; title?: string } }[]) => dashboards.find((d) => d.json.uid === "observability-application")!.json.title;
    expect(titleOf(freshRun(project).cache.cachedDashboards(inputs))).toBe("Application");

    const file = path.join(project.root, "configs", "dashboards", "application.ts");
    const source = fs.readFileSync(file, "utf8");
    expect(source).toContain(`title: "Application",`);
    fs.writeFileSync(file, source.replace(`title: "Application",`, `title: "Application (edited)",`));

    expect(titleOf(freshRun(project).cache.cachedDashboards(inputs))).toBe("Application (edited)");
  });

  test("a dashboard that fails validation fails every run and leaves nothing in the cache", () => {
    const project = scratchProject("broken");
    const file = path.join(project.root, "configs", "dashboards", "application.ts");
    const source = fs.readFileSync(file, "utf8");
    const query = `promQuery(sumRate("http_requests_total", REQUESTS))`;
    expect(source).toContain(query);
    fs.writeFileSync(file, source.replace(query, `promQuery("sum(rate(http_requests_total[5m]")`));
    for (let run = 0; run < 2; run++) {
      expect(() => freshRun(project).cache.cachedDashboards(inputs)).toThrow(/Application/);
    }
    expect(fs.existsSync(project.cacheDir) ? fs.readdirSync(project.cacheDir) : []).toEqual([]);
  });
});
