// The offline plan as users and reviewers rely on it: it reproduces the how-to's
// pool requests, is deterministic, refuses bad config without writing JSON, and
// shows which changes replace the pool.

import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { POOL_REPLACE_ON_CHANGES } from "../components/pool";
import { configFromValues, type LoadedConfig, loadStackConfig, SECRET_PLACEHOLDER } from "../tools/plan/config";
import { planLoaded, planStack } from "../tools/plan/run";
import type { PlanDocument, PlannedResource } from "../policy/planDocument";
import { readFixtureJson } from "./fixtures";

const ROOT = resolve(__dirname, "..");

function seed(name: string): Record<string, unknown> {
    return readFixtureJson<Record<string, unknown>>("how-to", name);
}

function pools(plan: PlanDocument): PlannedResource[] {
    return plan.resources.filter((r) => r.type === "azure-native:batch:Pool");
}

function pool(plan: PlanDocument): PlannedResource {
    const found = plan.resources.filter((r) => r.type === "azure-native:batch:Pool");
    assert.equal(found.length, 1, "one pool per plan");
    return found[0];
}

/** Every leaf path where a and b differ, with both values. */
function diff(a: unknown, b: unknown, path = ""): Array<{ path: string; plan: unknown; howTo: unknown }> {
    if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        return [...keys].sort().flatMap((k) => diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k],
            Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, plan: a, howTo: b }];
}

const EXT = "properties.deploymentConfiguration.virtualMachineConfiguration.extensions[0].settings";

for (const os of ["linux", "windows"] as const) {
    describe(`how-to ${os} example`, () => {
        it(`reproduces test/fixtures/how-to/pool-request-${os}.json but for the versionless URL, the identity's client ID and the SDK's default`, async () => {
            const plan = await planStack({ configFile: join(ROOT, `examples/how-to-${os}.yaml`) });
            const howTo = seed(`pool-request-${os}.json`);
            const request = pool(plan).request;
            assert.ok(request);
            assert.match(request.url, /\/pools\/test2\?api-version=2024-07-01$/);
            const differences = diff(request.body, howTo);
            const urlPath = `${EXT}.secretsManagementSettings.observedCertificates[0]${os === "windows" ? ".url" : ""}`;
            assert.deepEqual(differences.map((d) => d.path), [
                "name",
                `${EXT}.authenticationSettings.msiClientId`,
                urlPath,
                "properties.targetNodeCommunicationMode",
                "properties.taskSlotsPerNode",
                "type",
            ]);
            const byPath = Object.fromEntries(differences.map((d) => [d.path, d]));
            // name and type are read-only in the Pool schema: the URL carries them.
            assert.equal(byPath.name.plan, undefined);
            assert.equal(byPath.type.plan, undefined);
            // The how-to pins a version; the plan observes the same secret without one.
            assert.equal(byPath[urlPath].plan, String(byPath[urlPath].howTo).replace(/\/[0-9a-f]{32}$/, ""));
            assert.equal(byPath[urlPath].plan, "https://testkvwestus2s.vault.azure.net/secrets/authcertforumatesting");
            assert.equal(byPath[`${EXT}.authenticationSettings.msiClientId`].plan, (plan.outputs as Record<string, unknown>).identityClientId);
            // Classic communication was retired on 2026-03-31; the plan asks for Simplified, the how-to (2021) for nothing.
            assert.deepEqual(byPath["properties.targetNodeCommunicationMode"], { path: "properties.targetNodeCommunicationMode", plan: "Simplified", howTo: undefined });
            // azure-native sends Batch's own default explicitly.
            assert.deepEqual(byPath["properties.taskSlotsPerNode"], { path: "properties.taskSlotsPerNode", plan: 1, howTo: undefined });
        });

        it("still plans, listing as warnings what Azure retires (docs/lifecycle.md)", async () => {
            const plan = await planStack({ configFile: join(ROOT, `examples/how-to-${os}.yaml`) });
            const size = 'pool.vmSize: "STANDARD_DS2_V2" is a size of the D/Ds/Dv2/Dsv2/Ls families: retirement announced on 2026-05-15, ' +
                "no date given; use a current general-purpose size such as Standard_D2s_v5 (or Standard_L8s_v3 for storage-optimized) " +
                "(https://github.com/Azure/Batch/issues/140)";
            const agent = 'pool.nodeAgentSkuId: "batch.node.ubuntu 20.04" is the Ubuntu 20.04 node agent, unsupported by Azure since 2025-04-23 ' +
                "(end of Batch support); use batch.node.ubuntu 24.04 with canonical/ubuntu-24_04-lts/server (https://github.com/Azure/Batch/issues/174)";
            assert.deepEqual(plan.warnings, os === "linux" ? [size, agent] : [size]);
        });
    });
}

describe("offline plan", () => {
    const stacks = readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));

    it("has a dev stack and at least one more", () => {
        assert.ok(stacks.includes("Pulumi.dev.yaml"));
        assert.ok(stacks.length >= 2, stacks.join(", "));
    });

    for (const file of stacks) {
        it(`plans ${file} without warnings`, async () => {
            const plan = await planStack({ configFile: join(ROOT, file) });
            assert.deepEqual(plan.warnings, []);
            assert.ok(pools(plan).length > 0 && pools(plan).every((p) => p.request));
        });
    }

    it("covers Linux and Windows, access policies and RBAC across the stacks", async () => {
        const seen = new Set<string>();
        for (const file of stacks) {
            const plan = await planStack({ configFile: join(ROOT, file) });
            const outputs = plan.outputs as { osFamily?: string; pools?: Record<string, { osFamily: string }> };
            for (const os of outputs.pools ? Object.values(outputs.pools).map((p) => p.osFamily) : [outputs.osFamily]) seen.add(String(os));
            if (plan.resources.some((r) => r.type === "azure-native:authorization:RoleAssignment")) seen.add("rbac");
            if (plan.resources.some((r) => r.type === "azure-native:keyvault:AccessPolicy")) seen.add("accessPolicy");
        }
        assert.deepEqual([...seen].sort(), ["accessPolicy", "linux", "rbac", "windows"]);
    });

    it("adopts a Batch account from config instead of creating a resource group and an account", async () => {
        const doc = parse(readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        const values = { ...doc.config, "batch-cert-rotation:batchAccount": { name: "sharedbatch", resourceGroupName: "rg-shared" } };
        const plan = await planLoaded(configFromValues("batch-cert-rotation", "dev", "<test>", values));
        const types = plan.resources.map((r) => r.type);
        assert.ok(!types.includes("azure-native:resources:ResourceGroup") && !types.includes("azure-native:batch:BatchAccount"));
        assert.equal(pool(plan).inputs.accountName, "sharedbatch");
        assert.equal(pool(plan).inputs.resourceGroupName, "rg-shared");
        const vault = plan.resources.find((r) => r.type === "azure-native:keyvault:Vault");
        assert.equal(vault?.inputs.resourceGroupName, "rg-shared", "the identity and vault go beside the adopted account");
        assert.equal((plan.outputs as Record<string, unknown>).batchAccountEndpoint, "sharedbatch.westus2.batch.azure.com");
    });

    it("is byte-identical from one run to the next", async () => {
        const a = JSON.stringify(await planStack({ stack: "dev", projectDir: ROOT }));
        const b = JSON.stringify(await planStack({ stack: "dev", projectDir: ROOT }));
        assert.equal(a, b);
    });

    it("shows a secret config value as a placeholder and never its ciphertext", async () => {
        const doc = parse(readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        const values = { ...doc.config, "batch-cert-rotation:tags": { environment: "dev", costCenter: { secure: "v1:c2VjcmV0Y2lwaGVy" } } };
        const loaded = configFromValues("batch-cert-rotation", "dev", "<test>", values);
        assert.deepEqual(loaded.secretKeys, ["batch-cert-rotation:tags"]);
        const plan = await planLoaded(loaded);
        const text = JSON.stringify(plan);
        assert.ok(!text.includes("c2VjcmV0Y2lwaGVy"));
        const rg = plan.resources.find((r) => r.type === "azure-native:resources:ResourceGroup");
        assert.ok(text.includes(SECRET_PLACEHOLDER), "the placeholder is visible");
        assert.ok(rg);
    });
});

describe("the plan's clock", () => {
    // The Windows how-to on a Windows Server 2016 image, which Azure withdraws after 2027-01-12 (Azure/Batch#197).
    function windows2016(): LoadedConfig {
        const doc = parse(readFileSync(join(ROOT, "examples/how-to-windows.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
        const pool = doc.config["batch-cert-rotation:pool"];
        pool.image = { ...(pool.image as Record<string, unknown>), sku: "2016-datacenter" };
        return configFromValues("batch-cert-rotation", "how-to", "<test>", doc.config);
    }

    it("warns before a retirement's date and fails after it where Azure refuses the request, with no change to the stack", async () => {
        const before = await planLoaded(windows2016(), undefined, new Date("2027-01-12T12:00:00Z"));
        assert.ok(before.warnings.some((w) => w.startsWith('pool.image: "microsoftwindowsserver/windowsserver/2016-datacenter" is a Windows Server 2016 ' +
            "Marketplace image: end of Batch support; the Marketplace images are withdrawn on 2027-01-12; after that day Azure refuses it")), before.warnings.join("\n"));
        await assert.rejects(planLoaded(windows2016(), undefined, new Date("2027-01-13T12:00:00Z")),
            /pool\.image: "microsoftwindowsserver\/windowsserver\/2016-datacenter" is a Windows Server 2016 Marketplace image, refused by Azure since 2027-01-12/);
    });
});

describe("replacement", () => {
    const dev = () => parse(readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
    async function planWith(mutate: (c: Record<string, Record<string, unknown>>) => void): Promise<PlanDocument> {
        const doc = dev();
        mutate(doc.config);
        return planLoaded(configFromValues("batch-cert-rotation", "dev", "<test>", doc.config));
    }

    it("gives the pool a new name when an extension setting changes (create-before-delete)", async () => {
        const before = pool(await planWith(() => undefined));
        const after = pool(await planWith((c) => { c["batch-cert-rotation:keyVaultExtension"].pollingIntervalInS = 600; }));
        assert.notEqual(after.inputs.poolName, before.inputs.poolName);
        assert.equal(after.options.deleteBeforeReplace, false);
    });

    for (const [what, mutate] of [
        ["the VM size", (c: Record<string, Record<string, unknown>>) => { c["batch-cert-rotation:pool"].vmSize = "Standard_D4s_v5"; }],
        ["the image", (c: Record<string, Record<string, unknown>>) => { (c["batch-cert-rotation:pool"].image as Record<string, unknown>).version = "24.04.202501010"; }],
        ["the troubleshooting switch", (c: Record<string, Record<string, unknown>>) => { c["batch-cert-rotation:keyVaultExtension"].requireInitialSync = false; }],
    ] as const) {
        it(`gives the pool a new name when ${what} changes`, async () => {
            const before = pool(await planWith(() => undefined));
            const after = pool(await planWith(mutate));
            assert.notEqual(after.inputs.poolName, before.inputs.poolName);
        });
    }

    it("keeps the pool name when only the node count changes (updated in place)", async () => {
        const before = pool(await planWith(() => undefined));
        const after = pool(await planWith((c) => { c["batch-cert-rotation:pool"].targetDedicatedNodes = 3; }));
        assert.equal(after.inputs.poolName, before.inputs.poolName);
    });

    it("replaces a pinned pool delete-first when an extension setting changes", async () => {
        const plan = await planWith((c) => {
            c["batch-cert-rotation:pool"].name = "pinned";
            c["batch-cert-rotation:keyVaultExtension"].pollingIntervalInS = 600;
        });
        assert.equal(pool(plan).inputs.poolName, "pinned");
        assert.deepEqual(pool(plan).options.replaceOnChanges, [...POOL_REPLACE_ON_CHANGES]);
        assert.equal(pool(plan).options.deleteBeforeReplace, true);
    });

    it("leaves the pool request byte-identical when a certificate's renewal policy changes", async () => {
        const before = await planWith(() => undefined);
        const after = await planWith((c) => {
            const certs = c["batch-cert-rotation:certificates"] as unknown as Array<Record<string, unknown>>;
            certs[0].renewal = { lifetimePercentage: 75 };
        });
        assert.equal(JSON.stringify(pool(after).request), JSON.stringify(pool(before).request));
        const cert = (p: PlanDocument) => p.resources.find((r) => r.type.endsWith(":KeyVaultCertificate"))?.request;
        assert.notEqual(JSON.stringify(cert(after)), JSON.stringify(cert(before)), "the certificate itself does change");
    });
});

/** `npm run plan -- ARGS` as a user types it: npm, the launcher, the build and the plan. */
function npmRunPlan(args: string[]): SpawnSyncReturns<string> {
    const command = ["run", "--silent", "plan", "--", ...args];
    // Under `npm test`, the npm that started the tests; otherwise the one on PATH.
    const npmCli = process.env.npm_execpath;
    return npmCli
        ? spawnSync(process.execPath, [npmCli, ...command], { cwd: ROOT, encoding: "utf8" })
        : spawnSync("npm", command, { cwd: ROOT, encoding: "utf8" });
}

describe("npm run plan (the command)", () => {
    it("exits non-zero on bad config, names the field, prints no stack trace and writes no JSON", () => {
        const dir = mkdtempSync(join(tmpdir(), "plan-"));
        const config = join(dir, "bad.yaml");
        const out = join(dir, "plan.json");
        writeFileSync(config, [
            "config:",
            "  azure-native:location: westus2",
            "  batch-cert-rotation:certificates:",
            "    - { name: authcert, subject: CN=x, validityInMonths: 12, renewal: { daysBeforeExpiry: 400 } }",
            "  batch-cert-rotation:pool: { vmSize: Standard_D2s_v5, image: { publisher: canonical, offer: ubuntu-24_04-lts, sku: server }, nodeAgentSkuId: batch.node.ubuntu 24.04 }",
        ].join("\n"));
        const run = npmRunPlan(["--config", config, "--json", out]);
        assert.equal(run.status, 1, run.stderr);
        assert.match(run.stderr, /certificates\[0\]\.renewal\.daysBeforeExpiry: 400 is outside 1\.\.324 \(validityInMonths 12 x 27\)/);
        assert.doesNotMatch(run.stderr, /^\s+at /m);
        assert.equal(existsSync(out), false);
    });

    it("writes the JSON contract for the dev stack, the same document the plan gives in-process", async () => {
        const dir = mkdtempSync(join(tmpdir(), "plan-"));
        const out = join(dir, "plan.json");
        const run = npmRunPlan(["--stack", "dev", "--json", out]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /azure-native:batch:Pool certpool-pool/);
        assert.doesNotMatch(run.stdout + run.stderr, /promises were still active/);
        const plan = JSON.parse(readFileSync(out, "utf8")) as PlanDocument;
        assert.equal(plan.stack, "dev");
        for (const r of plan.resources) {
            assert.deepEqual(Object.keys(r.options).sort(), ["deleteBeforeReplace", "protect", "replaceOnChanges"]);
            assert.ok(Array.isArray(r.dependsOn) && typeof r.urn === "string" && typeof r.inputs === "object");
            assert.ok(!("__provider" in r.inputs), "the dynamic provider's code is not an input");
        }
        const cert = plan.resources.find((r) => r.type.endsWith(":KeyVaultCertificate"));
        assert.match(cert?.request?.url ?? "", /^https:\/\/kv-certpool-[0-9a-f]{6}\.vault\.azure\.net\/certificates\/authcert\/create\?api-version=2025-07-01$/);
        // The command skips serializing the provider's code (see tools/plan/providerCode.ts): nothing else may differ.
        assert.deepEqual(plan, JSON.parse(JSON.stringify(await planStack({ stack: "dev", projectDir: ROOT }))));
    });

    it("refuses an unknown stack with a clear message", () => {
        assert.throws(() => loadStackConfig({ stack: "nosuchstack", projectDir: ROOT }), /stack nosuchstack has no configuration file Pulumi\.nosuchstack\.yaml/);
    });
});
