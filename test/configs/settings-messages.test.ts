/**
 * Every message parseSettings gives stays what it was: the corpus (test/helpers/settings-corpus.ts,
 * generated from the schema) against settings-messages.json, which holds each case and what
 * parseSettings said about it (its problems, in order, or a digest of the settings it returned).
 *
 * A deliberate change to a message, a default or the schema: re-record with
 *   SETTINGS_MESSAGES_RECORD=1 npx jest test/configs/settings-messages.test.ts
 * and read the fixture's diff: it is every message the change touched.
 */
import * as fs from "fs";
import * as path from "path";
import { Outcome, outcome, SettingsCase, settingsCorpus } from "../helpers/settings-corpus";

const FIXTURE = path.join(__dirname, "settings-messages.json");
type Recorded = SettingsCase & { outcome: Outcome };

const corpus = settingsCorpus();

if (process.env.SETTINGS_MESSAGES_RECORD === "1") {
  const recorded: Recorded[] = corpus.map((settingsCase) => ({ ...settingsCase, outcome: outcome(settingsCase) }));
  fs.writeFileSync(FIXTURE, `[\n${recorded.map((r) => JSON.stringify(r)).join(",\n")}\n]\n`);
}

const recorded: Recorded[] = JSON.parse(fs.readFileSync(FIXTURE, "utf8"));

describe("settings messages", () => {
  test("the corpus generated from the schema is the recorded one (same keys, same kinds of value)", () => {
    expect(corpus.map((c) => c.name)).toEqual(recorded.map((r) => r.name));
    expect(corpus).toEqual(recorded.map(({ outcome: _, ...settingsCase }) => settingsCase));
  });

  test("the corpus reaches every kind of problem: wrong values, unknown keys, rules between settings, secrets", () => {
    const problems = recorded.flatMap((r) => ("problems" in r.outcome ? r.outcome.problems : []));
    expect(recorded.length).toBeGreaterThan(1000);
    for (const pattern of [/unknown setting; allowed here/, /must be a duration/, /must be string, got array/, /is required because/, /must be stored encrypted/, /is stored as a secret/, /built-in scrape job/, /must be below critical/, /twice the slowest scrape interval/, /too long for the agents' namespace/, /must differ from/, /must not be empty/]) {
      expect(problems).toContainEqual(expect.stringMatching(pattern));
    }
    expect(recorded.filter((r) => "settingsSha256" in r.outcome).length).toBeGreaterThan(50);
  });

  test("parseSettings says exactly what it said when the fixture was recorded, case by case", () => {
    const differing = recorded.filter((r) => JSON.stringify(outcome(r)) !== JSON.stringify(r.outcome));
    expect(differing.map((r) => ({ name: r.name, now: outcome(r), recorded: r.outcome })).slice(0, 5)).toEqual([]);
  });
});
