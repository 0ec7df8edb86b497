/**
 * What `pulumi preview` and `pulumi up` run: package.json's "main". Pulumi.yaml sets
 * `runtime.options.typescript: false`, so Pulumi's runner neither registers ts-node nor reads
 * tsconfig.json: it requires this file as plain JavaScript, which registers @swc-node/register (what
 * `npm run render` preloads with `-r`) and hands over index.ts. The stack's outputs are index.ts's
 * exports, its errors are index.ts's errors. Plain JavaScript, so that it works the same under every
 * Pulumi language host, including old ones that ignore Pulumi.yaml's runtime options.
 */
"use strict";
const path = require("path");

// swc reads its options (ES2022, CommonJS, source maps) from the tsconfig.json in the working
// directory, the project root under Pulumi; named here so that no other directory's applies.
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, "..", "tsconfig.json");
require("@swc-node/register");
module.exports = require("../index.ts");
