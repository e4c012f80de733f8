// node tools/run-built.mjs ENTRY [ARG ...]: runs ENTRY (a path without .ts,
// e.g. tools/plan) from the transpiled build, rebuilding first only when a
// source changed. One Node process, and V8's compile cache for the SDKs'
// modules, which every plan loads again.
//
// Stack traces point at the built JavaScript, which esbuild keeps line for line
// readable; NODE_OPTIONS=--enable-source-maps maps them to the TypeScript, at
// the cost of reading every SDK module's source map (measured: a fifth longer).
import * as nodeModule from "node:module";
import { join } from "node:path";
import { COMPILE_CACHE, ensureBuilt } from "./build.mjs";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
    console.error("usage: node tools/run-built.mjs ENTRY [ARG ...]");
    process.exit(2);
}
// Built first: a rebuild may drop the compile cache, which must not be in use then.
const file = join(await ensureBuilt(), `${entry}.js`);
nodeModule.enableCompileCache?.(COMPILE_CACHE);
process.argv = [process.argv[0], file, ...args];
nodeModule.createRequire(import.meta.url)(file);
