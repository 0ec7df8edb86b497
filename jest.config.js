const os = require("os");

/** Tests are TypeScript, compiled by ts-jest without type-checking: `npm test` runs `tsc` first. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", {}] },
  testTimeout: 60000,
  // One folder per run for what files share (a render per set of options: test/helpers/run-cache.ts).
  globalSetup: "<rootDir>/test/helpers/suite-setup.ts",
  globalTeardown: "<rootDir>/test/helpers/suite-teardown.ts",
  // Long files first, the real-control-plane run before all (test/helpers/suite-sequencer.js).
  testSequencer: "<rootDir>/test/helpers/suite-sequencer.js",
  // jest's default on 2 cores is a single worker, running every file in turn. Many files spend much
  // of their time waiting on a child process (a render, promtool, a server): one and a half workers
  // per core (3 on 2) keep the cores busy, also while one of them runs a long file. (jest reads a
  // percentage above 100% as a number of workers, so it is counted here.)
  maxWorkers: Math.ceil(os.availableParallelism() * 1.5),
};
