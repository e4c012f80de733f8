// The Batch account's customer-managed key, set by the provider as `pulumi up`
// runs it: serialized, served by Pulumi's dynamic-provider process, on
// @azure/arm-batch with the default credential, reaching a loopback Resource
// Manager through the loopback proxy. The account lives in the model of Azure
// the azure-native stand-in keeps, which refuses a key for an account without
// a system-assigned identity (the Batch spec's rule).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
    type AccountEncryptionInputs,
    type AccountEncryptionOptions,
    type AccountEncryptionOutputs,
    defaultAccountClientFactory,
    makeAccountEncryptionProvider,
} from "../components/accountEncryptionProvider";
import { getResource, patchAccount, putResource } from "./engine/standin/azureModel";
import type { ArmEndpoint } from "./support/armEndpoint";
import { type ShippedArmProvider, startShippedArmProvider } from "./support/shippedArmProvider";
import type { ShippedProvider } from "./support/shippedProvider";

const ACCOUNTS = "/subscriptions/272d4431-d5de-5e67-80ea-484f51dabce8/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts";
const KEY = "https://kv-one.vault.azure.net/keys/batch-account-encryption";
const SHORT: Partial<AccountEncryptionOptions> = {
    requestTimeoutMs: 2_000,
    retry: { maxAttempts: 2, maxTotalWaitMs: 200, initialDelayMs: 20, maxDelayMs: 50 },
};

const encryptionOf = (model: string, id: string) => (getResource(model, id).body.properties as { encryption?: unknown }).encryption;

void describe("the account encryption provider as shipped, against a loopback Resource Manager", () => {
    let model: string;
    let arm: ArmEndpoint;
    let provider: ShippedProvider<AccountEncryptionInputs, AccountEncryptionOutputs>;
    let shipped: ShippedArmProvider<AccountEncryptionInputs, AccountEncryptionOutputs>;
    let accounts = 0;

    /** An account as the azure-native stand-in creates it, with or without its system-assigned identity. */
    function account(systemAssigned: boolean): AccountEncryptionInputs {
        const accountId = `${ACCOUNTS}/acct${++accounts}`;
        putResource(model, accountId, { location: "westus2", ...(systemAssigned ? { identity: { type: "SystemAssigned" } } : {}),
            properties: { poolAllocationMode: "BatchService" } });
        return { accountId, armEndpoint: "https://management.azure.com", keyIdentifier: KEY };
    }

    before(async () => {
        shipped = await startShippedArmProvider(makeAccountEncryptionProvider(defaultAccountClientFactory, SHORT), "account-encryption-");
        ({ model, arm, provider } = shipped);
    });
    after(async () => {
        await shipped?.close();
    });

    void it("create PATCHes the account's encryption alone to the versionless key; a second apply sends nothing", async () => {
        const inputs = account(true);
        const created = await provider.create(inputs);
        assert.equal(created.id, `${inputs.accountId}/encryption`);
        const patches = arm.calls.filter((c) => c.method === "PATCH" && c.path === inputs.accountId);
        assert.deepEqual(patches.map((c) => [c.apiVersion, c.body, c.status]), [["2024-07-01",
            { properties: { encryption: { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyIdentifier: KEY } } } }, 200]]);
        await provider.update(created.id, inputs, inputs);
        assert.equal(arm.calls.filter((c) => c.method === "PATCH" && c.path === inputs.accountId).length, 1, "an account already on the key was PATCHed again");
    });

    void it("refresh shows a key changed outside Pulumi; delete sets the account back to Microsoft-managed keys", async () => {
        const inputs = account(true);
        await provider.create(inputs);
        assert.equal(patchAccount(model, inputs.accountId, { properties: { encryption: { keySource: "Microsoft.Batch" } } }).status, 200);
        const read = await provider.read(`${inputs.accountId}/encryption`, inputs);
        assert.equal(read.props?.keyIdentifier, "");
        assert.deepEqual(await provider.diff("id", read.props as AccountEncryptionOutputs, inputs), { changes: true, replaces: [] });

        await provider.update("id", inputs, inputs);
        await provider.delete("id", inputs);
        assert.deepEqual(encryptionOf(model, inputs.accountId), { keySource: "Microsoft.Batch" });
        // An account already gone (its resource group deleted) is nothing to give back.
        await provider.delete("id", { ...inputs, accountId: `${ACCOUNTS}/never-created` });
    });

    void it("Batch's refusal reaches the user in one line naming the account, the key, the answer and the fix", async () => {
        const inputs = account(false);
        await assert.rejects(provider.create(inputs), (err: Error) => {
            assert.match(err.message, new RegExp(`^set encryption of Batch account "acct${accounts}" to the key ${KEY}: Batch answered 400 InvalidRequestBody: .*` +
                "Fix: Batch reads the key with the account's system-assigned identity: check that it holds get, wrapKey and unwrapKey on the key"));
            assert.doesNotMatch(err.message, /\n/);
            return true;
        });
    });
});
