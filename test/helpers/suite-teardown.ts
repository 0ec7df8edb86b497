/** jest's globalTeardown: removes the run's folder (suite-setup.ts). */
import * as fs from "fs";
import { RUN_DIR_VARIABLE } from "./suite-setup";

export default function teardown(): void {
  const dir = process.env[RUN_DIR_VARIABLE];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  delete process.env[RUN_DIR_VARIABLE];
}
