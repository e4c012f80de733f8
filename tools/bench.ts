// npm run bench: how the offline plan of the dev stack compares with merely
// loading @pulumi/pulumi and the azure-native modules the program uses, and,
// through the real engine and the stand-in providers, how `pulumi preview` of
// the dev stack compares with the same of a one-resource program. A
// measurement, not a test: timings on a shared machine vary, so it reports
// rather than fails.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { cli, initStack, openSession, PROJECT_DIR } from "../test/engine/harness";

// Run from the project directory (npm run bench).
const ROOT = process.cwd();
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MODULES = [
    "@pulumi/pulumi",
    "@pulumi/azure-native/batch",
    "@pulumi/azure-native/keyvault",
    "@pulumi/azure-native/managedidentity",
    "@pulumi/azure-native/authorization",
    "@pulumi/azure-native/resources",
    "@pulumi/azure-native/network",
    "@pulumi/azure-native/privatedns",
    "@pulumi/azuread/getClientConfig",
];

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function time(command: string, args: string[]): number {
    const start = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd: ROOT, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`${args.join(" ")} failed:\n${run.stderr}`);
    return ms;
}

async function enginePreviews(): Promise<void> {
    const timings: Record<"dev" | "baseline", number[]> = { dev: [], baseline: [] };
    const dev = await openSession({ PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
    const baseline = await openSession({ PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
    try {
        const devConfig = initStack(dev, "dev", "Pulumi.dev.yaml");
        const baselineDir = join(baseline.project, "test", "engine", "baseline");
        const baselineConfig = initStack(baseline, "bench", "Pulumi.bench.yaml", baselineDir);
        const preview = (session: typeof dev, stack: string, config: string, cwd: string): number => {
            const start = process.hrtime.bigint();
            const run = cli(session, ["preview", "--stack", stack, "--config-file", config, "--non-interactive"], cwd);
            if (run.code !== 0) throw new Error(`pulumi preview --stack ${stack} failed:\n${run.stdout}${run.stderr}`);
            return Number(process.hrtime.bigint() - start) / 1e6;
        };
        for (let i = 0; i < RUNS; i++) {
            timings.dev.push(preview(dev, "dev", devConfig, dev.project));
            timings.baseline.push(preview(baseline, "bench", baselineConfig, baselineDir));
        }
    } finally {
        dev.close();
        baseline.close();
    }
    console.log(`pulumi preview, one-resource program:        median ${median(timings.baseline).toFixed(0)} ms over ${RUNS} runs`);
    console.log(`pulumi preview, dev stack:                   median ${median(timings.dev).toFixed(0)} ms over ${RUNS} runs`);
    console.log(`ratio: ${(median(timings.dev) / median(timings.baseline)).toFixed(2)}`);
    const last = join(PROJECT_DIR, ".cache", "engine-suite.json");
    if (existsSync(last)) {
        const suite = JSON.parse(readFileSync(last, "utf8")) as { durationMs: number; finishedAt: string };
        console.log(`engine suite (npm run test:engine), last run ${suite.finishedAt}: ${(suite.durationMs / 1000).toFixed(0)} s`);
    } else {
        console.log("engine suite: no recorded run yet (npm run test:engine records its total time)");
    }
}

const load = ["-e", MODULES.map((m) => `require(${JSON.stringify(m)});`).join("")];
// The command as users run it, npm included; its first run builds, so it is not counted.
const plan = (...args: string[]) => time("npm", ["run", "--silent", "plan", "--", ...args]);
plan("--stack", "dev");
const loads: number[] = [];
const plans: number[] = [];
for (let i = 0; i < RUNS; i++) {
    loads.push(time(process.execPath, load));
    plans.push(plan("--stack", "dev"));
}
const ratio = median(plans) / median(loads);
console.log(`load @pulumi/pulumi + azure-native modules: median ${median(loads).toFixed(0)} ms over ${RUNS} runs`);
console.log(`npm run plan -- --stack dev:                median ${median(plans).toFixed(0)} ms over ${RUNS} runs`);
console.log(`ratio: ${ratio.toFixed(2)} (target: at most 2)`);

/**
 * The offline plan of dev's configuration with `pool:` turned into `pools:` of n
 * copies on the one vault: the program's own cost per pool, which should grow
 * linearly (every pool is registered on its own, from its own settings).
 */
function poolScaling(): void {
    const doc = parse(readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    const single = doc.config["batch-cert-rotation:pool"];
    const dir = mkdtempSync(join(tmpdir(), "bench-pools-"));
    const medians = new Map<number, number>();
    for (const n of [1, 10, 50]) {
        const config: Record<string, unknown> = { ...doc.config };
        delete config["batch-cert-rotation:pool"];
        config["batch-cert-rotation:pools"] = Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, single]));
        const file = join(dir, `Pulumi.pools${n}.yaml`);
        writeFileSync(file, stringify({ config }));
        const runs: number[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(plan("--config", file));
        medians.set(n, median(runs));
        console.log(`offline plan, ${String(n).padStart(2)} pool(s) on one vault:        median ${median(runs).toFixed(0)} ms over ${RUNS} runs`);
    }
    const [one, ten, fifty] = [1, 10, 50].map((n) => medians.get(n) ?? 0);
    // Start-up dominates one pool, so the ratio stays far under 50; linear growth shows as an equal cost per pool.
    console.log(`ratio 50/1: ${(fifty / one).toFixed(2)}; cost per added pool: ${((ten - one) / 9).toFixed(1)} ms (1 to 10), ` +
        `${((fifty - ten) / 40).toFixed(1)} ms (10 to 50)`);
}

poolScaling();

enginePreviews().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
