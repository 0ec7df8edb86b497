/**
 * What `pulumi preview` and `pulumi up` run (package.json's "main"; Pulumi.yaml sets
 * `runtime.options.typescript: false`, so Pulumi loads this file as plain JavaScript instead of
 * registering ts-node). It installs the caching TypeScript hook and hands over index.ts: the
 * stack's outputs are index.ts's exports, its errors are index.ts's errors.
 */
"use strict";
require("./typescript-require-hook");
module.exports = require("../index.ts");
