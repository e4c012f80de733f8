// The transpiled build the offline plan runs from: esbuild, one file per
// source file, no type check (`npm test` does that). Plain Node on plain
// JavaScript: a TypeScript loader would hook every one of the thousands of
// modules the Pulumi SDKs load, which costs more than the plan itself.
//
// A build is named by the hash of what it is made from, so an unchanged tree
// reuses it without starting esbuild, and runs that start together never see
// a half-written build: each writes its own directory and renames it into place.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = join(ROOT, ".cache");
/** V8's compile cache, which tools/run-built.mjs turns on. */
export const COMPILE_CACHE = join(CACHE, "compile");
// V8 keeps a compile-cache entry per compiled file and never drops one, and each
// build's files sit under a new path, so every rebuild adds entries (about 35).
// Past this many (a full plan makes about 550) it is dropped, costing one slower run.
export const COMPILE_CACHE_LIMIT = 2000;
const SOURCE_DIRS = ["components", "components/config", "stack", "tools", "tools/plan"];
// Besides the sources, the output depends on the options here and on tsconfig.json,
// which esbuild reads (useDefineForClassFields decides how declared fields compile).
const BUILD_INPUTS = ["tools/build.mjs", "tsconfig.json"];

function sources() {
    return ["index.ts", ...SOURCE_DIRS.flatMap((dir) => readdirSync(join(ROOT, dir))
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
        .map((f) => join(dir, f)))];
}

/** The build directory for the tree as it is now, built first when it does not exist yet. */
export async function ensureBuilt() {
    const entryPoints = sources();
    const hash = createHash("sha256");
    for (const file of [...BUILD_INPUTS, ...entryPoints]) hash.update(`${file}\0`).update(readFileSync(join(ROOT, file))).update("\0");
    const out = join(CACHE, `build-${hash.digest("hex").slice(0, 16)}`);
    if (existsSync(out)) return out;

    const { buildSync } = await import("esbuild");
    mkdirSync(CACHE, { recursive: true });
    const staging = `${out}.${process.pid}.tmp`;
    buildSync({
        absWorkingDir: ROOT, entryPoints, outdir: staging, outbase: ".",
        format: "cjs", platform: "node", target: "node22", sourcemap: true, logLevel: "warning",
    });
    try {
        renameSync(staging, out);
    } catch (err) {
        // Another run built the same tree first: its build is as good as ours.
        rmSync(staging, { recursive: true, force: true });
        if (!existsSync(out)) throw err;
    }
    for (const entry of readdirSync(CACHE)) {
        if (/^build(-[0-9a-f]{16})?$/.test(entry) && join(CACHE, entry) !== out) rmSync(join(CACHE, entry), { recursive: true, force: true });
    }
    if (existsSync(COMPILE_CACHE) && readdirSync(COMPILE_CACHE, { recursive: true }).length > COMPILE_CACHE_LIMIT) {
        rmSync(COMPILE_CACHE, { recursive: true, force: true });
    }
    return out;
}
