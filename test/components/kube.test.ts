import { assertFitsConfigMap, CONFIGMAP_LIMIT_BYTES } from "../../components/kube";

describe("ConfigMap size", () => {
  test("a ConfigMap over Kubernetes' 1 MiB limit fails before deploy, naming it, its size and the remedy", () => {
    const data = { "alerts.yml": "x".repeat(CONFIGMAP_LIMIT_BYTES) };
    expect(() => assertFitsConfigMap("prometheus-rules", data, "alert rules", "move some rules to a second rule file")).toThrow(
      "ConfigMap prometheus-rules would hold 1048586 bytes of alert rules, over Kubernetes' limit of 1048576 bytes (1 MiB): move some rules to a second rule file",
    );
  });

  test("one just under the limit passes", () => {
    expect(() => assertFitsConfigMap("prometheus-rules", { a: "x".repeat(CONFIGMAP_LIMIT_BYTES - 1) }, "alert rules", "")).not.toThrow();
  });
});
