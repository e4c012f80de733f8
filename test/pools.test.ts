// Several pools on one identity, vault and set of certificates (`pools:`):
// what each pool is called, what it observes, that a change to one leaves every
// other's request byte-identical, the rest of a pool's settings as Batch's spec
// shapes them, and the replace-or-update table of docs/pools.md against the code.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { derivePoolName } from "../components/naming";
import { POOL_REPLACE_ON_CHANGES } from "../components/pool";
import { PATCHED_POOL_PROPERTIES } from "../components/poolSettingsProvider";
import { buildMetadata, POOL_SETTINGS, replacementKey, type ReplacingProperties } from "../components/pools";
import { ValidationError, validateConfig } from "../components/validation";
import { configFromValues } from "../tools/plan/config";
import { planLoaded, planStack } from "../tools/plan/run";
import type { PlanDocument, PlannedResource } from "../policy/planDocument";

const ROOT = resolve(__dirname, "..");
const NS = "batch-cert-rotation";
type Config = Record<string, unknown>;
type Pools = Record<string, Record<string, unknown>>;

const LINUX = {
    vmSize: "Standard_D2s_v5",
    image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" },
    nodeAgentSkuId: "batch.node.ubuntu 24.04",
};
const WINDOWS = {
    vmSize: "Standard_D4s_v5",
    image: { publisher: "microsoftwindowsserver", offer: "windowsserver", sku: "2022-datacenter" },
    nodeAgentSkuId: "batch.node.windows amd64",
    keyVaultExtension: { certificateStoreLocation: "LocalMachine" },
};
const CERTIFICATES = [
    { name: "web", subject: "CN=web.example.com", renewal: { daysBeforeExpiry: 30 } },
    { name: "api", subject: "CN=api.example.com" },
];

/** dev's configuration with `pool:` swapped for the given pools. */
function devWithPools(pools: Pools): Config {
    const doc = parse(readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Config };
    const config: Config = { ...doc.config, [`${NS}:pools`]: pools };
    delete config[`${NS}:pool`];
    return config;
}

function plan(config: Config): Promise<PlanDocument> {
    return planLoaded(configFromValues(NS, "dev", "<test>", config));
}

function poolsOf(p: PlanDocument): Record<string, PlannedResource> {
    return Object.fromEntries(p.resources.filter((r) => r.type === "azure-native:batch:Pool").map((r) => [r.name, r]));
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function problemsOf(raw: Config): string[] {
    try {
        validateConfig(raw);
    } catch (err) {
        if (err instanceof ValidationError) return err.problems;
        throw err;
    }
    return [];
}

describe("pools: several pools on one vault", () => {
    it("registers one identity, vault and set of certificates, and a pool per key named <component>-pool-<key>", async () => {
        const p = await plan(devWithPools({ a: LINUX, b: { ...LINUX, vmSize: "Standard_D4s_v5" } }));
        const types = p.resources.map((r) => r.type);
        assert.equal(types.filter((t) => t.endsWith(":UserAssignedIdentity")).length, 1);
        assert.equal(types.filter((t) => t.endsWith(":Vault")).length, 1);
        assert.equal(types.filter((t) => t.endsWith(":KeyVaultCertificate")).length, 1);
        const pools = poolsOf(p);
        assert.deepEqual(Object.keys(pools), ["certpool-pool-a", "certpool-pool-b"]);
        assert.match(String(pools["certpool-pool-a"].inputs.poolName), /^certpool-a-[0-9a-f]{8}$/);
        assert.match(String(pools["certpool-pool-b"].inputs.poolName), /^certpool-b-[0-9a-f]{8}$/);
        const outputs = p.outputs as { pools: Record<string, { name: string; id: string; osFamily: string }>; poolName?: string };
        assert.deepEqual(Object.keys(outputs.pools), ["a", "b"]);
        assert.equal(outputs.pools.a.name, pools["certpool-pool-a"].inputs.poolName);
        assert.match(outputs.pools.b.id, /\/pools\/certpool-b-[0-9a-f]{8}$/);
        assert.equal(outputs.poolName, undefined, "poolName belongs to the single pool: form");
    });

    it("gives two pools with equal settings different Azure names", async () => {
        const pools = poolsOf(await plan(devWithPools({ a: LINUX, b: LINUX })));
        assert.notEqual(pools["certpool-pool-a"].inputs.poolName, pools["certpool-pool-b"].inputs.poolName);
    });

    it("lets each pool observe a subset of the certificates, by their versionless secret URLs", async () => {
        const config = devWithPools({ all: LINUX, some: { ...LINUX, certificates: ["api"] } });
        config[`${NS}:certificates`] = CERTIFICATES;
        const pools = poolsOf(await plan(config));
        const observed = (r: PlannedResource) => JSON.stringify(r.request?.body).match(/https:\/\/[^"]+\/secrets\/[a-z]+/g);
        assert.deepEqual(observed(pools["certpool-pool-all"])?.map((u) => u.replace(/.*\//, "")), ["web", "api"]);
        assert.deepEqual(observed(pools["certpool-pool-some"])?.map((u) => u.replace(/.*\//, "")), ["api"]);
        for (const url of observed(pools["certpool-pool-some"]) ?? []) assert.match(url, /^https:\/\/kv-certpool-[0-9a-f]{6}\.vault\.azure\.net\/secrets\/api$/);
    });

    it("runs a Linux and a Windows pool side by side, each with its own extension", async () => {
        const pools = poolsOf(await plan(devWithPools({ linux: LINUX, windows: WINDOWS })));
        const ext = (r: PlannedResource) => JSON.stringify(r.inputs.deploymentConfiguration);
        assert.match(ext(pools["certpool-pool-linux"]), /"type":"KeyVaultForLinux"/);
        assert.match(ext(pools["certpool-pool-linux"]), /"certificateStoreLocation":"\/var\/lib\/waagent\/Microsoft.Azure.KeyVault"/);
        assert.match(ext(pools["certpool-pool-windows"]), /"type":"KeyVaultForWindows"/);
        assert.match(ext(pools["certpool-pool-windows"]), /"certificateStoreLocation":"LocalMachine"/);
    });

    for (const [what, change] of [
        ["its extension setting", (p: Pools) => { p.a.keyVaultExtension = { pollingIntervalInS: 600 }; }],
        ["its image", (p: Pools) => { p.a.image = { ...LINUX.image, version: "24.04.202501010" }; }],
        ["its VM size", (p: Pools) => { p.a.vmSize = "Standard_D8s_v5"; }],
        ["its start task, scale and metadata", (p: Pools) => { Object.assign(p.a, { startTask: { commandLine: "/bin/true" }, targetDedicatedNodes: 3, metadata: { x: "y" } }); }],
    ] as const) {
        it(`changing one pool's ${what} leaves the other pool's request byte-identical`, async () => {
            const base: Pools = { a: clone(LINUX), b: clone(WINDOWS) };
            const changed = clone(base);
            change(changed);
            const before = poolsOf(await plan(devWithPools(base)));
            const after = poolsOf(await plan(devWithPools(changed)));
            assert.equal(JSON.stringify(after["certpool-pool-b"].request), JSON.stringify(before["certpool-pool-b"].request));
            assert.equal(JSON.stringify(after["certpool-pool-b"].inputs), JSON.stringify(before["certpool-pool-b"].inputs));
            assert.notEqual(JSON.stringify(after["certpool-pool-a"].request), JSON.stringify(before["certpool-pool-a"].request));
        });
    }

    it("removing a pool from the map leaves the others untouched", async () => {
        const before = poolsOf(await plan(devWithPools({ a: LINUX, b: WINDOWS, c: { ...LINUX, vmSize: "Standard_D4s_v5" } })));
        const after = poolsOf(await plan(devWithPools({ b: WINDOWS, c: { ...LINUX, vmSize: "Standard_D4s_v5" } })));
        assert.deepEqual(Object.keys(after), ["certpool-pool-b", "certpool-pool-c"]);
        assert.equal(JSON.stringify(after["certpool-pool-b"].request), JSON.stringify(before["certpool-pool-b"].request));
        assert.equal(JSON.stringify(after["certpool-pool-c"].request), JSON.stringify(before["certpool-pool-c"].request));
    });

    it("keeps the single pool: form's resource name and Azure name", async () => {
        const dev = await planStack({ stack: "dev", projectDir: ROOT });
        const pools = Object.values(poolsOf(dev));
        assert.deepEqual(pools.map((r) => r.name), ["certpool-pool"]);
        assert.match(String(pools[0].inputs.poolName), /^certpool-[0-9a-f]{8}$/);
        const outputs = dev.outputs as Record<string, unknown>;
        assert.equal(outputs.poolName, pools[0].inputs.poolName);
        assert.equal(outputs.osFamily, "linux");
        assert.equal(outputs.pools, undefined);
    });

    it("plans prod with a Linux and a Windows pool on one vault", async () => {
        const prod = await planStack({ stack: "prod", projectDir: ROOT });
        const outputs = prod.outputs as { pools: Record<string, { osFamily: string }> };
        assert.deepEqual(Object.fromEntries(Object.entries(outputs.pools).map(([k, v]) => [k, v.osFamily])), { linux: "linux", windows: "windows" });
        assert.equal(prod.resources.filter((r) => r.type.endsWith(":Vault")).length, 1);
    });
});

describe("the rest of a pool, as Batch 2024-07-01 shapes it", () => {
    it("renders metadata sorted by name, whatever order the config map arrives in (the engine sorts keys, the plan keeps file order)", () => {
        const rendered = [{ name: "a-team", value: "2" }, { name: "os", value: "linux" }, { name: "zone", value: "1" }];
        assert.deepEqual(buildMetadata({ zone: "1", os: "linux", "a-team": "2" }), rendered);
        assert.deepEqual(buildMetadata({ "a-team": "2", zone: "1", os: "linux" }), rendered);
    });

    it("renders startTask, autoScale, userAccounts and metadata", async () => {
        const pools = poolsOf(await plan(devWithPools({
            a: {
                ...LINUX,
                startTask: { commandLine: "/bin/sh -c 'echo hi'", environment: { MODE: "prod" }, elevated: true, maxTaskRetryCount: 2 },
                autoScale: { formula: "$TargetDedicatedNodes = 2;", evaluationInterval: "PT10M" },
                userAccounts: [{ name: "batchtask", elevationLevel: "Admin", linux: { uid: 2000, gid: 2000 } }, { name: "reader" }],
                metadata: { team: "platform" },
            },
        })));
        const props = pools["certpool-pool-a"].request?.body.properties as Record<string, unknown>;
        assert.deepEqual(props.startTask, {
            commandLine: "/bin/sh -c 'echo hi'",
            environmentSettings: [{ name: "MODE", value: "prod" }],
            maxTaskRetryCount: 2,
            userIdentity: { autoUser: { elevationLevel: "Admin", scope: "Pool" } },
            waitForSuccess: true,
        });
        assert.deepEqual(props.scaleSettings, { autoScale: { evaluationInterval: "PT10M", formula: "$TargetDedicatedNodes = 2;" } });
        assert.deepEqual(props.metadata, [{ name: "team", value: "platform" }]);
        const accounts = props.userAccounts as Record<string, unknown>[];
        assert.deepEqual(accounts.map((a) => ({ ...a, password: typeof a.password })), [
            { name: "batchtask", elevationLevel: "Admin", linuxUserConfiguration: { gid: 2000, uid: 2000 }, password: "string" },
            { name: "reader", elevationLevel: "NonAdmin", password: "string" },
        ]);
        // The spec requires a password; the program's is random, secret, and never shown.
        assert.ok(accounts.every((a) => /secret/.test(String(a.password))));
    });

    it("keeps the derived name when only the start task, scale settings or metadata change, and changes it for user accounts", async () => {
        const name = async (extra: Record<string, unknown>) =>
            String(poolsOf(await plan(devWithPools({ a: { ...LINUX, ...extra } })))["certpool-pool-a"].inputs.poolName);
        const base = await name({});
        assert.equal(await name({ startTask: { commandLine: "/bin/true" } }), base);
        assert.equal(await name({ autoScale: { formula: "$TargetDedicatedNodes = 1;" } }), base);
        assert.equal(await name({ metadata: { a: "b" } }), base);
        assert.notEqual(await name({ userAccounts: [{ name: "batchtask" }] }), base);
        assert.notEqual(await name({ taskSlotsPerNode: 4 }), base);
        assert.notEqual(await name({ nodeFillType: "Spread" }), base);
    });
});

describe("bad input around pools", () => {
    const base = { certificates: CERTIFICATES };

    it("refuses autoscale with fixed node counts, naming the fields", () => {
        const problems = problemsOf({ ...base, pool: { ...LINUX, targetDedicatedNodes: 2, targetLowPriorityNodes: 1, autoScale: { formula: "$TargetDedicatedNodes = 1;" } } });
        assert.deepEqual(problems, [
            "pool.targetDedicatedNodes: 2 can't be combined with autoScale; Batch scales a pool either by formula or to fixed node counts: remove one or the other",
            "pool.targetLowPriorityNodes: 1 can't be combined with autoScale; Batch scales a pool either by formula or to fixed node counts: remove one or the other",
        ]);
    });

    it("refuses an empty formula and an evaluation interval under five minutes", () => {
        assert.deepEqual(problemsOf({ ...base, pool: { ...LINUX, autoScale: { formula: " ", evaluationInterval: "PT1M" } } }), [
            'pool.autoScale.formula: " " must be a non-empty string',
            'pool.autoScale.evaluationInterval: "PT1M" is shorter than Batch\'s minimum of 5 minutes (PT5M)',
        ]);
    });

    it("refuses a pool naming an unknown certificate", () => {
        assert.deepEqual(problemsOf({ ...base, pools: { a: { ...LINUX, certificates: ["api", "nosuch"] } } }),
            ['pools.a.certificates[1]: "nosuch" names no certificate in certificates (known: web, api)']);
    });

    it("refuses pool with pools, and neither", () => {
        assert.deepEqual(problemsOf({ ...base, pool: LINUX, pools: { a: LINUX } }),
            ["pools: can't be given together with pool; use pool: for one pool or pools: for several (move the pool into pools:)"]);
        assert.deepEqual(problemsOf(base), ["pool: is required (a pool, or several under pools)"]);
    });

    it("refuses pools-only keys under pool:, bad keys, clashing pinned names and misspelt override keys", () => {
        assert.deepEqual(problemsOf({ ...base, pool: { ...LINUX, certificates: ["web"] } }), [
            'pool.certificates: ["web"] applies to entries of pools: only; with pool: every certificate is observed and keyVaultExtension is set at the top level',
        ]);
        assert.deepEqual(problemsOf({ ...base, pools: { "bad key": LINUX } }), [
            "pools.bad key: is not a valid pool key: 1-24 characters of letters, digits, '-' and '_', starting with a letter or digit (it becomes part of resource and pool names)",
        ]);
        assert.deepEqual(problemsOf({ ...base, pools: { a: { ...LINUX, name: "p" }, b: { ...LINUX, name: "P" } } }),
            ['pools.b.name: "P" is also pinned by pools.a; pool names are unique in a Batch account']);
        assert.deepEqual(problemsOf({ ...base, pools: { a: { ...LINUX, keyVaultExtension: { pollingIntervalS: 60 } } } }),
            ['pools.a.keyVaultExtension.pollingIntervalS: unknown key; did you mean "pollingIntervalInS"?']);
    });

    it("resolves an override against its pool's OS and checks what it inherits there", () => {
        // A Linux path inherited by the Windows pool beside a Linux one is refused where it lands.
        const problems = problemsOf({ ...base, keyVaultExtension: { certificateStoreLocation: "/var/lib/kv" },
            pools: { l: LINUX, w: { ...WINDOWS, keyVaultExtension: { pollingIntervalInS: 600 } } } });
        assert.deepEqual(problems, ['pools.w.keyVaultExtension.certificateStoreLocation: "/var/lib/kv" is not one of LocalMachine, CurrentUser']);
        const { config } = validateConfig({ ...base, keyVaultExtension: { pollingIntervalInS: 600 }, pools: { l: LINUX, w: WINDOWS } });
        assert.deepEqual(config.poolSet.map((p) => [p.key, p.osFamily, p.extension.certificateStoreLocation, p.extension.pollingIntervalInS]), [
            ["l", "linux", "/var/lib/waagent/Microsoft.Azure.KeyVault", 600],
            ["w", "windows", "LocalMachine", 600],
        ]);
    });

    it("refuses user account problems the spec would", () => {
        assert.deepEqual(problemsOf({ ...base, pool: { ...WINDOWS, keyVaultExtension: undefined, userAccounts: [{ name: "a", linux: { uid: 1, gid: 1 } }, { name: "A" }] } }), [
            'pool.userAccounts[0].linux: {"uid":1,"gid":1} applies to Linux pools only; remove it',
            'pool.userAccounts[1].name: "A" repeats pool.userAccounts[0].name; account names must be unique',
        ]);
    });
});

describe("docs/pools.md: what replaces a pool and what updates it in place", () => {
    const doc = readFileSync(join(ROOT, "docs", "pools.md"), "utf8");
    const rows = doc.split("\n")
        .map((line) => /^\| `([A-Za-z]+)` \| (.*?) \| (replaces|updates in place) \|$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ property: m[1], config: m[2], change: m[3] }));

    it("has a row for every pool property the program classifies, and says the same", () => {
        assert.deepEqual(rows.map((r) => [r.property, r.change]), POOL_SETTINGS.map((s) => [s.property, s.change]));
    });

    it("PATCHes exactly the properties the table says update in place, and the azure-native pool ignores them after create", () => {
        const updating = rows.filter((r) => r.change === "updates in place").map((r) => r.property).sort();
        assert.deepEqual([...PATCHED_POOL_PROPERTIES].sort(), updating);
    });

    it("lists in replaceOnChanges exactly the properties the table says replace", () => {
        assert.deepEqual([...POOL_REPLACE_ON_CHANGES].sort(), rows.filter((r) => r.change === "replaces").map((r) => r.property).sort());
    });

    it("changes the derived name for every property that replaces, and for none that updates", () => {
        const base: ReplacingProperties = {
            vmSize: "Standard_D2s_v5",
            deploymentConfiguration: { a: 1 },
            identity: { userAssignedIdentities: ["/id"] },
            taskSchedulingPolicy: { nodeFillType: "Pack" },
        };
        const name = derivePoolName("c", replacementKey(base));
        const changed: Record<string, Partial<ReplacingProperties>> = {
            vmSize: { vmSize: "Standard_D4s_v5" },
            deploymentConfiguration: { deploymentConfiguration: { a: 2 } },
            identity: { identity: { userAssignedIdentities: ["/other"] } },
            networkConfiguration: { networkConfiguration: { subnetId: "/s" } },
            targetNodeCommunicationMode: { targetNodeCommunicationMode: "Classic" },
            userAccounts: { userAccounts: [{ name: "u", elevationLevel: "NonAdmin" }] },
            mountConfiguration: { mountConfiguration: [{}] },
            taskSlotsPerNode: { taskSlotsPerNode: 2 },
            taskSchedulingPolicy: { taskSchedulingPolicy: { nodeFillType: "Spread" } },
        };
        for (const row of rows.filter((r) => r.change === "replaces")) {
            assert.ok(changed[row.property], `the test knows how to change ${row.property}`);
            assert.notEqual(derivePoolName("c", replacementKey({ ...base, ...changed[row.property] })), name, row.property);
        }
        // What updates in place is not even an input of the key: the type leaves no room for it.
        for (const row of rows.filter((r) => r.change === "updates in place")) {
            assert.ok(!(row.property in replacementKey(base)), row.property);
        }
    });
});
