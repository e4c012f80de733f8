// Locks and the Batch account's customer-managed key: their configuration
// rules (each refusal in one line naming the field, the value and the rule),
// what the program registers for them, and the requests the plan renders.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateConfig } from "../components/validation";
import { ACCOUNT_LOCK_WARNING } from "../components/config/protection";
import { customerManagedEncryption, parseAccountId, usesKey } from "../components/accountEncryptionProvider";
import { days, rotationPolicy } from "../components/accountEncryption";
import { lockName, lockNotes } from "../components/locks";
import { renderRequest } from "../tools/plan/render";
import { AZURE_TYPES } from "../components/azureFacts";
import { checkCall, loadBoundSpecs, SPEC_BINDINGS } from "../tools/swagger/planRequests";
import { fixturePath } from "./fixtures";
import { planStack } from "../tools/plan/run";
import { ACCOUNT_ENCRYPTION_TYPE } from "../components/azureFacts";
import { problems } from "./support/refusal";

const ADOPTED_VAULT = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-adopted";

function base(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        keyVault: { authorization: "rbac" },
        certificates: [{ name: "authcert", subject: "CN=batch.example.com", validityInMonths: 12, renewal: { daysBeforeExpiry: 30 } }],
        pool: {
            vmSize: "Standard_D2s_v5",
            image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
            nodeAgentSkuId: "batch.node.ubuntu 24.04",
        },
        ...extra,
    };
}

describe("lock configuration", () => {
    it("defaults to no locks, and takes keyVault.lock and createdBatchAccount.lock", () => {
        const { config } = validateConfig(base());
        assert.equal(config.keyVault.lock, false);
        assert.deepEqual(config.createdBatchAccount, { lock: false, customerManagedKey: undefined });
        const locked = validateConfig(base({ keyVault: { authorization: "rbac", lock: true } })).config;
        assert.equal(locked.keyVault.lock, true);
    });

    it("refuses a lock on an adopted vault and a non-boolean lock, naming the field", () => {
        assert.deepEqual(problems(base({ keyVault: { id: ADOPTED_VAULT, lock: true } })), [
            "keyVault.lock: true applies only to a vault the stack creates; lock an adopted vault (keyVault.id) where it is managed",
        ]);
        assert.deepEqual(problems(base({ keyVault: { lock: "yes" } })), [
            'keyVault.lock: "yes" must be true or false (a YAML boolean, not a string)',
        ]);
    });

    it("warns that a lock on the Batch account blocks pool replacement", () => {
        const { warnings } = validateConfig(base({ createdBatchAccount: { lock: true } }));
        assert.deepEqual(warnings, [`createdBatchAccount.lock: true ${ACCOUNT_LOCK_WARNING}`]);
    });

    it("refuses settings for a created account when the stack adopts one", () => {
        assert.deepEqual(problems(base({ batchAccount: { name: "adopted1", resourceGroupName: "rg" }, createdBatchAccount: { lock: true } })), [
            "createdBatchAccount: applies only to the Batch account the stack creates, and batchAccount adopts one; remove one of them",
        ]);
    });

    it("names the lock after its owner and says in its notes how it is lifted", () => {
        assert.equal(lockName("certpool-vault"), "certpool-vault-lock");
        assert.match(lockNotes("vault", "batch-cert-rotation", "prod"), /^Set by the Pulumi stack batch-cert-rotation\/prod so that the vault is not deleted\. .*pulumi state unprotect/);
    });
});

describe("customer-managed key configuration", () => {
    it("resolves {} to the defaults: a 3072-bit key rotated yearly, versions expiring after two years", () => {
        const { config } = validateConfig(base({ createdBatchAccount: { customerManagedKey: {} } }));
        assert.deepEqual(config.createdBatchAccount.customerManagedKey, {
            keyName: "batch-account-encryption", keySize: 3072, rotateAfterDays: 365, expiresAfterDays: 730, notifyBeforeExpiryDays: 30,
        });
    });

    it("refuses every bad value in one line naming the field", () => {
        const cmk = (fields: Record<string, unknown>) => problems(base({ createdBatchAccount: { customerManagedKey: fields } }));
        assert.deepEqual(cmk({ keySize: 1024 }), ["createdBatchAccount.customerManagedKey.keySize: 1024 is not one of 2048, 3072, 4096"]);
        assert.deepEqual(cmk({ keyName: "bad_name" }), ['createdBatchAccount.customerManagedKey.keyName: "bad_name" must be 1-127 letters, digits and \'-\'']);
        assert.deepEqual(cmk({ rotateAfterDays: 3 }), ["createdBatchAccount.customerManagedKey.rotateAfterDays: 3 is outside 7..3650"]);
        assert.deepEqual(cmk({ rotateAfterDays: 360, expiresAfterDays: 365 }), [
            "createdBatchAccount.customerManagedKey.rotateAfterDays: 360 must come at least 7 days before expiresAfterDays 365 " +
            "(Key Vault's rotation policy rule); rotate sooner or expire later",
        ]);
        assert.deepEqual(cmk({ notifyBeforeExpiryDays: 730 }), [
            "createdBatchAccount.customerManagedKey.notifyBeforeExpiryDays: 730 must be shorter than expiresAfterDays 730, or the notice comes before the version exists",
        ]);
        assert.deepEqual(cmk({ keySise: 2048 }), ['createdBatchAccount.customerManagedKey.keySise: unknown key; did you mean "keySize"?']);
    });

    it("needs purge protection on the vault the stack creates", () => {
        assert.deepEqual(problems(base({ keyVault: { authorization: "rbac", purgeProtection: false }, createdBatchAccount: { customerManagedKey: {} } })), [
            "createdBatchAccount.customerManagedKey: needs keyVault.purgeProtection: true (Batch takes a key only from a vault with soft delete and purge protection)",
        ]);
    });

    it("gives the key Key Vault's rotation policy: rotate after creation, notify before expiry, expire", () => {
        assert.equal(days(365), "P365D");
        assert.deepEqual(rotationPolicy({ keyName: "k", keySize: 3072, rotateAfterDays: 365, expiresAfterDays: 730, notifyBeforeExpiryDays: 30 }), {
            lifetimeActions: [
                { trigger: { timeAfterCreate: "P365D" }, action: { type: "rotate" } },
                { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "notify" } },
            ],
            attributes: { expiryTime: "P730D" },
        });
    });
});

describe("account encryption request", () => {
    const accountId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/acct";

    it("PATCHes the account's encryption alone, to the versionless key", () => {
        assert.deepEqual(renderRequest("pulumi-nodejs:dynamic/batch-cert-rotation:BatchAccountEncryption",
            { accountId, armEndpoint: "https://management.azure.com/", keyIdentifier: "https://kv.vault.azure.net/keys/k" }, "s"), {
            method: "PATCH",
            url: `https://management.azure.com${accountId}?api-version=2024-07-01`,
            body: { properties: { encryption: { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyIdentifier: "https://kv.vault.azure.net/keys/k" } } } },
        });
        assert.deepEqual(customerManagedEncryption("u"), { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyIdentifier: "u" } });
    });

    it("recognises an account already on the key, and parses only account IDs", () => {
        assert.equal(usesKey({ encryption: customerManagedEncryption("https://KV.vault.azure.net/keys/k/") }, "https://kv.vault.azure.net/keys/k"), true);
        assert.equal(usesKey({ encryption: { keySource: "Microsoft.Batch" } }, "https://kv.vault.azure.net/keys/k"), false);
        assert.deepEqual(parseAccountId(accountId), { subscriptionId: "s", resourceGroupName: "rg", accountName: "acct" });
        assert.throws(() => parseAccountId(`${accountId}/pools/p`), /is not a Batch account's ARM ID/);
    });

    it("renders a lock as a PUT at its scope with level and notes under properties", () => {
        assert.deepEqual(renderRequest("azure-native:authorization:ManagementLockByScope",
            { scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", lockName: "l", level: "CanNotDelete", notes: "n" }, "s"), {
            method: "PUT",
            url: "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Authorization/locks/l?api-version=2020-05-01",
            body: { properties: { level: "CanNotDelete", notes: "n" } },
        });
    });
});

describe("the key's and the lock's requests against their specs (oav)", () => {
    const keyInputs = (properties: Record<string, unknown>) => ({ resourceGroupName: "rg", vaultName: "kv-one", keyName: "batch-account-encryption", properties });
    const bindingOf = (type: string) => {
        const binding = SPEC_BINDINGS.find((b) => b.resourceType === type);
        assert.ok(binding, `no binding for ${type}`);
        return binding;
    };
    const check = async (type: string, inputs: Record<string, unknown>) => {
        const request = renderRequest(type, inputs, "00000000-0000-0000-0000-000000000001");
        assert.ok(request);
        const specs = await loadBoundSpecs(fixturePath("specs"), [bindingOf(type)]);
        return checkCall(specs, bindingOf(type), request);
    };

    it("the component's key, with its rotation policy, is a valid Keys_CreateIfNotExist; a wrong action type is not", async () => {
        const properties = { kty: "RSA", keySize: 3072, keyOps: ["wrapKey", "unwrapKey"],
            rotationPolicy: rotationPolicy({ keyName: "k", keySize: 3072, rotateAfterDays: 365, expiresAfterDays: 730, notifyBeforeExpiryDays: 30 }) };
        assert.deepEqual(await check(AZURE_TYPES.key, keyInputs(properties)), []);
        const broken = { ...properties, rotationPolicy: { lifetimeActions: [{ trigger: { timeAfterCreate: "P1D" }, action: { type: "Rotate-now" } }] } };
        const problems = await check(AZURE_TYPES.key, keyInputs(broken));
        assert.equal(problems.length, 1, JSON.stringify(problems));
        assert.match(problems[0], /Rotate-now/);
    });

    it("the component's lock is a valid ManagementLocks_CreateOrUpdateByScope; a level of the wrong type is not", async () => {
        const scope = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one";
        assert.deepEqual(await check(AZURE_TYPES.managementLock, { scope, lockName: "l", level: "CanNotDelete", notes: "n" }), []);
        assert.equal((await check(AZURE_TYPES.managementLock, { scope, lockName: "l", level: 1 })).length, 1);
    });
});

describe("the prod plan", () => {
    it("protects the vault's lock, which depends on every other resource of the component, so a destroy meets it first and alone", async () => {
        const plan = await planStack({ stack: "prod" });
        const lock = plan.resources.find((r) => r.type === AZURE_TYPES.managementLock);
        assert.ok(lock, "prod has no vault lock");
        assert.equal(lock.options.protect, true);
        assert.match(String(lock.inputs.scope), /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/);
        const children = plan.resources.filter((r) => r.parent === lock.parent && r.urn !== lock.urn && r.request !== undefined);
        // Every sibling is a dependency of the lock, directly or through one that is.
        const reach = new Set<string>(lock.dependsOn);
        let grew = true;
        while (grew) {
            grew = false;
            for (const r of plan.resources) {
                if (!reach.has(r.urn)) continue;
                for (const d of r.dependsOn) if (!reach.has(d)) { reach.add(d); grew = true; }
            }
        }
        assert.deepEqual(children.filter((r) => !reach.has(r.urn)).map((r) => r.name), []);
        assert.equal(plan.resources.filter((r) => r.type === AZURE_TYPES.managementLock).length, 1, "prod locks the Batch account too");
    });

    it("encrypts the created account with the key in its vault, granted to the account's identity on the key alone", async () => {
        const plan = await planStack({ stack: "prod" });
        const account = plan.resources.find((r) => r.type === AZURE_TYPES.batchAccount);
        assert.deepEqual(account?.inputs.identity, { type: "SystemAssigned" });
        const encryption = plan.resources.find((r) => r.type === ACCOUNT_ENCRYPTION_TYPE);
        assert.match(String(encryption?.inputs.keyIdentifier), /^https:\/\/[^/]+\/keys\/batch-account-encryption$/);
        const grant = plan.resources.find((r) => r.name === "certpool-account-key-user");
        assert.match(String(grant?.inputs.scope), /\/vaults\/[^/]+\/keys\/batch-account-encryption$/);
        assert.match(String(grant?.inputs.roleDefinitionId), /e147488a-f6f5-4113-8e2d-b22465e65bf6$/);
    });

    it("dev stays minimal: no lock, no key, an account without identity", async () => {
        const plan = await planStack({ stack: "dev" });
        assert.deepEqual(plan.resources.filter((r) => [AZURE_TYPES.managementLock, AZURE_TYPES.key, ACCOUNT_ENCRYPTION_TYPE].includes(r.type)), []);
        assert.equal(plan.resources.find((r) => r.type === AZURE_TYPES.batchAccount)?.inputs.identity, undefined);
    });
});
