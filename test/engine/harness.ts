// The engine suite's harness: the real Pulumi CLI and Node.js language host
// (built by toolchain.sh), the Automation API on this project directory, a
// local file backend in a temporary folder, the stand-in providers first on
// PATH, and the certificate resource reaching the loopback Key Vault
// endpoint as it reaches Azure (test/engine/keyvault.ts).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import {
    type EngineEvent,
    LocalWorkspace,
    type OpType,
    PulumiCommand,
    type Stack,
} from "@pulumi/pulumi/automation";
import type { RecordedCall } from "./standin/provider";
import { STAND_IN_AZ_DIR } from "../support/loopbackNetwork";

export const PROJECT_DIR = resolve(__dirname, "../..");
const STANDIN_BIN = join(__dirname, "bin");
const DYNAMIC_PROVIDER_BIN = dirname(require.resolve("@pulumi/pulumi/package.json"));

let toolchainBin: string | undefined;

/** Builds (or finds cached) the CLI and language host; a failure says what is missing. */
export function ensureToolchain(): string {
    if (toolchainBin === undefined) {
        const out = execFileSync("bash", [join(__dirname, "toolchain.sh")], { cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        toolchainBin = out.trim().split("\n").pop() ?? "";
        if (!existsSync(join(toolchainBin, "pulumi"))) throw new Error(`engine toolchain: no pulumi binary in ${toolchainBin}`);
    }
    return toolchainBin;
}

export interface EngineSession {
    dir: string;
    /** The scratch copy of the checkout the engine runs on. */
    project: string;
    env: Record<string, string>;
    callLog: string;
    /** The stand-ins' model of Azure (standin/azureModel.ts), shared by every stand-in process of the session. */
    azureModel: string;
    command: PulumiCommand;
    close(): void;
}

/** A temporary backend, plugin home and call log; `extraEnv` reaches the CLI and every plugin it starts. */
export async function openSession(extraEnv: Record<string, string> = {}): Promise<EngineSession> {
    const bin = ensureToolchain();
    const dir = mkdtempSync(join(tmpdir(), "engine-"));
    const project = join(dir, "project");
    copyCheckout(project);
    const callLog = join(dir, "calls.jsonl");
    writeFileSync(callLog, "");
    // The model a loopback Resource Manager serves too, when the caller started one (test/engine/keyvault.ts).
    const azureModel = extraEnv.STANDIN_AZURE_MODEL ?? join(dir, "azure-model.json");
    mkdirSync(join(dir, "state"));
    const env: Record<string, string> = {
        PATH: [STANDIN_BIN, STAND_IN_AZ_DIR, bin, DYNAMIC_PROVIDER_BIN, process.env.PATH ?? ""].join(":"),
        PULUMI_HOME: join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-suite",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // The dynamic provider shim requires @pulumi/pulumi from its working directory.
        NODE_PATH: join(PROJECT_DIR, "node_modules"),
        STANDIN_CALL_LOG: callLog,
        STANDIN_AZURE_MODEL: azureModel,
        ...extraEnv,
    };
    const command = await PulumiCommand.get({ root: dirname(bin) });
    return { dir, project, env, callLog, azureModel, command, close: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readCalls(session: EngineSession): RecordedCall[] {
    return readFileSync(session.callLog, "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l) as RecordedCall);
}

export function clearCalls(session: EngineSession): void {
    writeFileSync(session.callLog, "");
}

/**
 * The checkout as a clone has it (tracked files and untracked ones git doesn't
 * ignore), with node_modules linked. The engine runs there, not in the
 * checkout itself: the CLI writes the passphrase salt into the project
 * folder's Pulumi.<stack>.yaml whatever --config-file says.
 */
export function copyCheckout(to: string): void {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_DIR, encoding: "utf8" })
        .split("\n").filter((f) => f && f.split("/")[0] !== "node_modules" && existsSync(join(PROJECT_DIR, f)));
    for (const file of files) {
        mkdirSync(dirname(join(to, file)), { recursive: true });
        copyFileSync(join(PROJECT_DIR, file), join(to, file));
    }
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(to, "node_modules"));
}

/** A stack of the session's project whose config is `configFile` (relative to the checkout), as Pulumi.<stack>.yaml. */
export async function openStack(session: EngineSession, stackName: string, configFile: string): Promise<{ stack: Stack; configFile: string }> {
    const copy = initStack(session, stackName, configFile);
    const stack = await LocalWorkspace.selectStack({ stackName, workDir: session.project }, { envVars: session.env, pulumiCommand: session.command });
    return { stack, configFile: copy };
}

/** Creates the stack in `projectDir` (the session's project by default); returns its config file, salt included. */
export function initStack(session: EngineSession, stackName: string, configFile: string, projectDir: string = session.project): string {
    const source = join(projectDir, configFile);
    const target = join(projectDir, `Pulumi.${stackName}.yaml`);
    if (source !== target) copyFileSync(source, target);
    const init = cli(session, ["stack", "init", stackName, "--non-interactive"], projectDir);
    if (init.code !== 0) throw new Error(`pulumi stack init ${stackName} failed: ${init.stderr}`);
    return target;
}

/**
 * Runs the CLI as a user would, with the session's environment. Synchronous:
 * only for commands that never reach the loopback Key Vault endpoint, which
 * answers from this process's event loop.
 */
export function cli(session: EngineSession, args: string[], cwd: string = session.project): { code: number; stdout: string; stderr: string } {
    try {
        const stdout = execFileSync(join(ensureToolchain(), "pulumi"), args, {
            cwd, env: { ...process.env, ...session.env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
        });
        return { code: 0, stdout, stderr: "" };
    } catch (err) {
        const e = err as { status?: number; stdout?: string; stderr?: string };
        return { code: e.status ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

export interface Step {
    op: OpType;
    urn: string;
    type: string;
    /** The properties the engine saw change. */
    diffs?: string[];
}

/** The resource steps of an operation, in the order the engine began them. */
export function collectSteps(events: EngineEvent[]): Step[] {
    return events.flatMap((e) => {
        const m = e.resourcePreEvent?.metadata;
        return m ? [{ op: m.op, urn: m.urn, type: m.type, ...(m.diffs ? { diffs: m.diffs } : {}) }] : [];
    });
}

export function stepsFor(steps: Step[], type: string): Step[] {
    return steps.filter((s) => s.type === type);
}
