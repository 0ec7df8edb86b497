/**
 * `npm run render-diff`: what counts as the render and what counts as a difference. (The script
 * itself is run by hand after each refactoring; its renders take the CPU of four renders.)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareRenders, parseArgs, readRender, renderFiles, UsageError } from "../../scripts/render-diff";
import { RENDER_MARKER } from "../../scripts/render";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "render-diff-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function writeTree(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const render = (files: Record<string, string>) => new Map(Object.entries(files).map(([file, text]) => [file, Buffer.from(text)]));

describe("render-diff arguments", () => {
  test("compares with HEAD unless given a ref", () => {
    expect(parseArgs([])).toEqual({ ref: "HEAD" });
    expect(parseArgs(["main~2"])).toEqual({ ref: "main~2" });
  });

  test("an option or a second ref is a usage mistake", () => {
    expect(() => parseArgs(["--stack"])).toThrow(UsageError);
    expect(() => parseArgs(["main", "HEAD"])).toThrow(/at most one git ref/);
  });
});

describe("what render-diff compares", () => {
  test("every file of both stacks' renders, nested files included, without the render's marker", () => {
    const dir = writeTree("one", {
      [`dev/${RENDER_MARKER}`]: "marker",
      "dev/manifests.yaml": "kind: Namespace\n",
      "dev/files/prometheus/rules/alerts.yml": "groups: []\n",
      "prod/outputs.json": "{}\n",
    });
    expect(renderFiles(dir)).toEqual(["dev/files/prometheus/rules/alerts.yml", "dev/manifests.yaml", "prod/outputs.json"]);
    expect(readRender(dir).get("dev/manifests.yaml")?.toString()).toBe("kind: Namespace\n");
  });

  test("identical renders have no difference", () => {
    const files = { "dev/manifests.yaml": "a\n", "dev/files/loki/loki.yaml": "b\n" };
    expect(compareRenders(render(files), render(files))).toEqual([]);
  });

  test("one changed byte, a trailing newline, a file only on one side: each is named", () => {
    const atRef = render({ "dev/a": "retention: 7d\n", "dev/b": "x\n", "dev/gone": "1", "prod/same": "s" });
    const working = render({ "dev/a": "retention: 8d\n", "dev/b": "x", "dev/new": "2", "prod/same": "s" });
    expect(compareRenders(atRef, working)).toEqual([
      { file: "dev/a", change: "changed" },
      { file: "dev/b", change: "changed" },
      { file: "dev/gone", change: "only at the ref" },
      { file: "dev/new", change: "only in the working tree" },
    ]);
  });

  test("an empty file is a file: present on one side only is a difference", () => {
    expect(compareRenders(render({ "dev/empty": "" }), render({}))).toEqual([{ file: "dev/empty", change: "only at the ref" }]);
  });
});
