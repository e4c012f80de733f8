// Every stack and both how-to examples through the real Pulumi engine: the
// CLI, the Node.js language host and this project's program run for real;
// Azure's answers come from the stand-in providers and the loopback Key Vault
// endpoint. What this proves: the engine's plan, ordering and state handling.
// What it can't: that Azure accepts the requests (see docs/testing.md).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { ACCOUNT_ENCRYPTION_TYPE, AZURE_TYPES, CERTIFICATE_CONTACTS_TYPE, CERTIFICATE_TYPE, COMPONENT_TYPE, POOL_SETTINGS_TYPE } from "../../components/azureFacts";
import { nodeCount } from "./standin/azureModel";
import type { PlanDocument } from "../../policy/planDocument";
import type { KeyVaultEndpoint } from "../keyvault/endpoint";
import { clearCalls, cli, collectSteps, type EngineSession, openSession, openStack, PROJECT_DIR, readCalls, type Step, stepsFor } from "./harness";
import { loadModel } from "./standin/azureModel";
import { type EngineAzure, startEngineAzure, vaultHostOf } from "./keyvault";
import { offlinePlan } from "./plan";
import { presentable } from "../../tools/plan/run";
import { EnforcementLevel } from "@pulumi/pulumi/proto/analyzer_pb";
import { analyze, startPolicyPack } from "../support/policyPack";

const POOL = "azure-native:batch:Pool";

interface Target {
    stack: string;
    file: string;
    /** The how-to examples pin the pool name: replacement is then delete-first. */
    pinnedPool: boolean;
    /** Keys of `pools:`, for stacks with several pools. */
    pools?: string[];
    /** keyVault.lock: the vault's lock, which a destroy meets first. */
    vaultLock?: boolean;
}

const TARGETS: Target[] = [
    { stack: "dev", file: "Pulumi.dev.yaml", pinnedPool: false },
    { stack: "prod", file: "Pulumi.prod.yaml", pinnedPool: false, pools: ["linux", "windows"], vaultLock: true },
    { stack: "how-to-linux", file: "examples/how-to-linux.yaml", pinnedPool: true },
    { stack: "how-to-windows", file: "examples/how-to-windows.yaml", pinnedPool: true },
];

function editConfig(file: string, path: (string | number)[], value: unknown): void {
    const doc = parseDocument(readFileSync(file, "utf8"));
    doc.setIn(["config", ...path], value);
    writeFileSync(file, doc.toString());
}

/** Drops what the engine adds on the wire and the plan doesn't show; secrets masked as the plan masks them. */
function comparable(inputs: Record<string, unknown> | undefined): Record<string, unknown> {
    return presentable(Object.fromEntries(Object.entries(inputs ?? {}).filter(([k]) => !k.startsWith("__")))) as Record<string, unknown>;
}

/**
 * The stack and the default providers: the engine's own bookkeeping, owning
 * nothing in Azure (a provider's step records its settings, it calls no API).
 */
function isEngineOwn(urn: string): boolean {
    return urn.includes("::pulumi:pulumi:Stack::") || urn.includes("::pulumi:providers:");
}

function indexOfStep(steps: Step[], urn: string, ops: string[]): number {
    return steps.findIndex((s) => s.urn === urn && ops.includes(s.op));
}

for (const target of TARGETS) {
    describe(`${target.stack} (${target.file}) through the real engine`, { concurrency: false }, () => {
        let keyVault: KeyVaultEndpoint;
        let network: EngineAzure;
        let session: EngineSession;
        let stack: Stack;
        let configFile: string;
        let plan: PlanDocument;
        const opts = (): { configFile: string; onEvent: (e: EngineEvent) => void } => ({ configFile, onEvent: (e) => events.push(e) });
        let events: EngineEvent[] = [];
        /** The events of the first pulumi up, kept for the checks of what it created and in which order. */
        let upEvents: EngineEvent[] = [];
        const steps = (): Step[] => collectSteps(events);

        before(async () => {
            plan = offlinePlan(target.file);
            network = await startEngineAzure();
            keyVault = network.endpoint;
            session = await openSession(network.env);
            ({ stack, configFile } = await openStack(session, target.stack, target.file));
        });
        after(async () => {
            await network?.close();
            session?.close();
        });

        it("pulumi preview runs index.ts and plans a create for every resource the offline plan lists", async () => {
            events = [];
            await stack.preview(opts());
            const planned = new Map(steps().map((s) => [s.urn, s.op]));
            for (const resource of plan.resources) {
                assert.equal(planned.get(resource.urn), "create", `${resource.urn} is not created in the preview`);
            }
            const extra = [...planned.keys()].filter((urn) => !plan.resources.some((r) => r.urn === urn) && !isEngineOwn(urn));
            assert.deepEqual(extra, [], "the preview plans resources the offline plan does not list");
        });

        it("pulumi up creates them in an order that respects dependsOn, with the inputs the plan shows", async () => {
            clearCalls(session);
            events = [];
            const result = await stack.up(opts());
            upEvents = [...events];
            assert.equal(result.summary.result, "succeeded");
            const done = events.flatMap((e) => e.resOutputsEvent ? [e.resOutputsEvent.metadata.urn] : []);
            const started = steps();
            for (const resource of plan.resources) {
                const begin = indexOfStep(started, resource.urn, ["create"]);
                assert.ok(begin >= 0, `${resource.urn} was not created`);
                for (const dep of resource.dependsOn) {
                    const depDone = done.indexOf(dep);
                    const mine = events.findIndex((e) => e.resourcePreEvent?.metadata.urn === resource.urn);
                    const theirs = events.findIndex((e) => e.resOutputsEvent?.metadata.urn === dep);
                    assert.ok(depDone >= 0 && theirs < mine, `${resource.urn} began before its dependency ${dep} was created`);
                }
            }
            const creates = readCalls(session).filter((c) => c.method === "Create" && !c.preview);
            for (const resource of plan.resources.filter((r) => r.type.startsWith("azure-native:"))) {
                const call = creates.find((c) => c.urn === resource.urn);
                assert.ok(call, `the provider was never asked to create ${resource.urn}`);
                assert.deepEqual(comparable(call.inputs), comparable(resource.inputs), `${resource.urn}: the engine sent other inputs than the plan shows`);
            }
            const outputs = await stack.outputs();
            assert.deepEqual(outputs.keyVaultExtension?.value, plan.outputs.keyVaultExtension, "the rendered extension differs from the plan's");
            // Certificate contacts (issue 19): the list the plan shows is the one the vault holds.
            for (const contacts of plan.resources.filter((r) => r.type === CERTIFICATE_CONTACTS_TYPE)) {
                assert.deepEqual(keyVault.contacts(vaultHostOf(outputs.vaultUri.value as string)), contacts.inputs.contacts, "the vault's contacts differ from the plan's");
            }
        });

        // Certificate events (docs/operations.md): Key Vault reports only versions created after the subscription
        // exists, so the engine must finish the subscription before it starts any certificate.
        if (/^\s+batch-cert-rotation:certificateEvents:/m.test(readFileSync(join(PROJECT_DIR, target.file), "utf8"))) {
            it("certificate events: the system topic, then its subscription, are created before any certificate; diagnostic settings on the vault and the Batch account", () => {
                const finished = (type: string): number[] => upEvents.flatMap((e, i) => e.resOutputsEvent?.metadata.type === type ? [i] : []);
                const started = (type: string): number[] => upEvents.flatMap((e, i) => e.resourcePreEvent?.metadata.type === type && e.resourcePreEvent.metadata.op === "create" ? [i] : []);
                const [topicDone] = finished(AZURE_TYPES.systemTopic);
                const [subscriptionStart] = started(AZURE_TYPES.systemTopicEventSubscription);
                const [subscriptionDone] = finished(AZURE_TYPES.systemTopicEventSubscription);
                const certificateStarts = started(CERTIFICATE_TYPE);
                assert.ok(topicDone !== undefined && subscriptionDone !== undefined && certificateStarts.length > 0, "topic, subscription and certificates were created");
                assert.ok(topicDone < subscriptionStart, "the subscription began before its topic existed");
                assert.ok(certificateStarts.every((i) => subscriptionDone < i), "a certificate began before the event subscription existed");
                const settings = readCalls(session).filter((c) => c.method === "Create" && !c.preview && c.type === AZURE_TYPES.diagnosticSetting);
                assert.deepEqual(settings.map((c) => String(c.inputs?.resourceUri).split("/providers/").pop()).sort(),
                    ["Microsoft.Batch/batchAccounts/" + String(plan.outputs.batchAccountName), "Microsoft.KeyVault/vaults/" + String(plan.outputs.vaultName)].sort());
            });
        }

        it("a second pulumi up changes nothing", async () => {
            events = [];
            const result = await stack.up(opts());
            const changes = Object.entries(result.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
            assert.deepEqual(changes, [], "redeploying the same configuration changed resources");
        });

        it("the policy pack, as the analyzer the CLI would start, passes what the engine registered and refuses a versioned secret URL", async () => {
            const { client, stop } = await startPolicyPack();
            try {
                const registered = ((await stack.exportStack()).deployment.resources as { urn: string; type: string; custom?: boolean; inputs?: Record<string, unknown> }[])
                    .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
                const mandatory = async (r: (typeof registered)[number], inputs: Record<string, unknown>) =>
                    (await analyze(client, { type: r.type, name: r.urn.split("::").pop() ?? "", urn: r.urn, properties: inputs }))
                        .filter((d) => d.level === EnforcementLevel.MANDATORY);
                // Secrets in the exported state are ciphertext: the pack sees the plan's placeholder instead.
                for (const r of registered) r.inputs = comparable(r.inputs);
                for (const r of registered) assert.deepEqual(await mandatory(r, r.inputs ?? {}), [], `${r.urn} breaks a mandatory rule`);
                const pool = registered.find((r) => r.type === POOL);
                assert.ok(pool);
                const pinned = JSON.parse(JSON.stringify(pool.inputs).replace(/(\/secrets\/[A-Za-z0-9-]+)(["/])/, "$1/0123456789abcdef0123456789abcdef$2")) as Record<string, unknown>;
                assert.deepEqual((await mandatory(pool, pinned)).map((d) => d.policy), ["kv-extension-versionless-secret-url"]);
            } finally {
                stop();
            }
        });

        it("a tag change, previewed on the deployed stack, plans no replacement of any pool, grant or DNS record", async () => {
            const tags = parseDocument(readFileSync(configFile, "utf8")).getIn(["config", "batch-cert-rotation:tags"]);
            editConfig(configFile, ["batch-cert-rotation:tags", "reviewed"], "yes");
            events = [];
            try {
                await stack.preview(opts());
            } finally {
                editConfig(configFile, ["batch-cert-rotation:tags"], tags ?? {});
            }
            // The preview of the vault's update doesn't know its URI (azure-native Update): nothing that names a
            // replacement may hang on it.
            const updated = steps().filter((s) => s.op === "update").map((s) => s.type);
            assert.ok(updated.includes("azure-native:keyvault:Vault"), `the tag change did not update the vault: ${JSON.stringify(updated)}`);
            const named = new Set([POOL, "azure-native:authorization:RoleAssignment", "azure-native:keyvault:AccessPolicy",
                "azure-native:privatedns:PrivateZone", "azure-native:privatedns:VirtualNetworkLink", "azure-native:network:PrivateDnsZoneGroup",
                "azure-native:network:PrivateEndpoint"]);
            const replaced = steps().filter((s) => named.has(s.type) && ["replace", "create-replacement", "delete-replaced"].includes(s.op));
            // Known limit, documented in docs/pools.md: a pinned pool's replaceOnChanges counts the secret URLs, unknown in
            // this preview, as changed, so the preview shows that pool replaced; `pulumi up` finds them equal.
            const expected = target.pinnedPool ? [...new Set(replaced.filter((s) => s.type === POOL).map((s) => s.urn))] : [];
            assert.deepEqual([...new Set(replaced.map((s) => s.urn))], expected, "a tag change previews replacements that pulumi up won't make");
            if (target.pinnedPool) {
                clearCalls(session);
                events = [];
                editConfig(configFile, ["batch-cert-rotation:tags", "reviewed"], "yes");
                try {
                    await stack.up(opts());
                } finally {
                    editConfig(configFile, ["batch-cert-rotation:tags"], tags ?? {});
                }
                assert.ok(stepsFor(steps(), POOL).every((s) => s.op === "same"), `up replaced the pinned pool: ${JSON.stringify(stepsFor(steps(), POOL))}`);
                await stack.up(opts());
            }
        });

        it("a changed renewal policy updates the certificate in place and no step touches the pool", async () => {
            editConfig(configFile, ["batch-cert-rotation:certificates", 0, "renewal"], { lifetimePercentage: 75 });
            events = [];
            await stack.up(opts());
            const certificateSteps = stepsFor(steps(), CERTIFICATE_TYPE);
            assert.ok(certificateSteps.some((s) => s.op === "update"), `certificate steps: ${JSON.stringify(certificateSteps)}`);
            assert.ok(!certificateSteps.some((s) => s.op === "replace" || s.op === "create-replacement"), "the certificate was replaced");
            assert.ok(stepsFor(steps(), POOL).every((s) => s.op === "same"), `pool steps: ${JSON.stringify(stepsFor(steps(), POOL))}`);
        });

        it("a node count and metadata changed on a pool with nodes go out as Batch's PATCH of those properties alone; azure-native is not asked to update the pool", async () => {
            const pool = target.pools ? ["batch-cert-rotation:pools", target.pools[1]] : ["batch-cert-rotation:pool"];
            editConfig(configFile, [...pool, "targetDedicatedNodes"], 3);
            editConfig(configFile, [...pool, "metadata"], { costCenter: "cc-42" });
            network.arm.calls.splice(0);
            clearCalls(session);
            events = [];
            await stack.up(opts());
            assert.ok(stepsFor(steps(), POOL).every((s) => s.op === "same"), `pool steps: ${JSON.stringify(stepsFor(steps(), POOL))}`);
            // The stand-in refuses azure-native's whole-body PUT to a pool with nodes, as Batch does: no Update may reach it.
            assert.deepEqual(readCalls(session).filter((c) => c.method === "Update" && c.type === POOL), []);
            const patches = network.arm.calls.filter((c) => c.method === "PATCH");
            assert.equal(patches.length, 1, JSON.stringify(network.arm.calls));
            const body = patches[0].body as { properties: Record<string, unknown> };
            assert.deepEqual(Object.keys(body.properties).sort(), ["metadata", "scaleSettings"]);
            assert.deepEqual(body.properties.metadata, [{ name: "costCenter", value: "cc-42" }]);
            assert.equal(patches[0].status, 200);
            assert.equal(nodeCount(session.azureModel, patches[0].path), 3);
            assert.ok(stepsFor(steps(), POOL_SETTINGS_TYPE).some((s) => s.op === "update"));
        });

        if (target.pools) {
            const autoscaled = target.pools[0];
            it(`pool "${autoscaled}": a changed autoscale formula and start task go out as one PATCH of those two; the pool is not replaced`, async () => {
                const pool = ["batch-cert-rotation:pools", autoscaled];
                editConfig(configFile, [...pool, "autoScale", "formula"], "$TargetDedicatedNodes = 2;");
                editConfig(configFile, [...pool, "startTask", "commandLine"], "/bin/sh -c 'mkdir -p /mnt/batch/shared'");
                network.arm.calls.splice(0);
                clearCalls(session);
                events = [];
                await stack.up(opts());
                assert.ok(stepsFor(steps(), POOL).every((s) => s.op === "same"), `pool steps: ${JSON.stringify(stepsFor(steps(), POOL))}`);
                assert.deepEqual(readCalls(session).filter((c) => c.method === "Update" && c.type === POOL), []);
                const patches = network.arm.calls.filter((c) => c.method === "PATCH");
                assert.equal(patches.length, 1, JSON.stringify(network.arm.calls));
                const body = patches[0].body as { properties: { scaleSettings?: { autoScale?: { formula?: string } }; startTask?: { commandLine?: string } } };
                assert.deepEqual(Object.keys(body.properties).sort(), ["scaleSettings", "startTask"]);
                assert.equal(body.properties.scaleSettings?.autoScale?.formula, "$TargetDedicatedNodes = 2;");
                assert.equal(body.properties.startTask?.commandLine, "/bin/sh -c 'mkdir -p /mnt/batch/shared'");
                assert.equal(patches[0].status, 200);
            });
        }

        it(target.pinnedPool
            ? "a changed extension setting replaces the pinned-name pool, deleting the old one first"
            : "a changed extension setting replaces the pool, creating the new one before deleting the old", async () => {
            editConfig(configFile, ["batch-cert-rotation:keyVaultExtension", "pollingIntervalInS"], 600);
            clearCalls(session);
            events = [];
            await stack.up(opts());
            const poolSteps = stepsFor(steps(), POOL);
            const created = poolSteps.findIndex((s) => s.op === "create-replacement");
            const deleted = poolSteps.findIndex((s) => s.op === "delete-replaced");
            assert.ok(created >= 0 && deleted >= 0, `the pool was not replaced: ${JSON.stringify(poolSteps)}`);
            if (target.pinnedPool) assert.ok(deleted < created, "a pinned pool name was created twice: the old pool must go first");
            else assert.ok(created < deleted, "the new pool must exist before the old one is deleted");
            // The stand-in answers as azure-native does: delete-first for the new poolName. Create-first above is the
            // program's explicit deleteBeforeReplace: false overriding it, not a provider that happened to agree.
            // (A pinned pool's replacement is the program's replaceOnChanges: azure-native finds none itself.)
            if (!target.pinnedPool) {
                const poolDiffs = readCalls(session).filter((c) => c.method === "Diff" && c.type === POOL && (c.diff?.replaces.length ?? 0) > 0);
                assert.ok(poolDiffs.length > 0 && poolDiffs.every((c) => c.diff?.deleteBeforeReplace === true),
                    `azure-native's answer for the pool: ${JSON.stringify(poolDiffs.map((c) => c.diff))}`);
            }
            // The pool's PATCHed settings follow it to the new pool.
            assert.ok(stepsFor(steps(), POOL_SETTINGS_TYPE).some((s) => s.op === "create-replacement"), "the settings did not follow the new pool");
            const others = steps().filter((s) => ![POOL, POOL_SETTINGS_TYPE, COMPONENT_TYPE].includes(s.type) && !isEngineOwn(s.urn));
            assert.ok(others.every((s) => s.op === "same"), `other resources changed: ${JSON.stringify(others.filter((s) => s.op !== "same"))}`);
        });

        if (target.pools) {
            const [changed, other] = target.pools;
            it(`a changed extension setting of pool "${changed}" replaces that pool alone; pool "${other}" sees no step`, async () => {
                editConfig(configFile, ["batch-cert-rotation:pools", changed, "keyVaultExtension", "pollingIntervalInS"], 900);
                events = [];
                await stack.up(opts());
                const poolSteps = stepsFor(steps(), POOL);
                const of = (key: string) => poolSteps.filter((s) => s.urn.endsWith(`::certpool-pool-${key}`));
                assert.ok(of(changed).some((s) => s.op === "create-replacement"), `pool ${changed} was not replaced: ${JSON.stringify(of(changed))}`);
                assert.ok(of(other).every((s) => s.op === "same"), `pool ${other} was touched: ${JSON.stringify(of(other))}`);
            });
        }

        it("simulated renewal: refresh records the new version and thumbprint, and the next preview plans nothing for the pool", async () => {
            const before = (await stack.exportStack()).deployment.resources.find((r: { type: string }) => r.type === CERTIFICATE_TYPE);
            const name = before.outputs.name as string;
            await keyVault.renew(name, vaultHostOf(before.outputs.vaultUri as string));
            await stack.refresh({ configFile });
            const after = (await stack.exportStack()).deployment.resources.find((r: { type: string }) => r.type === CERTIFICATE_TYPE);
            assert.notEqual(after.outputs.version, before.outputs.version);
            assert.notEqual(after.outputs.thumbprint, before.outputs.thumbprint);
            events = [];
            await stack.preview(opts());
            assert.ok(steps().every((s) => s.op === "same"), `steps after a renewal: ${JSON.stringify(steps().filter((s) => s.op !== "same"))}`);
        });

        it("refresh after the certificate was deleted out of band leaves the state, and the next up creates it again", async () => {
            const resource = (await stack.exportStack()).deployment.resources.find((r: { type: string }) => r.type === CERTIFICATE_TYPE);
            await keyVault.deleteOutOfBand(resource.outputs.name as string, vaultHostOf(resource.outputs.vaultUri as string));
            await stack.refresh({ configFile });
            const refreshed = (await stack.exportStack()).deployment.resources.filter((r: { type: string }) => r.type === CERTIFICATE_TYPE);
            assert.equal(refreshed.length, plan.resources.filter((r) => r.type === CERTIFICATE_TYPE).length - 1);
            events = [];
            await stack.up(opts());
            assert.ok(stepsFor(steps(), CERTIFICATE_TYPE).some((s) => s.op === "create"), "the deleted certificate was not created again");
        });

        it("the exported state, secrets shown, holds no private key, PFX or PEM key block", async () => {
            const state = JSON.stringify(await stack.exportStack());
            assert.doesNotMatch(state, /PRIVATE KEY/);
            assert.doesNotMatch(state, /MII[A-Za-z0-9+/]{200,}/, "base64 DER/PFX material in the state");
            for (const secret of keyVault.issuedSecretValues()) assert.ok(!state.includes(secret.slice(0, 64)), "a secret value the vault issued is in the state");
        });

        if (target.vaultLock) {
            it("the Batch account uses the customer-managed key: Batch's PATCH set its encryption to the versionless key URL", () => {
                const encryption = plan.resources.find((r) => r.type === ACCOUNT_ENCRYPTION_TYPE);
                assert.ok(encryption);
                const account = loadModel(session.azureModel).resources[String(encryption.inputs.accountId).toLowerCase()];
                assert.deepEqual((account?.body.properties as { encryption?: unknown }).encryption,
                    { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyIdentifier: encryption.inputs.keyIdentifier } });
                assert.deepEqual(account?.body.identity, { type: "SystemAssigned" });
            });

            it("pulumi destroy meets the vault's lock: it fails before deleting anything, naming the lock and how to lift it", async () => {
                // The engine's own bookkeeping aside: a provider that no resource uses (azuread, only invoked) goes in the first round.
                const owned = async () => ((await stack.exportStack()).deployment.resources as { urn: string }[]).map((r) => r.urn).filter((u) => !isEngineOwn(u));
                const before = await owned();
                const model = JSON.stringify(loadModel(session.azureModel));
                let stderr = "";
                await stack.destroy({ configFile }).then(() => assert.fail("destroy went through a locked vault"),
                    (err: unknown) => { stderr = String((err as { stderr?: string }).stderr ?? err); });
                const lock = plan.resources.find((r) => r.type === AZURE_TYPES.managementLock);
                assert.ok(lock);
                const urn = lock.urn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
                assert.match(stderr, new RegExp(`resource "${urn}" cannot be deleted\\s+because it is protected`));
                assert.match(stderr, /pulumi state unprotect/);
                assert.deepEqual(await owned(), before, "destroy deleted part of the stack");
                assert.equal(JSON.stringify(loadModel(session.azureModel)), model, "destroy changed Azure");
            });

            it("the lock is lifted as its notes say: pulumi state unprotect", () => {
                const lock = plan.resources.find((r) => r.type === AZURE_TYPES.managementLock);
                assert.ok(lock);
                const lifted = cli(session, ["state", "unprotect", lock.urn, "--yes", "--stack", target.stack]);
                assert.equal(lifted.code, 0, lifted.stderr);
            });
        }

        it("pulumi destroy removes everything; the certificates are soft-deleted", async () => {
            const certificates = (await stack.exportStack()).deployment.resources
                .filter((r: { type: string }) => r.type === CERTIFICATE_TYPE) as { outputs: { name: string; vaultUri: string } }[];
            events = [];
            await stack.destroy(opts());
            const lock = plan.resources.find((r) => r.type === AZURE_TYPES.managementLock);
            if (lock) {
                // The lock depends on everything of the stack under the vault: the engine deletes it before any of them.
                const deletes = steps().filter((s) => s.op === "delete");
                const lockDeleted = deletes.findIndex((s) => s.urn === lock.urn);
                assert.ok(lockDeleted >= 0, "the lock was not deleted");
                for (const dep of lock.dependsOn) {
                    const i = deletes.findIndex((s) => s.urn === dep);
                    assert.ok(i < 0 || i > lockDeleted, `${dep} was deleted before the lock`);
                }
            }
            const remaining = (await stack.exportStack()).deployment.resources ?? [];
            assert.deepEqual(remaining.filter((r: { type: string }) => r.type !== "pulumi:pulumi:Stack"), []);
            for (const { outputs } of certificates) {
                assert.ok(keyVault.isSoftDeleted(outputs.name, vaultHostOf(outputs.vaultUri)), `${outputs.name} is not soft-deleted`);
                // The stack owned the vault's contacts (issue 19): destroy deletes them.
                assert.equal(keyVault.contacts(vaultHostOf(outputs.vaultUri)), undefined, "the vault's certificate contacts outlived the stack");
            }
        });
    });
}
