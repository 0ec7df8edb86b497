import * as path from "path";

// jest loads its sequencer untransformed, so it is JavaScript; `require` keeps tsc from asking for its types.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const LongestFirst = require("../helpers/suite-sequencer") as new () => { sort(tests: FakeTest[]): FakeTest[] };

interface FakeTest {
  path: string;
  context: { config: { rootDir: string; cache: boolean }; hasteFS: { getSize(file: string): number } };
}

const ROOT = "/project";

/** jest's Test objects as the sequencer reads them: no recorded times, sizes as given. */
function tests(sizes: Record<string, number>): FakeTest[] {
  const context = { config: { rootDir: ROOT, cache: false }, hasteFS: { getSize: (file: string) => sizes[path.relative(ROOT, file)] } };
  return Object.keys(sizes).map((file) => ({ path: path.join(ROOT, file), context }));
}

const order = (sorted: FakeTest[]) => sorted.map((t) => path.relative(ROOT, t.path));

describe("the order test files start in", () => {
  test("with nothing recorded, the largest file first, as jest orders them", () => {
    const sorted = new LongestFirst().sort(tests({ "test/a.test.ts": 100, "test/b.test.ts": 300, "test/c.test.ts": 200 }));
    expect(order(sorted)).toEqual(["test/b.test.ts", "test/c.test.ts", "test/a.test.ts"]);
  });

  test("the real-control-plane files start before everything else, however small", () => {
    const sorted = new LongestFirst().sort(tests({ "test/big.test.ts": 30000, "test/cluster/lifecycle.test.ts": 100, "test/small.test.ts": 10 }));
    expect(order(sorted)).toEqual(["test/cluster/lifecycle.test.ts", "test/big.test.ts", "test/small.test.ts"]);
  });

  test("a file merely named like the folder is not one of them", () => {
    const sorted = new LongestFirst().sort(tests({ "test/big.test.ts": 300, "test/cluster-settings.test.ts": 100 }));
    expect(order(sorted)).toEqual(["test/big.test.ts", "test/cluster-settings.test.ts"]);
  });
});
