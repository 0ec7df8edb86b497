import * as fs from "fs";
import { CAPACITY_DOC, docWithTables } from "../../scripts/capacity-doc";

describe("docs/capacity.md", () => {
  test("its sizing tables are the model's for the dev and prod stacks and for 10× and 100× the default load (npm run capacity-doc)", () => {
    const doc = fs.readFileSync(CAPACITY_DOC, "utf8");
    expect(doc).toBe(docWithTables(doc));
    expect(doc).toMatch(/#### 100× the default load[\s\S]*The render refuses these settings/);
  });

  test("states the measured calibration of Prometheus next to the model", () => {
    const calibration = /<!-- calibration:start -->([\s\S]*)<!-- calibration:end -->/.exec(fs.readFileSync(CAPACITY_DOC, "utf8"))![1];
    expect(calibration).toMatch(/RSS \/ model/);
    expect(calibration).toMatch(/Bytes per sample/);
  });
});
