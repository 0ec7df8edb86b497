/**
 * jest's globalSetup: one folder per run, where what several test files would otherwise compute
 * each (a render of the same stack with the same options) is kept for the others. Workers inherit
 * the variable; suite-teardown.ts removes the folder.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const RUN_DIR_VARIABLE = "OBSERVABILITY_TEST_RUN_DIR";

export default function setup(): void {
  process.env[RUN_DIR_VARIABLE] = fs.mkdtempSync(path.join(os.tmpdir(), "observability-test-run-"));
}
