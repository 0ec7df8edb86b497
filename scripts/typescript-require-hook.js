/**
 * Lets Node require this project's TypeScript without ts-node: `node -r ./scripts/typescript-require-hook.js x.ts`,
 * and what scripts/pulumi-main.js installs before `pulumi preview`/`up` load index.ts.
 *
 * Why: ts-node, as Pulumi registers it, loads itself and transpiles every file on every run, which cost
 * about as much as loading the Pulumi SDK (docs/benchmarks.md). This hook keeps each file's transpiled
 * JavaScript in node_modules/.cache/observability-typescript/, keyed by a SHA-256 of everything the
 * output depends on: the source text, its path, tsconfig.json, the TypeScript version and this file.
 * An edited file has a new key, so it is transpiled again on its next load and is never served stale
 * (content, not modification time: a copy that keeps the old time and size still counts as an edit);
 * an unchanged one costs a read and a hash. The compiler is loaded only when a file missed the cache.
 *
 * It transpiles and does not type-check, like the ts-node setup it replaces (transpile-only): `tsc
 * --noEmit` in `npm test` and CI is the type-check. Stack traces point at .ts lines: each cache entry
 * carries an inline source map, decoded only when a stack trace that passes through our files is printed.
 *
 * It also keeps the Pulumi SDK from loading the TypeScript compiler before anything needs it (see
 * deferSdkTypeScript below).
 *
 * Plain CommonJS on purpose: it must run before anything can load TypeScript.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const TSCONFIG = path.join(PROJECT_ROOT, "tsconfig.json");
/** A cache that `npm ci` may wipe and git ignores (node_modules/). */
const CACHE_DIR = process.env.OBSERVABILITY_TS_CACHE_DIR || path.join(PROJECT_ROOT, "node_modules", ".cache", "observability-typescript");
const SOURCE_MAP_PREFIX = "\n//# sourceMappingURL=data:application/json;base64,";

/** What every cache key shares: a change to tsconfig.json, TypeScript or this hook invalidates every entry. */
let sharedKey;
function sharedKeyText() {
  if (sharedKey === undefined) {
    sharedKey = [fs.readFileSync(__filename, "utf8"), readOrEmpty(TSCONFIG), typescriptVersion()].join("\0");
  }
  return sharedKey;
}

function readOrEmpty(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** The version `typescript` would load, read from its package.json without loading the compiler. */
function typescriptVersion() {
  try {
    return JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [PROJECT_ROOT] }), "utf8")).version;
  } catch {
    return "vendored by @pulumi/pulumi";
  }
}

let compiler;
/** Loaded on the first cache miss only. */
function loadCompiler() {
  if (compiler) return compiler;
  // The project's `typescript`, or else the copy @pulumi/pulumi vendors for the same purpose.
  const ts = require(require.resolve("@pulumi/pulumi/typescript-shim", { paths: [PROJECT_ROOT] }));
  const read = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
  if (read.error) throw new Error(`${TSCONFIG}: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
  const { options } = ts.parseJsonConfigFileContent(read.config, ts.sys, PROJECT_ROOT, undefined, TSCONFIG);
  compiler = {
    ts,
    options: {
      ...options,
      // Node's require needs CommonJS; one self-contained output per file.
      module: ts.ModuleKind.CommonJS,
      noEmit: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: false,
    },
  };
  return compiler;
}

function transpile(source, filename) {
  const { ts, options } = loadCompiler();
  const result = ts.transpileModule(source, { fileName: filename, compilerOptions: options, reportDiagnostics: true });
  const errors = (result.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const text = ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => PROJECT_ROOT, getNewLine: () => "\n" });
    const error = new SyntaxError(`cannot transpile ${path.relative(process.cwd(), filename)}:\n${text}`);
    error.stack = error.message;
    throw error;
  }
  return result.outputText;
}

/** The transpiled JavaScript of `filename`, from the cache when its key matches, else transpiled and stored. */
function compiledSource(filename) {
  const source = fs.readFileSync(filename, "utf8");
  const key = crypto.createHash("sha256").update(sharedKeyText()).update("\0").update(filename).update("\0").update(source).digest("hex");
  // One entry per source file: an edit replaces the entry instead of piling up new ones.
  const entry = path.join(CACHE_DIR, `${crypto.createHash("sha256").update(filename).digest("hex").slice(0, 32)}.js`);
  const header = `// ${key}\n`;
  const cached = readOrEmpty(entry);
  if (cached.startsWith(header)) return cached.slice(header.length);
  const code = transpile(source, filename);
  store(entry, header + code);
  return code;
}

/** Written under a temporary name and renamed, so a concurrent run never reads half an entry. */
function store(entry, content) {
  const temporary = `${entry}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, entry);
  } catch {
    // A read-only checkout still runs, it just transpiles every time.
    fs.rmSync(temporary, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Stack traces: map positions in our transpiled files back to the .ts source, lazily.
// ---------------------------------------------------------------------------------------------

/**
 * Every file this hook compiled: its inline source map (base64 until a stack first needs it) and the
 * positions mapped so far. Pulumi formats a stack for every resource and promise it creates (source
 * positions, leak reports), so the same call sites come back thousands of times.
 */
const ourFiles = new Map();

function originalPosition(file, line, column) {
  const key = line * 1048576 + column;
  let position = file.positions.get(key);
  if (position !== undefined) return position;
  if (file.map === undefined) {
    try {
      file.map = new Module.SourceMap(JSON.parse(Buffer.from(file.encoded, "base64").toString("utf8")));
    } catch {
      file.map = null;
    }
    file.encoded = undefined;
  }
  const entry = file.map && file.map.findEntry(line - 1, column - 1);
  position = entry && entry.originalLine !== undefined ? `${entry.originalLine + 1}:${entry.originalColumn + 1}` : null;
  file.positions.set(key, position);
  return position;
}

/** V8's rendering of one call site, with the position moved to the .ts source when the frame is ours. */
function formatFrame(frame) {
  const text = String(frame);
  const filename = frame.getFileName();
  const file = filename && ourFiles.get(filename);
  if (!file) return text;
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  const original = line && column ? originalPosition(file, line, column) : null;
  if (!original) return text;
  const generated = `${filename}:${line}:${column}`;
  const at = text.lastIndexOf(generated);
  return at < 0 ? text : `${text.slice(0, at)}${filename}:${original}${text.slice(at + generated.length)}`;
}

/** Wraps the stack formatter in place (Node's own, by default) so that only our frames change. */
function mapStackTraces() {
  const previous = Error.prepareStackTrace;
  // Node's default (named so in Node 20) renders a header, then each frame as V8 does: we render the
  // frames ourselves. Any other formatter goes the slower way below, with the same result.
  const isNodeDefault = previous === undefined || previous.name === "ErrorPrepareStackTrace";
  Error.prepareStackTrace = function prepareStackTrace(error, frames) {
    if (isNodeDefault) {
      let text = previous ? previous.call(this, error, []) : Error.prototype.toString.call(error);
      for (const frame of frames) text += `\n    at ${formatFrame(frame)}`;
      return text;
    }
    // Someone else's formatter: keep its text, replace our frames' lines (never the message).
    const text = previous.call(this, error, frames);
    const framesAt = typeof text === "string" ? text.indexOf("\n    at ") : -1;
    if (framesAt < 0) return text;
    let rest = text.slice(framesAt);
    for (const frame of frames) {
      const before = String(frame);
      const after = formatFrame(frame);
      if (after !== before) rest = rest.replace(before, after);
    }
    return text.slice(0, framesAt) + rest;
  };
}

// ---------------------------------------------------------------------------------------------
// The Pulumi SDK's own TypeScript load, deferred.
// ---------------------------------------------------------------------------------------------

/**
 * `require("@pulumi/pulumi")` loads the TypeScript compiler (about 0.35 s) through
 * runtime/closure/parseFunction.js, which needs it only to serialize functions (dynamic providers,
 * callbacks shipped to the cloud); this program serializes none. The SDK meant to load it on demand
 * (pulumi/pulumi#10185) and reaches it through one module, typescript-shim.js: that module is put in
 * the require cache as a stand-in that loads the real one, unchanged, the first time anything reads
 * from it. Whoever does (the serializer, or this hook on a cache miss) gets the same compiler.
 */
function deferSdkTypeScript() {
  let shim;
  try {
    shim = require.resolve("@pulumi/pulumi/typescript-shim", { paths: [PROJECT_ROOT] });
  } catch {
    return;
  }
  if (Module._cache[shim]) return;
  let real;
  const load = () => {
    if (!real) {
      const module = new Module(shim, null);
      module.filename = shim;
      module.paths = Module._nodeModulePaths(path.dirname(shim));
      module.load(shim);
      real = module.exports;
    }
    return real;
  };
  const standIn = new Proxy(
    {},
    {
      get: (_, key) => load()[key],
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Object.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
      set: (_, key, value) => Reflect.set(load(), key, value),
    },
  );
  const module = new Module(shim, null);
  module.filename = shim;
  module.loaded = true;
  module.exports = standIn;
  Module._cache[shim] = module;
}

// ---------------------------------------------------------------------------------------------

function install() {
  // ts-node, jest or a second copy of this hook got there first: leave theirs in place.
  if (Module._extensions[".ts"]) return;
  Module._extensions[".ts"] = function loadTypeScript(module, filename) {
    const code = compiledSource(filename);
    const at = code.lastIndexOf(SOURCE_MAP_PREFIX);
    if (at >= 0) ourFiles.set(filename, { encoded: code.slice(at + SOURCE_MAP_PREFIX.length).trim(), map: undefined, positions: new Map() });
    module._compile(code, filename);
  };
  // Node's own --enable-source-maps reads the inline maps itself; otherwise we map our frames.
  if (!process.sourceMapsEnabled) mapStackTraces();
  deferSdkTypeScript();
}

install();

module.exports = { CACHE_DIR, compiledSource };
