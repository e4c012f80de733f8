// Transpiles the program and the plan tool to plain JavaScript (no type check:
// `npm test` does that) so the offline plan runs on plain Node. Running it
// through a TypeScript loader hooks every one of the thousands of modules the
// Pulumi SDKs load, which costs more than the plan itself.
import { buildSync } from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const OUT = ".cache/build";
const dirs = ["components", "components/config", "stack", "tools", "tools/plan"];
const entryPoints = ["index.ts", ...dirs.flatMap((dir) =>
    readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => join(dir, f)))];

rmSync(OUT, { recursive: true, force: true });
buildSync({ entryPoints, outdir: OUT, outbase: ".", format: "cjs", platform: "node", target: "node22", sourcemap: true, logLevel: "warning" });
