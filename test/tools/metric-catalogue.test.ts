import { Counter, Gauge, Histogram, Registry, Summary } from "prom-client";
import { parseExposition } from "../../scripts/metric-catalogue";

describe("npm run metric-catalogue reads the text format as a scrape does", () => {
  test("families with their labels; histogram and summary series folded into their family; a family without series keeps unknown labels", async () => {
    const registry = new Registry();
    new Counter({ name: "requests_total", help: "h", labelNames: ["method", "code"], registers: [registry] }).inc({ method: "GET", code: "200" });
    new Histogram({ name: "latency_seconds", help: "h", labelNames: ["route"], registers: [registry] }).observe({ route: "/a" }, 0.2);
    new Summary({ name: "size_bytes", help: "h", labelNames: ["kind"], registers: [registry] }).observe({ kind: "x" }, 3);
    new Gauge({ name: "never_set", help: "h", labelNames: ["queue"], registers: [registry] });
    const families = parseExposition(await registry.metrics());
    expect(families).toEqual(
      expect.arrayContaining([
        { name: "requests_total", type: "counter", labels: ["code", "method"] },
        { name: "latency_seconds", type: "histogram", labels: ["route"] },
        { name: "size_bytes", type: "summary", labels: ["kind"] },
        { name: "never_set", type: "gauge", labels: [], labelsUnknown: true },
      ]),
    );
    expect(families.map((f) => f.name)).not.toContain("latency_seconds_bucket");
  });
});
