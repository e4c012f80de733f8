// The README's deploy commands and the troubleshooting switch, run as written
// through the real engine, in the session's copy of the checkout (they write
// the stack's config file). The local backend lives in the session folder.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureToolchain, type EngineSession, openSession, PROJECT_DIR } from "./harness";
import { type EngineAzure, startEngineAzure } from "./keyvault";

/** The documents a user reads the commands from. */
function docs(): string {
    const files = ["README.md", ...readdirSync(join(PROJECT_DIR, "docs")).filter((f) => f.endsWith(".md")).map((f) => join("docs", f))];
    return files.map((f) => readFileSync(join(PROJECT_DIR, f), "utf8")).join("\n");
}

/** The shell lines of the fenced block that follows a heading, comments and blank lines dropped. */
export function commandsUnder(markdown: string, heading: string): string[] {
    const start = markdown.indexOf(`\n## ${heading}\n`);
    assert.ok(start >= 0, `the README has no section "## ${heading}"`);
    const block = /```sh\n([\s\S]*?)```/.exec(markdown.slice(start));
    assert.ok(block, `the section "${heading}" has no sh block`);
    return block[1].split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l && !l.startsWith("#"));
}

describe("the README's commands, run as written", { concurrency: false }, () => {
    let keyVault: EngineAzure;
    let session: EngineSession;
    let project: string;
    let env: NodeJS.ProcessEnv;

    // Asynchronous: the loopback Key Vault endpoint answers from this process's event loop.
    const run = (line: string): Promise<{ code: number; output: string }> => new Promise((resolve) => {
        const child = spawn("bash", ["-c", line], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => { output += chunk.toString(); });
        child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString(); });
        child.on("close", (code) => resolve({ code: code ?? 1, output }));
    });

    before(async () => {
        ensureToolchain();
        keyVault = await startEngineAzure();
        session = await openSession(keyVault.env);
        project = session.project;
        // As a user's machine: no backend URL in the environment, login decides; the passphrase as the README says.
        const { PULUMI_BACKEND_URL: _unused, ...rest } = session.env;
        void _unused;
        env = { ...process.env, ...rest, HOME: join(session.dir, "home-dir") };
        mkdirSync(env.HOME as string);
        mkdirSync(join(session.dir, "local-backend"));
    });
    after(async () => {
        await keyVault?.close();
        session?.close();
    });

    it("the deploy section: login, passphrase, stack, preview and up", async () => {
        for (const line of commandsUnder(docs(), "Deploy a stack")) {
            if (line.startsWith("export PULUMI_CONFIG_PASSPHRASE=")) continue; // the session sets one
            const args = line.startsWith("pulumi up") ? `${line} --yes --non-interactive` : `${line} --non-interactive`;
            // `pulumi login --local` would put state in the user's own ~/.pulumi (the CLI looks the home folder
            // up itself, whatever HOME says): the same command with the session's folder as the local backend.
            const result = await run(line === "pulumi login --local" ? `pulumi login file://${join(session.dir, "local-backend")}` : args);
            assert.equal(result.code, 0, `\`${line}\` failed:\n${result.output}`);
        }
    });

    it("the troubleshooting switch turns requireInitialSync off through the config and replaces the pool", async () => {
        const line = /^(pulumi config set --path 'batch-cert-rotation:keyVaultExtension\.requireInitialSync' false.*)$/m.exec(docs());
        assert.ok(line, "the docs no longer show the requireInitialSync switch");
        assert.equal((await run(line[1])).code, 0);
        const preview = await run("pulumi preview -s dev --non-interactive --diff");
        assert.equal(preview.code, 0, preview.output);
        assert.match(preview.output, /requireInitialSync/);
        assert.match(preview.output, /\+-\s*azure-native:batch:Pool: \(replace\)/, "the pool is not replaced");
    });
});
