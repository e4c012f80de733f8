// The component is reusable from another stack only if its npm tarball holds
// the compiled component (and nothing else of ours), resolves from a fresh
// project, and type-checks there under strict settings. This test packs the
// repository, installs the tarball into a scratch project and compiles a
// small program and examples/consumer against it, the way a consumer would
// (docs/component.md shows that program verbatim); then runs the component
// there under mocks and loads the certificate's dynamic provider as Pulumi
// serialized it (see RUNTIME_CHECK).
//
// Dependencies of the scratch project are this repository's node_modules,
// linked entry by entry (a fresh `npm install <tarball>` resolves ~160
// packages and needs a warm npm cache or the network: 9-15 s here, far more on
// a cold CI runner). Linking hides a component that imports a devDependency,
// so the test separately checks every `require` in the tarball against the
// package's `dependencies`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";

const REPO_ROOT = path.resolve(__dirname, "..");
const PACKAGE_NAME = "batch-cert-rotation";

interface TarEntry {
    path: string;
    content: Buffer;
}

/** Reads the regular files of a gzipped ustar archive (what `npm pack` writes). */
function readTarball(file: string): TarEntry[] {
    const data = gunzipSync(readFileSync(file));
    const entries: TarEntry[] = [];
    const text = (start: number, length: number): string => data.toString("utf8", start, start + length).replace(/\0.*$/s, "");
    for (let offset = 0; offset + 512 <= data.length; ) {
        const name = text(offset, 100);
        if (name === "") break; // end-of-archive block
        const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
        const type = text(offset + 156, 1);
        const prefix = text(offset + 345, 155);
        const body = offset + 512;
        if (type === "0" || type === "") {
            entries.push({ path: prefix === "" ? name : `${prefix}/${name}`, content: data.subarray(body, body + size) });
        }
        offset = body + Math.ceil(size / 512) * 512;
    }
    return entries;
}

function run(command: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(command, args, { cwd, encoding: "utf8", shell: process.platform === "win32", timeout: 90_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runAsync(command: string, args: string[], cwd: string): Promise<{ status: number | null; output: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, output }));
    });
}

/** The package a bare `require()` specifier belongs to: `@scope/name/x` -> `@scope/name`. */
function packageOf(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Links every installed package of the repository into the scratch project, as npm would have installed them. */
function linkDependencies(scratchModules: string): void {
    const repoModules = path.join(REPO_ROOT, "node_modules");
    for (const entry of readdirSync(repoModules)) {
        if (entry.startsWith(".") || entry === PACKAGE_NAME) continue;
        // "junction" makes directory links work on Windows without admin rights; POSIX ignores it.
        symlinkSync(path.join(repoModules, entry), path.join(scratchModules, entry), "junction");
    }
}

const CONSUMER_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { CertRotationPool, type CertRotationPoolArgs } from "${PACKAGE_NAME}";

const args: CertRotationPoolArgs = {
    location: "westus2",
    resourceGroupName: "rg-batch",
    batchAccount: { name: "mybatch", resourceGroupName: "rg-batch" },
    keyVault: { authorization: "rbac", softDeleteRetentionInDays: 90 },
    certificates: [{ name: "authcert", subject: "CN=batch.example.com", renewal: { daysBeforeExpiry: 30 } }],
    pool: {
        vmSize: "Standard_D2s_v5",
        image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" },
        nodeAgentSkuId: "batch.node.ubuntu 24.04",
        targetDedicatedNodes: 1,
    },
};
const certs = new CertRotationPool("certs", args);

// The single pool: form's outputs; with pools: they are absent and certs.pools has each pool.
export const poolId: pulumi.Output<string> | undefined = certs.poolId;
export const vaultUri: pulumi.Output<string> = certs.vaultUri;
export const secretIds = certs.certificates.apply((all) => Object.values(all).map((c) => c.secretId));
`;

// Proves the types are real: were they \`any\`, these directives would be unused and tsc would fail.
const MISUSE_PROGRAM = `import { CertRotationPool } from "${PACKAGE_NAME}";

const base = { location: "westus2", resourceGroupName: "rg", batchAccount: { name: "a", resourceGroupName: "rg" } };
const certificates = [{ name: "c", subject: "CN=c" }];
const pool = { vmSize: "Standard_D2s_v5", image: { publisher: "p", offer: "o", sku: "s" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" };

new CertRotationPool("ok", { ...base, certificates, pool });
// @ts-expect-error certificates is required
new CertRotationPool("no-certificates", { ...base, pool });
// @ts-expect-error pools entries are pools: nodeAgentSkuId is required there too
new CertRotationPool("no-sku-in-pools", { ...base, certificates, pools: { a: { vmSize: "v", image: pool.image } } });
new CertRotationPool("several", { ...base, certificates, pools: { a: pool, b: { ...pool, certificates: ["c"] } } });
// @ts-expect-error pool.nodeAgentSkuId is required
new CertRotationPool("no-sku", { ...base, certificates, pool: { vmSize: "v", image: pool.image } });
// @ts-expect-error targetDedicatedNodes is a number
new CertRotationPool("string-count", { ...base, certificates, pool: { ...pool, targetDedicatedNodes: "1" } });
`;

// Runs in the consumer project with plain node: the component under Pulumi's mocks, then the
// certificate's dynamic provider exactly as Pulumi serialized it. From node_modules, Pulumi
// captures the package's own modules as require("${PACKAGE_NAME}/dist/...") calls, so this is
// where a packaging mistake (an "exports" map hiding those paths, a file left out) shows up;
// in the repository the same code is captured by value and would pass.
const RUNTIME_CHECK = `const fs = require("node:fs");
const pulumi = require("@pulumi/pulumi");
const registered = [];
const ids = { tenantId: "00000000-0000-0000-0000-000000000001", objectId: "00000000-0000-0000-0000-000000000002", clientId: "00000000-0000-0000-0000-000000000003" };
pulumi.runtime.setMocks({
    newResource: (args) => {
        registered.push(args);
        return { id: args.name + "-id", state: { ...args.inputs, ...ids, principalId: ids.objectId, properties: { vaultUri: "https://kv.vault.azure.net/" } } };
    },
    call: (args) => ({ ...args.inputs, ...ids }),
}, "consumer", "test", false).then(async () => {
    const { CertRotationPool } = require("${PACKAGE_NAME}");
    const component = new CertRotationPool("certs", {
        location: "westus2",
        resourceGroupName: "rg",
        batchAccount: { name: "acct", resourceGroupName: "rg" },
        certificates: [{ name: "authcert", subject: "CN=batch.example.com" }],
        pool: { vmSize: "Standard_D2s_v5", image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" },
    });
    await new Promise((resolve) => component.poolId.apply(resolve));
    const certificate = registered.find((r) => r.type.endsWith(":KeyVaultCertificate"));
    if (!certificate || typeof certificate.inputs.__provider !== "string") throw new Error("no KeyVaultCertificate with a serialized provider was registered");
    fs.writeFileSync("provider.js", certificate.inputs.__provider);
    const provider = require("./provider.js").handler();
    const missing = ["create", "read", "diff", "update", "delete"].filter((method) => typeof provider[method] !== "function");
    if (missing.length > 0) throw new Error("the serialized provider lacks " + missing.join(", "));
    // The other front door ships in the same tarball: the provider other languages reach, serving the package schema.
    const { CertRotationPoolProvider } = require("${PACKAGE_NAME}/dist/components/provider");
    const schema = JSON.parse(await new CertRotationPoolProvider("0.1.0").getSchema());
    if (!schema.resources["batch-cert-rotation:index:CertRotationPool"]) throw new Error("the provider's schema lacks CertRotationPool");
}).catch((error) => { console.error(error); process.exit(1); });
`;

const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "consumer");

/** The consumer program in examples/consumer: what we tell users to write must compile against the tarball. */
function exampleProgram(): string {
    return readFileSync(path.join(EXAMPLE_DIR, "index.ts"), "utf8");
}

/** The ```typescript blocks of a Markdown file. */
function typescriptBlocks(markdown: string): string[] {
    return [...markdown.matchAll(/^```typescript\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/** The packages a program imports: `@scope/name/x` -> `@scope/name`, relative and built-in imports left out. */
function importedPackages(program: string): string[] {
    const specifiers = [...program.matchAll(/^import\s[^;]*?from\s+"([^"]+)";/gm)].map((match) => match[1]);
    return [...new Set(specifiers.filter((s) => !s.startsWith(".") && !s.startsWith("node:")).map(packageOf))].sort();
}

void test("examples/consumer is the program docs/component.md shows, and declares what it imports", () => {
    const program = exampleProgram();
    assert.ok(program.includes(`from "${PACKAGE_NAME}"`), `examples/consumer/index.ts does not import from "${PACKAGE_NAME}"`);
    const blocks = typescriptBlocks(readFileSync(path.join(REPO_ROOT, "docs", "component.md"), "utf8"));
    assert.ok(blocks.includes(program), "docs/component.md's ```typescript example differs from examples/consumer/index.ts: copy the program into the doc");

    const repo = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { name: string; version: string };
    const consumer = JSON.parse(readFileSync(path.join(EXAMPLE_DIR, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    const dependencies = consumer.dependencies ?? {};
    const undeclared = importedPackages(program).filter((name) => !(name in dependencies));
    assert.deepEqual(undeclared, [], "examples/consumer/package.json lacks dependencies its program imports");
    assert.equal(dependencies[PACKAGE_NAME], `file:../../${repo.name}-${repo.version}.tgz`, "the example installs the tarball `npm pack` writes at the repository root");
    const pulumiYaml = readFileSync(path.join(EXAMPLE_DIR, "Pulumi.yaml"), "utf8");
    assert.match(pulumiYaml, /^runtime:\n\s+name: nodejs\n\s+options:\n\s+typescript: true$/m, "examples/consumer/Pulumi.yaml runs TypeScript on Node");
});

function tsconfig(module: "commonjs" | "nodenext"): string {
    // commonjs + node resolution is Pulumi's TypeScript template (reads "types"),
    // which does not skip library checks, so neither do we there (about 20 s);
    // nodenext is what newer projects use (reads "exports"). Both must work.
    return JSON.stringify({
        compilerOptions: {
            strict: true,
            noEmit: true,
            target: "ES2022",
            module,
            moduleResolution: module === "commonjs" ? "node" : "nodenext",
            types: ["node"],
            noImplicitReturns: true,
            skipLibCheck: module === "nodenext",
        },
        files: module === "commonjs" ? ["index.ts", "misuse.ts"] : ["index.ts", "misuse.ts", "example.ts"],
    });
}

void test("npm pack yields the compiled component, which installs and type-checks in another project", { timeout: 120_000 }, async () => {
    const work = mkdtempSync(path.join(tmpdir(), "bcr-package-"));
    try {
        // 1. Pack (the "prepare" script builds the component).
        const packed = run("npm", ["pack", "--json", "--pack-destination", work], REPO_ROOT);
        assert.equal(packed.status, 0, `npm pack failed:\n${packed.stdout}\n${packed.stderr}`);
        const [report] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
        const tarball = path.join(work, report.filename);
        const entries = readTarball(tarball);
        const files = entries.map((entry) => entry.path.replace(/^package\//, "")).sort();
        assert.deepEqual(files, report.files.map((file) => file.path).sort(), "the tarball holds what npm reported");

        // 2. Only the compiled component, its manifest and docs.
        for (const required of ["dist/components/index.js", "dist/components/index.d.ts", "dist/components/certRotationPool.js", "dist/components/certRotationPool.d.ts", "package.json"]) {
            assert.ok(files.includes(required), `${required} missing from the tarball; files: ${files.join(", ")}`);
        }
        const stray = files.filter(
            (file) => !/^dist\/components\/.+\.(js|d\.ts)$/.test(file) && !/^(package\.json|README\.md|LICENSE(\.md)?)$/i.test(file),
        );
        assert.deepEqual(stray, [], "the tarball must hold no stack program, tests, tools or sources");
        assert.ok(!files.some((file) => /^(index\.ts|dist\/index\.js|test\/|tools\/|dist\/test\/|dist\/tools\/)/.test(file)));

        // 3. Every module the compiled component requires ships with it, is built in, or is a declared dependency.
        const manifest = JSON.parse(entries.find((entry) => entry.path === "package/package.json")?.content.toString() ?? "{}") as {
            dependencies?: Record<string, string>;
        };
        const declared = new Set(Object.keys(manifest.dependencies ?? {}));
        const undeclared = new Set<string>();
        for (const entry of entries.filter((candidate) => candidate.path.endsWith(".js"))) {
            for (const [, specifier] of entry.content.toString().matchAll(/require\("([^"]+)"\)/g)) {
                if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
                if (!declared.has(packageOf(specifier))) undeclared.add(`${entry.path} requires ${specifier}`);
            }
        }
        assert.deepEqual([...undeclared], [], "a runtime import not in package.json dependencies breaks consumers");

        // 4. A consumer project: the tarball in node_modules, the dependencies beside it.
        const scratch = path.join(work, "consumer");
        const modules = path.join(scratch, "node_modules");
        mkdirSync(modules, { recursive: true });
        for (const entry of entries) {
            const target = path.join(modules, PACKAGE_NAME, entry.path.replace(/^package\//, ""));
            mkdirSync(path.dirname(target), { recursive: true });
            writeFileSync(target, entry.content);
        }
        linkDependencies(modules);
        writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "consumer", private: true, dependencies: { [PACKAGE_NAME]: `file:${tarball}` } }));
        writeFileSync(path.join(scratch, "index.ts"), CONSUMER_PROGRAM);
        writeFileSync(path.join(scratch, "misuse.ts"), MISUSE_PROGRAM);
        writeFileSync(path.join(scratch, "runtime-check.js"), RUNTIME_CHECK);
        writeFileSync(path.join(scratch, "tsconfig.json"), tsconfig("commonjs"));
        const esmDir = path.join(scratch, "nodenext");
        mkdirSync(esmDir);
        writeFileSync(path.join(esmDir, "index.ts"), CONSUMER_PROGRAM);
        writeFileSync(path.join(esmDir, "misuse.ts"), MISUSE_PROGRAM);
        writeFileSync(path.join(esmDir, "example.ts"), exampleProgram());
        writeFileSync(path.join(esmDir, "tsconfig.json"), tsconfig("nodenext"));
        // examples/consumer as it is, with its own tsconfig.json (commonjs, as Pulumi's TypeScript template).
        const exampleDir = path.join(scratch, "example");
        mkdirSync(exampleDir);
        writeFileSync(path.join(exampleDir, "index.ts"), exampleProgram());
        writeFileSync(path.join(exampleDir, "tsconfig.json"), readFileSync(path.join(EXAMPLE_DIR, "tsconfig.json")));

        // 5. Strict type-check under both resolutions; run the component and its serialized provider.
        const tsc = require.resolve("typescript/bin/tsc", { paths: [REPO_ROOT] });
        const [commonjs, nodenext, example, loaded] = await Promise.all([
            runAsync(process.execPath, [tsc, "-p", scratch], scratch),
            runAsync(process.execPath, [tsc, "-p", esmDir], esmDir),
            runAsync(process.execPath, [tsc, "-p", exampleDir, "--noEmit"], exampleDir),
            runAsync(process.execPath, ["runtime-check.js"], scratch),
        ]);
        assert.equal(commonjs.status, 0, `tsc (module commonjs) failed in the consumer project:\n${commonjs.output}`);
        assert.equal(nodenext.status, 0, `tsc (module nodenext) failed in the consumer project:\n${nodenext.output}`);
        assert.equal(example.status, 0, `examples/consumer does not type-check against the tarball (with its own tsconfig.json):\n${example.output}`);
        assert.equal(loaded.status, 0, `the component or its serialized certificate provider failed to load in the consumer project:\n${loaded.output}`);
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
});
