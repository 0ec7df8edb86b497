/** The rendered Prometheus files laid out for promtool, as the pod mounts them. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { RenderResult } from "./render";

/**
 * promtool checks that every credentials file exists; the ServiceAccount token and the Secret's
 * passwords exist only inside the pod. This moves each such absolute path to a stand-in file in
 * `dir`, and changes nothing else.
 */
export function withCredentialFilesIn(config: any, dir: string): any {
  const redirect = (block: any) => {
    const file = block.authorization?.credentials_file;
    if (!file) return block;
    const standIn = path.join(dir, path.basename(file));
    fs.writeFileSync(standIn, "token");
    return { ...block, authorization: { ...block.authorization, credentials_file: standIn } };
  };
  const standIn = (file: string) => (fs.writeFileSync(path.join(dir, path.basename(file)), "secret"), path.join(dir, path.basename(file)));
  return {
    ...config,
    scrape_configs: config.scrape_configs.map(redirect),
    ...(config.remote_write
      ? { remote_write: config.remote_write.map((w: any) => (w.basic_auth?.password_file ? { ...w, basic_auth: { ...w.basic_auth, password_file: standIn(w.basic_auth.password_file) } } : w)) }
      : {}),
    ...(config.alerting ? { alerting: { ...config.alerting, alertmanagers: config.alerting.alertmanagers.map(redirect) } } : {}),
  };
}

/** The Prometheus files laid out as the pod mounts them (prometheus.yml beside rules/), `edit`ed. */
export function copyPrometheusFiles(r: RenderResult, edit: (config: any, dir: string) => any = (c) => c): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  for (const [file, content] of Object.entries(r.files)) {
    if (!file.startsWith("prometheus/")) continue;
    const target = path.join(dir, file.slice("prometheus/".length));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  const config = parse(fs.readFileSync(path.join(dir, "prometheus.yml"), "utf8"));
  fs.writeFileSync(path.join(dir, "prometheus.yml"), stringify(edit(config, dir)));
  return dir;
}

