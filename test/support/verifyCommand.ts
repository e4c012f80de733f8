// `npm run verify` spawned as a user runs it, for the tests that need the real
// process: its exit code, its output, and a way to interrupt it.
import { spawn } from "node:child_process";
import { join } from "node:path";

const REPO_ROOT = join(__dirname, "../..");

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs `npx tsx verify/main.ts ARGS` with `env` added to this process's.
 * `useNpx: false` starts it through this Node instead, for tests whose PATH
 * holds no npx. `onSpawn` receives what sends the process SIGINT.
 */
export function spawnVerify(
    args: string[],
    env: Record<string, string>,
    options: { onSpawn?: (interrupt: () => void) => void; useNpx?: boolean } = {},
): Promise<Run> {
    return new Promise((resolve, reject) => {
        const [command, commandArgs] = options.useNpx === false
            ? [process.execPath, ["--import", "tsx", "verify/main.ts", ...args]]
            : ["npx", ["tsx", "verify/main.ts", ...args]];
        const child = spawn(command, commandArgs, { cwd: REPO_ROOT, env: { ...process.env, ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        options.onSpawn?.(() => child.kill("SIGINT"));
    });
}
