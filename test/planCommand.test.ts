// What keeps `npm run plan` cheap without making it wrong: the launcher reuses
// the transpiled build only while no source changed, and the plan command's
// shortcut past Pulumi's closure serializer reaches the serializer the dynamic
// resource really calls. (That the command's plan equals the in-process plan is
// asserted in plan.test.ts.)

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { skipProviderSerialization, UNSERIALIZED_PROVIDER } from "../tools/plan/providerCode";
import { certificateSpec } from "./fixtures/certificates";

const ROOT = resolve(__dirname, "..");

describe("the plan command's skip of the provider's serialization", () => {
    it("reaches the serializer pulumi.dynamic.Resource calls, and puts it back", async () => {
        const registered: Record<string, unknown>[] = [];
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                registered.push(args.inputs as Record<string, unknown>);
                return { id: "id", state: args.inputs };
            },
            call: () => ({}),
        }, "batch-cert-rotation", "test", false);
        const original = pulumi.runtime.serializeFunction;
        const restore = skipProviderSerialization();
        const { KeyVaultCertificate } = await import("../components/certificate");
        const cert = new KeyVaultCertificate("authcert", {
            vaultUri: "https://kv1.vault.azure.net/",
            certificate: certificateSpec(),
            purgeOnDelete: false,
        });
        await new Promise<void>((done) => cert.urn.apply(() => done()));
        restore();
        assert.equal(registered[0].__provider, UNSERIALIZED_PROVIDER);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: unknown };
        assert.equal(closure.serializeFunction, original);
    });
});

describe("node tools/run-built.mjs (what npm run plan runs)", () => {
    // A copy of the tree the build is made from, so the test can change a source.
    const dir = mkdtempSync(join(tmpdir(), "run-built-"));
    for (const entry of ["index.ts", "tsconfig.json", "package.json", "components", "stack", "tools"]) {
        cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    const help = () => spawnSync(process.execPath, ["tools/run-built.mjs", "tools/plan", "--help"], { cwd: dir, encoding: "utf8" });
    const builds = () => readdirSync(join(dir, ".cache")).filter((entry) => entry.startsWith("build"));

    it("builds once, reuses the build while the sources are unchanged, and rebuilds when one changes", () => {
        const first = help();
        assert.equal(first.status, 0, first.stderr);
        assert.match(first.stdout, /^usage: npm run plan/);
        const [built] = builds();
        assert.match(built, /^build-[0-9a-f]{16}$/);

        assert.equal(help().status, 0);
        assert.deepEqual(builds(), [built], "an unchanged tree runs the same build");

        const cli = join(dir, "tools", "plan.ts");
        writeFileSync(cli, readFileSync(cli, "utf8").replace('"usage: npm run plan', '"usage (edited): npm run plan'));
        const edited = help();
        assert.equal(edited.status, 0, edited.stderr);
        assert.match(edited.stdout, /^usage \(edited\): npm run plan/, "the edit is what runs");
        assert.equal(builds().length, 1, "the stale build is removed");
        assert.notEqual(builds()[0], built);
    });

    it("rebuilds when tsconfig.json changes, since esbuild reads it", () => {
        assert.equal(help().status, 0);
        const before = builds();
        appendFileSync(join(dir, "tsconfig.json"), "\n");
        assert.equal(help().status, 0);
        assert.notDeepEqual(builds(), before);
    });

    it("drops a compile cache grown past its bound when it rebuilds, and fills a fresh one", async () => {
        const build = pathToFileURL(join(ROOT, "tools", "build.mjs")).href;
        const { COMPILE_CACHE_LIMIT } = await import(build) as { COMPILE_CACHE_LIMIT: number };
        const compile = join(dir, ".cache", "compile");
        const stale = join(compile, "stale-entries");
        mkdirSync(stale, { recursive: true });
        for (let i = 0; i <= COMPILE_CACHE_LIMIT; i++) writeFileSync(join(stale, String(i)), "");
        appendFileSync(join(dir, "tools", "plan.ts"), "\n");
        const run = help();
        assert.equal(run.status, 0, run.stderr);
        assert.equal(existsSync(stale), false, "the overgrown cache is gone");
        assert.ok(readdirSync(compile, { recursive: true }).length > 0, "the run that rebuilt filled a new one");
    });

    it("names its usage when no entry is given", () => {
        const run = spawnSync(process.execPath, ["tools/run-built.mjs"], { cwd: dir, encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^usage: node tools\/run-built\.mjs ENTRY \[ARG \.\.\.\]/);
    });
});
