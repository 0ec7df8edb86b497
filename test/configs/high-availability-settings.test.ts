import { parseSettings, RawSettings, SettingsError } from "../../configs/settings";

const SECRET = { lokiObjectStorageSecretKey: { secure: true } };
const STORE = { endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", insecure: true };

/** The messages parseSettings throws for these values; fails the test if it does not throw. */
function problems(values: Record<string, unknown>, secrets: RawSettings["secrets"] = SECRET): string[] {
  try {
    parseSettings({ values, secrets });
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems;
  }
  throw new Error("expected a SettingsError");
}

describe("loki.replicas and loki.objectStorage", () => {
  test("one replica by default, without object storage", () => {
    const settings = parseSettings({ values: {}, secrets: {} });
    expect(settings.loki.replicas).toBe(1);
    expect(settings.loki.objectStorage).toBeUndefined();
  });

  test("three replicas with a bucket and the secret key: region defaults to us-east-1, https unless insecure", () => {
    const settings = parseSettings({ values: { loki: { replicas: 3, objectStorage: { ...STORE, insecure: undefined } } }, secrets: SECRET });
    expect(settings.loki.objectStorage).toEqual({ endpoint: "minio.storage:9000", bucket: "loki", accessKeyId: "loki", region: "us-east-1", insecure: false });
  });

  test("two replicas are refused: replication factor 3 has no quorum with one of two down", () => {
    expect(problems({ loki: { replicas: 2, objectStorage: STORE } })).toEqual([expect.stringMatching(/^observability:loki\.replicas: must be 1 \(.*\) or 3 or more/)]);
  });

  test.each([0, 10, 3.5])("replicas %p is refused", (replicas) => {
    expect(problems({ loki: { replicas, objectStorage: STORE } })).toEqual([expect.stringMatching(/^observability:loki\.replicas: /)]);
  });

  test("HA without object storage is refused, naming both keys and the secret", () => {
    const [message, ...rest] = problems({ loki: { replicas: 3 } }, {});
    expect(rest).toEqual([]);
    expect(message).toMatch(/^observability:loki\.objectStorage: is required because observability:loki\.replicas is 3/);
    expect(message).toContain("observability:lokiObjectStorageSecretKey");
  });

  test("object storage without its secret key is refused with the command that sets it", () => {
    expect(problems({ loki: { replicas: 3, objectStorage: STORE } }, {})).toEqual([
      "observability:lokiObjectStorageSecretKey: is required because observability:loki.objectStorage is set; set it with: pulumi config set --secret observability:lokiObjectStorageSecretKey <value>",
    ]);
  });

  test("the secret key stored in plain text is refused", () => {
    expect(problems({ loki: { replicas: 3, objectStorage: STORE } }, { lokiObjectStorageSecretKey: { secure: false } })).toEqual([
      expect.stringMatching(/^observability:lokiObjectStorageSecretKey: must be stored encrypted/),
    ]);
  });

  test("object storage with one replica is refused rather than silently unused", () => {
    expect(problems({ loki: { objectStorage: STORE } })).toEqual([expect.stringMatching(/^observability:loki\.objectStorage: is only used when observability:loki\.replicas is 3 or more/)]);
  });

  test.each([
    ["Loki_Logs", /S3 bucket name/],
    ["ab", /S3 bucket name/],
    ["-loki", /S3 bucket name/],
    ["a".repeat(64), /S3 bucket name/],
    ["logs..loki", /two adjacent dots/],
    ["192.168.10.20", /IP address/],
    ["xn--loki", /reserves/],
    ["loki-s3alias", /reserves/],
  ])("bucket %p is refused (S3 naming rules)", (bucket, message) => {
    expect(problems({ loki: { replicas: 3, objectStorage: { ...STORE, bucket } } })).toEqual([expect.stringMatching(new RegExp(`^observability:loki\\.objectStorage\\.bucket: .*${message.source}`))]);
  });

  test.each(["loki", "logs.example-team", "a1b"])("bucket %p is accepted", (bucket) => {
    expect(parseSettings({ values: { loki: { replicas: 3, objectStorage: { ...STORE, bucket } } }, secrets: SECRET }).loki.objectStorage!.bucket).toBe(bucket);
  });

  test.each(["http://minio.storage:9000", "minio.storage", "minio.storage:0", "minio.storage:70000", "minio storage:9000"])("endpoint %p is refused", (endpoint) => {
    expect(problems({ loki: { replicas: 3, objectStorage: { ...STORE, endpoint } } })).toEqual([expect.stringMatching(/^observability:loki\.objectStorage\.endpoint: must be host:port/)]);
  });

  test.each(["minio.storage:9000", "s3.eu-west-1.amazonaws.com:443", "10.0.4.2:9000", "[fd00::2]:9000"])("endpoint %p is accepted", (endpoint) => {
    expect(parseSettings({ values: { loki: { replicas: 3, objectStorage: { ...STORE, endpoint } } }, secrets: SECRET }).loki.objectStorage!.endpoint).toBe(endpoint);
  });

  // Loki expands ${...} in its config file, and the id is written into it unquoted.
  test.each(["${HOME}", "lo ki", "lo'ki", "ab"])("access key id %p is refused", (accessKeyId) => {
    expect(problems({ loki: { replicas: 3, objectStorage: { ...STORE, accessKeyId } } })).toEqual([expect.stringMatching(/^observability:loki\.objectStorage\.accessKeyId: /)]);
  });

  test("egress CIDRs are checked like the other CIDRs", () => {
    expect(problems({ loki: { replicas: 3, objectStorage: { ...STORE, egressCidrs: ["10.0.0.0/33"] } } })).toEqual([expect.stringMatching(/^observability:loki\.objectStorage\.egressCidrs\[0\]: must be a CIDR/)]);
  });
});

describe("prometheus.replicas", () => {
  test("1 by default, 2 accepted", () => {
    expect(parseSettings({ values: {}, secrets: {} }).prometheus.replicas).toBe(1);
    expect(parseSettings({ values: { prometheus: { replicas: 2 } }, secrets: {} }).prometheus.replicas).toBe(2);
  });

  test.each([0, 3, 1.5])("%p is refused", (replicas) => {
    expect(problems({ prometheus: { replicas } }, {})).toEqual(["observability:prometheus.replicas: must be 1 or 2"]);
  });
});
