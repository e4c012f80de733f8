// The engine suite's stand-ins apply azure-native's and Azure's rules, each
// with its source (test/engine/standin/azureNative.ts, azureModel.ts): one test
// per rule, so a stand-in that drifts into our own expectations fails here.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { AZURE_TYPES } from "../components/azureFacts";
import { FAKE_SUBSCRIPTION_ID } from "../tools/plan/answers";
import {
    accessPolicyId, deleteResource, getResource, loadModel, nodeCount, patchAccount, patchPool, putResource, saveModel, VAULT_IN_DELETED_STATE,
} from "./engine/standin/azureModel";
import {
    createInModel, diffInputs, previewCreateOutputs, previewUpdateOutputs, UNKNOWN, updateInModel,
} from "./engine/standin/azureNative";

const RG = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg`;
const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/kv-one`;
const POOL_INPUTS = {
    resourceGroupName: "rg", accountName: "acct", poolName: "pool-a", vmSize: "Standard_D2s_v5",
    deploymentConfiguration: { virtualMachineConfiguration: { nodeAgentSkuId: "batch.node.ubuntu 24.04" } },
    scaleSettings: { fixedScale: { targetDedicatedNodes: 1, resizeTimeout: "PT15M" } },
};

describe("azure-native's diff, as the stand-in answers it", () => {
    it("a changed URL path parameter (poolName) replaces, and azure-native asks for delete-first", () => {
        const d = diffInputs(AZURE_TYPES.pool, POOL_INPUTS, { ...POOL_INPUTS, poolName: "pool-b" });
        assert.deepEqual(d.replaces, ["poolName"]);
        assert.equal(d.deleteBeforeReplace, true);
    });
    it("a change that replaces nothing updates in place, deleteBeforeReplace false", () => {
        const d = diffInputs(AZURE_TYPES.pool, POOL_INPUTS, { ...POOL_INPUTS, vmSize: "Standard_D4s_v5" });
        assert.deepEqual([d.changes, d.replaces, d.deleteBeforeReplace], [true, [], false]);
    });
    it("no change: no diff", () => {
        assert.deepEqual(diffInputs(AZURE_TYPES.pool, POOL_INPUTS, { ...POOL_INPUTS }).changes, false);
    });
    it("an unknown new value counts as a change", () => {
        const d = diffInputs(AZURE_TYPES.pool, POOL_INPUTS, { ...POOL_INPUTS, poolName: UNKNOWN });
        assert.deepEqual(d.replaces, ["poolName"]);
    });
    it("force-new: a role assignment's principalId and scope replace, delete-first", () => {
        const ra = { scope: VAULT, roleAssignmentName: "g", principalId: "p1", roleDefinitionId: "r" };
        for (const [k, v] of [["principalId", "p2"], ["scope", `${VAULT}2`]] as const) {
            const d = diffInputs(AZURE_TYPES.roleAssignment, ra, { ...ra, [k]: v });
            assert.ok(d.replaces.includes(k) && d.deleteBeforeReplace, k);
        }
    });
    it("force-new: a private endpoint's subnet replaces; its location does not", () => {
        const pe = { resourceGroupName: "rg", privateEndpointName: "pe", location: "westeurope", subnet: { id: "s1" } };
        assert.deepEqual(diffInputs(AZURE_TYPES.privateEndpoint, pe, { ...pe, subnet: { id: "s2" } }).replaces, ["subnet"]);
        assert.deepEqual(diffInputs(AZURE_TYPES.privateEndpoint, pe, { ...pe, location: "northeurope" }).replaces, []);
    });
    it("create-only: a private DNS zone's and link's location replace", () => {
        const zone = { resourceGroupName: "rg", privateZoneName: "z", location: "global" };
        assert.deepEqual(diffInputs(AZURE_TYPES.privateZone, zone, { ...zone, location: "westeurope" }).replaces, ["location"]);
        const link = { ...zone, virtualNetworkLinkName: "l" };
        assert.deepEqual(diffInputs(AZURE_TYPES.virtualNetworkLink, link, { ...link, location: "westeurope" }).replaces, ["location"]);
    });
    it("create-only: a system topic's location replaces; a subscription's destination and a diagnostic setting's logs update", () => {
        const topic = { resourceGroupName: "rg", systemTopicName: "t", location: "westus2", source: VAULT, topicType: "Microsoft.KeyVault.vaults" };
        assert.deepEqual(diffInputs(AZURE_TYPES.systemTopic, topic, { ...topic, location: "eastus" }).replaces, ["location"]);
        const sub = { resourceGroupName: "rg", systemTopicName: "t", eventSubscriptionName: "s", destination: { endpointType: "EventHub", resourceId: "h1" } };
        const moved = diffInputs(AZURE_TYPES.systemTopicEventSubscription, sub, { ...sub, destination: { endpointType: "EventHub", resourceId: "h2" } });
        assert.deepEqual([moved.changes, moved.replaces], [true, []]);
        assert.deepEqual(diffInputs(AZURE_TYPES.systemTopicEventSubscription, sub, { ...sub, systemTopicName: "t2" }).replaces, ["systemTopicName"]);
        const setting = { resourceUri: VAULT, name: "d", workspaceId: "w", logs: [{ categoryGroup: "audit", enabled: true }] };
        assert.deepEqual(diffInputs(AZURE_TYPES.diagnosticSetting, setting, { ...setting, logs: [{ categoryGroup: "allLogs", enabled: true }] }).replaces, []);
        assert.deepEqual(diffInputs(AZURE_TYPES.diagnosticSetting, setting, { ...setting, resourceUri: `${VAULT}2` }).replaces, ["resourceUri"]);
    });
    it("a vault's location is not force-new (an update, which ARM refuses)", () => {
        const v = { resourceGroupName: "rg", vaultName: "kv", location: "westus2", properties: {} };
        assert.deepEqual(diffInputs(AZURE_TYPES.vault, v, { ...v, location: "eastus" }).replaces, []);
    });
    it("an access policy's objectId is in its path: a new one replaces, delete-first; new permissions update", () => {
        const ap = { resourceGroupName: "rg", vaultName: "kv", policy: { tenantId: "t", objectId: "o1", permissions: { secrets: ["get"] } } };
        const moved = diffInputs(AZURE_TYPES.accessPolicy, ap, { ...ap, policy: { ...ap.policy, objectId: "o2" } });
        assert.deepEqual([moved.replaces, moved.deleteBeforeReplace], [["policy"], true]);
        const widened = diffInputs(AZURE_TYPES.accessPolicy, ap, { ...ap, policy: { ...ap.policy, permissions: { secrets: ["get", "list"] } } });
        assert.deepEqual([widened.changes, widened.replaces], [true, []]);
    });
});

describe("azure-native's preview outputs", () => {
    const answered = { vaultName: "kv", location: "westus2", tags: { a: "b" }, name: "kv", properties: { tenantId: "t", vaultUri: "https://kv.vault.azure.net/" } };
    it("of a create: inputs carried over, every computed output unknown", () => {
        const out = previewCreateOutputs({ vaultName: "kv", location: "westus2", tags: { a: "b" }, properties: { tenantId: "t" } }, answered);
        assert.equal(out.name, UNKNOWN);
        assert.deepEqual(out.properties, { tenantId: "t", vaultUri: UNKNOWN });
    });
    it("of an update: the new inputs, name and location from the old state, every other output unknown", () => {
        const out = previewUpdateOutputs({ vaultName: "kv", location: "westus2", tags: { a: "c" }, properties: { tenantId: "t" } }, answered,
            { name: "kv", location: "westus2", properties: { vaultUri: "https://kv.vault.azure.net/" } });
        assert.equal(out.name, "kv");
        assert.deepEqual(out.tags, { a: "c" });
        assert.equal((out.properties as { vaultUri: string }).vaultUri, UNKNOWN);
    });
});

describe("the Azure model", () => {
    let dir: string;
    let model: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "azure-model-"));
        model = join(dir, "model.json");
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("azure-native refuses to create what exists: cannot create already existing resource", () => {
        const id = createInModel(model, AZURE_TYPES.pool, POOL_INPUTS);
        assert.ok(id?.endsWith("/batchAccounts/acct/pools/pool-a"));
        assert.throws(() => createInModel(model, AZURE_TYPES.pool, POOL_INPUTS), { message: `cannot create already existing resource "${id}"` });
    });

    it("a pool has its targetDedicatedNodes after create; Batch refuses a PUT of its unchanged body, naming the property", () => {
        const id = createInModel(model, AZURE_TYPES.pool, POOL_INPUTS) ?? "";
        assert.equal(nodeCount(model, id), 1);
        const refused = putResource(model, id, { properties: getResource(model, id).body.properties });
        assert.equal(refused.status, 400);
        const error = (refused.body as { error: { code: string; message: string; target: string } }).error;
        assert.equal(error.code, "PropertyCannotBeUpdated");
        assert.match(error.message, new RegExp(`^The property '${error.target}' cannot be updated`));
        assert.ok(["vmSize", "deploymentConfiguration"].includes(error.target));
        assert.throws(() => updateInModel(model, AZURE_TYPES.pool, { ...POOL_INPUTS, scaleSettings: { fixedScale: { targetDedicatedNodes: 2 } } }),
            /Status=400 Code="PropertyCannotBeUpdated"/);
    });

    it("a pool of zero nodes takes a PUT of every property", () => {
        const empty = { ...POOL_INPUTS, scaleSettings: { fixedScale: { targetDedicatedNodes: 0, resizeTimeout: "PT15M" } } };
        createInModel(model, AZURE_TYPES.pool, empty);
        updateInModel(model, AZURE_TYPES.pool, { ...empty, vmSize: "Standard_D4s_v5" });
    });

    it("a PATCH of the updatable properties reaches a pool with nodes; any other is refused", () => {
        const id = createInModel(model, AZURE_TYPES.pool, POOL_INPUTS) ?? "";
        const ok = patchPool(model, id, { properties: { scaleSettings: { fixedScale: { targetDedicatedNodes: 3 } }, metadata: [{ name: "a", value: "b" }] } });
        assert.equal(ok.status, 200);
        assert.equal(nodeCount(model, id), 3);
        assert.equal(patchPool(model, id, { properties: { vmSize: "Standard_D8s_v5" } }).status, 400);
    });

    it("a deleted vault keeps its name: a new vault of that name gets 409 until it is recovered", () => {
        const vault = { resourceGroupName: "rg", vaultName: "kv-one", location: "westus2", properties: { tenantId: "t", enableSoftDelete: true } };
        createInModel(model, AZURE_TYPES.vault, vault);
        assert.equal(deleteResource(model, VAULT).status, 200);
        const again = putResource(model, VAULT, { location: "westus2", properties: { tenantId: "t" } });
        assert.deepEqual(again, { status: 409, body: { error: { code: "ConflictError", message: VAULT_IN_DELETED_STATE } } });
        assert.throws(() => createInModel(model, AZURE_TYPES.vault, vault), /Status=409 .*already exists in deleted state/);
        createInModel(model, AZURE_TYPES.vault, { ...vault, properties: { ...vault.properties, createMode: "recover" } });
        assert.equal(getResource(model, VAULT).status, 200);
        assert.deepEqual(loadModel(model).deletedVaults, {});
    });

    it("createMode recover is refused when no deleted vault of that name exists", () => {
        assert.equal(putResource(model, VAULT, { properties: { createMode: "recover" } }).status, 404);
    });

    it("an access policy that already exists for the objectId: azure-native's create is refused", () => {
        const m = loadModel(model);
        m.resources[VAULT.toLowerCase()] = { id: VAULT, body: { properties: { accessPolicies: [{ tenantId: "t", objectId: "o1", permissions: {} }] } } };
        saveModel(model, m);
        const policy = { resourceGroupName: "rg", vaultName: "kv-one", policy: { tenantId: "t", objectId: "o1", permissions: { secrets: ["get"] } } };
        assert.throws(() => createInModel(model, AZURE_TYPES.accessPolicy, policy),
            { message: `cannot create already existing resource "${accessPolicyId(VAULT, "o1")}"` });
        assert.ok(createInModel(model, AZURE_TYPES.accessPolicy, { ...policy, policy: { ...policy.policy, objectId: "o2" } }));
        assert.equal(deleteResource(model, accessPolicyId(VAULT, "o2")).status, 200);
        assert.equal(getResource(model, accessPolicyId(VAULT, "o2")).status, 404);
    });

    it("an access policy on a vault that doesn't exist is refused", () => {
        const policy = { resourceGroupName: "rg", vaultName: "kv-none", policy: { tenantId: "t", objectId: "o1", permissions: {} } };
        assert.throws(() => createInModel(model, AZURE_TYPES.accessPolicy, policy), /Status=404/);
    });

    it("ARM refuses a second role assignment of one principal, role and scope under another name", () => {
        const ra = { scope: VAULT, roleAssignmentName: "11111111-1111-1111-1111-111111111111", principalId: "p", roleDefinitionId: "r", principalType: "ServicePrincipal" };
        createInModel(model, AZURE_TYPES.roleAssignment, ra);
        assert.throws(() => createInModel(model, AZURE_TYPES.roleAssignment, { ...ra, roleAssignmentName: "22222222-2222-2222-2222-222222222222" }),
            /Code="RoleAssignmentExists"/);
    });

    it("Event Grid allows one system topic per source: a second topic on the vault is refused", () => {
        const topic = (name: string) => `${RG}/providers/Microsoft.EventGrid/systemTopics/${name}`;
        const body = { location: "westus2", properties: { source: VAULT, topicType: "Microsoft.KeyVault.vaults" } };
        assert.equal(putResource(model, topic("one"), body).status, 201);
        assert.equal(putResource(model, topic("one"), body).status, 200, "the same topic updates");
        const refused = putResource(model, topic("two"), body);
        assert.equal(refused.status, 400);
        assert.match(String((refused.body.error as { message: string }).message), /Only one system topic is allowed per source/);
    });
    it("deleting a resource group deletes what it holds, leaving its vaults soft-deleted", () => {
        createInModel(model, AZURE_TYPES.vault, { resourceGroupName: "rg", vaultName: "kv-one", location: "westus2", properties: {} });
        createInModel(model, AZURE_TYPES.pool, POOL_INPUTS);
        deleteResource(model, RG);
        assert.deepEqual(Object.keys(loadModel(model).resources), []);
        assert.ok(loadModel(model).deletedVaults["kv-one"]);
    });

    describe("management locks", () => {
        const lockVault = () => createInModel(model, AZURE_TYPES.managementLock, { scope: VAULT, lockName: "kv-lock", level: "CanNotDelete", notes: "n" });
        const vaultAndLock = () => {
            createInModel(model, AZURE_TYPES.vault, { resourceGroupName: "rg", vaultName: "kv-one", location: "westus2", properties: {} });
            return lockVault();
        };

        it("a CanNotDelete lock refuses the delete of its scope with 409 ScopeLocked, naming the locked scope", () => {
            vaultAndLock();
            assert.deepEqual(deleteResource(model, VAULT), { status: 409, body: { error: { code: "ScopeLocked",
                message: `The scope '${VAULT}' cannot perform delete operation because following scope(s) are locked: '${VAULT}'. Please remove the lock and try again.` } } });
            assert.equal(getResource(model, VAULT).status, 200);
        });

        it("it is inherited: a role assignment at the vault's scope is refused too; an access policy's removal (a PUT) is not", () => {
            vaultAndLock();
            const assignment = `${VAULT}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-00000000000a`;
            putResource(model, assignment, { properties: { principalId: "p", roleDefinitionId: "r" } });
            assert.equal(deleteResource(model, assignment).status, 409);
            putResource(model, accessPolicyId(VAULT, "obj"), { properties: { objectId: "obj", tenantId: "t", permissions: {} } });
            assert.equal(deleteResource(model, accessPolicyId(VAULT, "obj")).status, 200);
        });

        it("a pool under a locked Batch account can't be deleted: a create-first replacement's old pool stays", () => {
            const pool = createInModel(model, AZURE_TYPES.pool, POOL_INPUTS);
            assert.ok(pool);
            const account = pool.replace(/\/pools\/[^/]+$/, "");
            createInModel(model, AZURE_TYPES.managementLock, { scope: account, lockName: "acct-lock", level: "CanNotDelete" });
            const refused = deleteResource(model, pool);
            assert.equal(refused.status, 409);
            assert.match(String((refused.body.error as { message: string }).message), new RegExp(`following scope\\(s\\) are locked: '${account}'`));
        });

        it("a resource group holding a locked resource is not deleted at all", () => {
            vaultAndLock();
            createInModel(model, AZURE_TYPES.pool, POOL_INPUTS);
            assert.equal(deleteResource(model, RG).status, 409);
            assert.equal(Object.keys(loadModel(model).resources).length, 3, "a partial delete");
        });

        it("the lock itself is deleted, and then its scope is", () => {
            const lock = vaultAndLock();
            assert.ok(lock);
            assert.equal(deleteResource(model, lock).status, 200);
            assert.equal(deleteResource(model, VAULT).status, 200);
        });
    });

    it("Batch Account - Update sets the encryption of an account with a system-assigned identity only", () => {
        const account = `${RG}/providers/Microsoft.Batch/batchAccounts/acct`;
        const encryption = { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyIdentifier: "https://kv-one.vault.azure.net/keys/k" } };
        putResource(model, account, { location: "westus2", properties: { poolAllocationMode: "BatchService" } });
        assert.equal(patchAccount(model, account, { properties: { encryption } }).status, 400);
        putResource(model, account, { location: "westus2", identity: { type: "SystemAssigned" }, properties: { poolAllocationMode: "BatchService" } });
        assert.equal(patchAccount(model, account, { properties: { encryption } }).status, 200);
        assert.deepEqual(getResource(model, account).body.properties, { poolAllocationMode: "BatchService", encryption });
    });
});
