// npm run bench: how the offline plan of the dev stack compares with merely
// loading @pulumi/pulumi and the azure-native modules the program uses.
// The target is a ratio of at most 3. A measurement, not a test: timings on a
// shared machine vary, so it reports rather than fails.

import { spawnSync } from "node:child_process";
import { join } from "node:path";

// Run from the project directory (npm run bench), on the compiled plan that `npm run plan` runs.
const ROOT = process.cwd();
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MODULES = [
    "@pulumi/pulumi",
    "@pulumi/azure-native/batch",
    "@pulumi/azure-native/keyvault",
    "@pulumi/azure-native/managedidentity",
    "@pulumi/azure-native/authorization",
    "@pulumi/azure-native/resources",
    "@pulumi/azuread/getClientConfig",
];

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function time(args: string[]): number {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`${args.join(" ")} failed:\n${run.stderr}`);
    return ms;
}

const load = ["-e", MODULES.map((m) => `require(${JSON.stringify(m)});`).join("")];
const plan = [join(".cache", "build", "tools", "plan.js"), "--stack", "dev"];
const loads: number[] = [];
const plans: number[] = [];
for (let i = 0; i < RUNS; i++) {
    loads.push(time(load));
    plans.push(time(plan));
}
const ratio = median(plans) / median(loads);
console.log(`load @pulumi/pulumi + azure-native modules: median ${median(loads).toFixed(0)} ms over ${RUNS} runs`);
console.log(`offline plan of the dev stack:              median ${median(plans).toFixed(0)} ms over ${RUNS} runs`);
console.log(`ratio: ${ratio.toFixed(2)} (target: at most 3)`);
