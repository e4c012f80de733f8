// Adoption and redeploys through the real engine, against the stand-ins' model
// of Azure (test/engine/standin/azureModel.ts): a vault adopted with access
// policies it already has, the deployer changing, and `pulumi destroy` then
// `pulumi up` on one stack. One session and the dev stack's file, reused.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { FAKE_DEPLOYER_OBJECT_ID, FAKE_SUBSCRIPTION_ID, FAKE_TENANT_ID } from "../../tools/plan/answers";
import { collectSteps, type EngineSession, openSession, openStack, stepsFor } from "./harness";
import { type EngineAzure, startEngineAzure } from "./keyvault";
import { loadModel, saveModel } from "./standin/azureModel";
import { STANDIN_DEPLOYER_OBJECT_ID_ENV } from "./standin/provider";

const ACCESS_POLICY = "azure-native:keyvault:AccessPolicy";
const ADOPTED_VAULT = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared-portal`;

function editConfig(file: string, path: (string | number)[], value: unknown): void {
    const doc = parseDocument(readFileSync(file, "utf8"));
    doc.setIn(["config", ...path], value);
    writeFileSync(file, doc.toString());
}

/** The error a failed operation printed, which a user reads: one line naming the cause, no stack trace. */
async function failure(run: () => Promise<unknown>): Promise<string> {
    try {
        await run();
    } catch (err) {
        return String((err as { stderr?: string }).stderr ?? err);
    }
    assert.fail("the operation succeeded");
}

describe("adoption and redeploys through the real engine", { concurrency: false }, () => {
    let keyVault: EngineAzure;
    let session: EngineSession;

    before(async () => {
        keyVault = await startEngineAzure();
        session = await openSession(keyVault.env);
    });
    after(async () => {
        await keyVault?.close();
        session?.close();
    });

    describe("a vault adopted by ID whose access policies already cover the deployer", { concurrency: false }, () => {
        let stack: Stack;
        let configFile: string;
        before(async () => {
            ({ stack, configFile } = await openStack(session, "adopted", "Pulumi.dev.yaml"));
            editConfig(configFile, ["batch-cert-rotation:keyVault"], { id: ADOPTED_VAULT, authorization: "accessPolicy" });
            // As a vault made in the portal: its creator, the deployer, already has a policy.
            const model = loadModel(session.azureModel);
            model.resources[ADOPTED_VAULT.toLowerCase()] = { id: ADOPTED_VAULT, body: { location: "westus2", properties: {
                tenantId: FAKE_TENANT_ID, accessPolicies: [{ tenantId: FAKE_TENANT_ID, objectId: FAKE_DEPLOYER_OBJECT_ID,
                    permissions: { certificates: ["all"], secrets: ["all"] } }] } } };
            saveModel(session.azureModel, model);
        });

        it("without the switch, up fails as azure-native does, in one line naming the existing policy", async () => {
            const stderr = await failure(() => stack.up({ configFile }));
            assert.match(stderr, new RegExp(`cannot create already existing resource "${ADOPTED_VAULT}/accessPolicy/${FAKE_DEPLOYER_OBJECT_ID}"`));
            assert.doesNotMatch(stderr, /^\s+at /m, "a stack trace reached the user");
        });

        it("with keyVault.existingAccessPolicies: [deployer], up deploys and leaves that policy alone", async () => {
            editConfig(configFile, ["batch-cert-rotation:keyVault", "existingAccessPolicies"], ["deployer"]);
            const events: EngineEvent[] = [];
            const result = await stack.up({ configFile, onEvent: (e) => events.push(e) });
            assert.equal(result.summary.result, "succeeded");
            const policies = stepsFor(collectSteps(events), ACCESS_POLICY);
            assert.ok(policies.every((s) => !s.urn.endsWith("deployer-access")), JSON.stringify(policies));
            await stack.destroy({ configFile });
            const kept = (loadModel(session.azureModel).resources[ADOPTED_VAULT.toLowerCase()].body.properties as { accessPolicies: { objectId: string }[] });
            assert.deepEqual(kept.accessPolicies.map((p) => p.objectId), [FAKE_DEPLOYER_OBJECT_ID], "destroy took away a policy the stack never made");
        });
    });

    describe("the dev stack: deployer changed, then destroy and up", { concurrency: false }, () => {
        let stack: Stack;
        let configFile: string;
        before(async () => {
            ({ stack, configFile } = await openStack(session, "dev", "Pulumi.dev.yaml"));
            await stack.up({ configFile });
        });

        it("a different deployer (a person, then CI) replaces the deployer's access policy, deleting the old one first", async () => {
            (stack.workspace as LocalWorkspace).envVars[STANDIN_DEPLOYER_OBJECT_ID_ENV] = "0b9c7a52-1d2e-4f60-8a7b-9c0d1e2f3a4b";
            try {
                const events: EngineEvent[] = [];
                await stack.up({ configFile, onEvent: (e) => events.push(e) });
                const steps = collectSteps(events).filter((s) => s.urn.endsWith("deployer-access"));
                const created = steps.findIndex((s) => s.op === "create-replacement");
                const deleted = steps.findIndex((s) => s.op === "delete-replaced");
                assert.ok(created >= 0 && deleted >= 0 && deleted < created, `deployer policy steps: ${JSON.stringify(steps)}`);
            } finally {
                delete (stack.workspace as LocalWorkspace).envVars[STANDIN_DEPLOYER_OBJECT_ID_ENV];
            }
        });

        it("destroy then up meets the soft-deleted vault: one line naming the resource, why, and both fixes; keyVault.recover brings it back", async () => {
            await stack.up({ configFile });
            await stack.destroy({ configFile });
            const stderr = await failure(() => stack.up({ configFile }));
            assert.match(stderr, /already exists in deleted state\. You need to either recover or purge existing key vault/);
            // Azure's message doesn't carry the vault's name; the engine's line names the resource that failed.
            assert.match(stderr, /azure-native:keyvault:Vault certpool-vault \*\*creating failed\*\* error: Status=409/);
            assert.doesNotMatch(stderr, /^\s+at /m, "a stack trace reached the user");
            editConfig(configFile, ["batch-cert-rotation:keyVault", "recover"], true);
            const result = await stack.up({ configFile });
            assert.equal(result.summary.result, "succeeded");
            assert.deepEqual(loadModel(session.azureModel).deletedVaults, {});
        });
    });

    describe("a lock on the Batch account (createdBatchAccount.lock) meets a pool replacement", { concurrency: false }, () => {
        let stack: Stack;
        let configFile: string;
        before(async () => {
            ({ stack, configFile } = await openStack(session, "account-locked", "Pulumi.dev.yaml"));
            // The dev stack's file as the checkout has it: the describe above turned recover on in the session's copy.
            editConfig(configFile, ["batch-cert-rotation:keyVault", "recover"], false);
            editConfig(configFile, ["batch-cert-rotation:createdBatchAccount"], { lock: true });
        });

        it("up warns once that the lock blocks pool deletes, and deploys", async () => {
            const events: EngineEvent[] = [];
            const result = await stack.up({ configFile, onEvent: (e) => events.push(e) });
            assert.equal(result.summary.result, "succeeded");
            const warnings = events.flatMap((e) => e.diagnosticEvent?.severity === "warning" ? [e.diagnosticEvent.message] : []);
            assert.equal(warnings.filter((w) => w.includes("createdBatchAccount.lock: true blocks every pool delete")).length, 1, JSON.stringify(warnings));
        });

        it("a create-first replacement creates the new pool, then Azure refuses the old one's delete: ScopeLocked names the account", async () => {
            editConfig(configFile, ["batch-cert-rotation:keyVaultExtension", "pollingIntervalInS"], 600);
            // This stack's pools: the session's Azure also holds the dev stack's.
            const pools = () => Object.values(loadModel(session.azureModel).resources)
                .filter((r) => /\/resourceGroups\/rg-batch-cert-rotation-account-locked\/.*\/pools\/[^/]+$/i.test(r.id)).length;
            assert.equal(pools(), 1);
            const stderr = await failure(() => stack.up({ configFile }));
            assert.match(stderr, /Status=409 Code="ScopeLocked" Message="The scope '[^']+\/pools\/[^']+' cannot perform delete operation because following scope\(s\) are locked: '[^']+\/batchAccounts\/[^']+'\. Please remove the lock and try again\."/);
            assert.doesNotMatch(stderr, /^\s+at /m, "a stack trace reached the user");
            assert.equal(pools(), 2, "the new pool exists and the old one stays");
        });

        it("the account's destroy stops at its lock, protected, before deleting anything", async () => {
            // A provider no resource uses (azuread, only invoked) is the engine's own and may go in the first round.
            const owned = async () => ((await stack.exportStack()).deployment.resources as { urn: string }[])
                .map((r) => r.urn).filter((u) => !u.includes("::pulumi:providers:"));
            const before = await owned();
            const stderr = await failure(() => stack.destroy({ configFile }));
            assert.match(stderr, /azure-native:authorization:ManagementLockByScope::batch-account-lock" cannot be deleted\s+because it is protected/);
            assert.deepEqual(await owned(), before);
        });
    });
});
