// npm run test:engine: builds the engine toolchain when missing (a failure
// says what is missing, never a skip), runs every *.engine.ts suite through
// Node's test runner, and records the total time for `npm run bench`.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureToolchain, PROJECT_DIR } from "./harness";

const suites = readdirSync(__dirname).filter((f) => f.endsWith(".engine.ts")).sort().map((f) => join("test", "engine", f));
ensureToolchain();
const started = Date.now();
// Two files at a time: much of a file's time is spent waiting on the CLI's processes, so a second file
// fills the gaps (measured on two cores: 415 s one at a time, 359 s two at a time); each file has its own
// backend, endpoints and stand-ins, so they don't share state.
const run = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...suites], {
    cwd: PROJECT_DIR, stdio: "inherit",
    // The program is type-checked by `npm test`; the engine transpiles only, to keep the suite's time down.
    env: { ...process.env, PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
});
const durationMs = Date.now() - started;
mkdirSync(join(PROJECT_DIR, ".cache"), { recursive: true });
writeFileSync(join(PROJECT_DIR, ".cache", "engine-suite.json"), `${JSON.stringify({ durationMs, finishedAt: new Date().toISOString(), exitCode: run.status })}\n`);
console.log(`engine suite: ${(durationMs / 1000).toFixed(0)} s`);
process.exit(run.status ?? 1);
