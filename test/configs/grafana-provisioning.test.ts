import { fileExpansion, literalProvisioning } from "../../configs/grafana-provisioning";

describe("Grafana provisioning text", () => {
  test("our own $__file{} stays an expansion; the same text from a setting stays text", () => {
    const ours = fileExpansion("/etc/grafana/alertmanager-client/password");
    const lookalike = "$__file{/etc/grafana/alertmanager-client/password}";
    const file = literalProvisioning({ datasources: [{ basicAuthUser: lookalike, secureJsonData: { basicAuthPassword: ours } }] });
    expect(file.datasources[0].secureJsonData.basicAuthPassword).toBe("$__file{/etc/grafana/alertmanager-client/password}");
    expect(file.datasources[0].basicAuthUser).toBe("$$__file{/etc/grafana/alertmanager-client/password}");
    expect(typeof file.datasources[0].secureJsonData.basicAuthPassword).toBe("string");
  });

  test("every other string has each $ doubled, numbers and booleans untouched", () => {
    expect(literalProvisioning({ a: "${HOME}$x$$", b: [1, true, "$"] })).toEqual({ a: "$${HOME}$$x$$$$", b: [1, true, "$$"] });
  });
});
