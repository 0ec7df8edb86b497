/**
 * The order jest starts test files in. A run ends when its longest file ends, so the long ones
 * start first and the short ones fill the workers around them.
 *
 * jest's own order stays underneath: files that failed last time first, then the longest by the
 * time jest recorded on this machine (its cache folder), then, with no record (a fresh clone, a new
 * file), the largest. What no record shows on a fresh clone is that one file of a few hundred lines
 * runs for minutes: those are named in LONG_FILES, and start before everything else.
 */
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

/**
 * Folders (relative to the project root, ending in "/") or files whose tests run one long process
 * story, minutes of mostly waiting: the real Pulumi engine against a real API server.
 */
const LONG_FILES = ["test/cluster/"];

const rootOf = (test) => test.context.config.rootDir;
const isLong = (test) => {
  const relative = path.relative(rootOf(test), test.path).split(path.sep).join("/");
  return LONG_FILES.some((entry) => (entry.endsWith("/") ? relative.startsWith(entry) : relative === entry));
};

class LongestFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    return [...sorted.filter(isLong), ...sorted.filter((test) => !isLong(test))];
  }
}

module.exports = LongestFirst;
module.exports.LONG_FILES = LONG_FILES;
