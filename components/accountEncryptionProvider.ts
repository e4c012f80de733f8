// The dynamic provider behind BatchAccountEncryption: points the Batch account
// the stack created at its customer-managed key with Batch's own Batch
// Account - Update, a PATCH of `encryption` alone, as the documented flow does
// it (MicrosoftDocs azure-docs articles/batch/batch-customer-managed-key.md:
// create the account with a system-assigned identity, grant that identity on
// the key, then update the account with keySource Microsoft.KeyVault and the
// key identifier). The account can't be created with the key: its identity
// exists only once the account does, and the stack's vault is created after
// the account.
//
// Delete sets the account back to Microsoft-managed keys (the same doc's FAQ:
// "You can set the encryption type of the Batch Account back to Microsoft
// managed key at any time"), before the stack deletes the key or its grant;
// an account already gone is nothing to do.
//
// Pulumi runs this from its closure serialization, as the pool settings
// provider: SDKs are require()d inside function bodies, only plain data,
// functions and plain named Errors are used. Tests run it as shipped
// (test/accountEncryption.test.ts).
import type * as pulumi from "@pulumi/pulumi";
import type { BatchAccount, BatchManagementClient } from "@azure/arm-batch";
import { type BatchRetryOptions, batchManagementClient, callBatch, explainBatchFailure } from "./batchManagement";
import { isRetryExhausted, statusCodeOf } from "./retry";

export interface AccountEncryptionInputs {
    /** The Batch account's ARM ID. */
    accountId: string;
    /** Resource Manager of the account's cloud. */
    armEndpoint: string;
    /** The versionless key URL (`https://<vault>/keys/<name>`): Batch then follows the key's current version. */
    keyIdentifier: string;
}

export type AccountEncryptionOutputs = AccountEncryptionInputs;

/** The calls the provider makes; a real BatchManagementClient's `batchAccountOperations` satisfies it. */
export type AccountClientLike = Pick<BatchManagementClient["batchAccountOperations"], "get" | "update">;

export interface AccountEncryptionOptions {
    requestTimeoutMs: number;
    retry: BatchRetryOptions;
}

export const DEFAULT_ACCOUNT_ENCRYPTION_OPTIONS: AccountEncryptionOptions = {
    requestTimeoutMs: 60_000,
    retry: { maxAttempts: 8, maxTotalWaitMs: 5 * 60_000, initialDelayMs: 5_000, maxDelayMs: 60_000 },
};

export type AccountClientFactory = (armEndpoint: string, subscriptionId: string, options: AccountEncryptionOptions) => AccountClientLike;

export interface AccountIdParts {
    subscriptionId: string;
    resourceGroupName: string;
    accountName: string;
}

export function parseAccountId(id: string): AccountIdParts {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Batch\/batchAccounts\/([^/]+)$/i.exec(id);
    if (!m) throw new Error(`${JSON.stringify(id)} is not a Batch account's ARM ID (/subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.Batch/batchAccounts/<a>)`);
    return { subscriptionId: m[1], resourceGroupName: m[2], accountName: m[3] };
}

/** The account operations of Batch's management client (batchManagement.ts). */
export function defaultAccountClientFactory(armEndpoint: string, subscriptionId: string, options: AccountEncryptionOptions): AccountClientLike {
    return batchManagementClient(armEndpoint, subscriptionId, options.requestTimeoutMs).batchAccountOperations;
}

/** The PATCH body that points the account at the key. */
export function customerManagedEncryption(keyIdentifier: string): { keySource: "Microsoft.KeyVault"; keyVaultProperties: { keyIdentifier: string } } {
    return { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyIdentifier } };
}

/** Whether the account already uses that key (Key Vault URLs compare case-insensitively, with or without a trailing slash). */
export function usesKey(account: Pick<BatchAccount, "encryption">, keyIdentifier: string): boolean {
    const norm = (u: string | undefined) => (u ?? "").toLowerCase().replace(/\/+$/, "");
    return account.encryption?.keySource === "Microsoft.KeyVault" &&
        norm(account.encryption.keyVaultProperties?.keyIdentifier) === norm(keyIdentifier);
}

export function makeAccountEncryptionProvider(
    clientFactory: AccountClientFactory = defaultAccountClientFactory,
    options: Partial<AccountEncryptionOptions> = {},
): pulumi.dynamic.ResourceProvider<AccountEncryptionInputs, AccountEncryptionOutputs> {
    const resolve = (): AccountEncryptionOptions => ({ ...DEFAULT_ACCOUNT_ENCRYPTION_OPTIONS, ...options });

    async function apply(inputs: AccountEncryptionInputs): Promise<AccountEncryptionOutputs> {
        const opts = resolve();
        const id = parseAccountId(inputs.accountId);
        const where = `encryption of Batch account "${id.accountName}"`;
        const client = clientFactory(inputs.armEndpoint, id.subscriptionId, opts);
        try {
            const account: BatchAccount = await call(opts, `read ${where}`, () => client.get(id.resourceGroupName, id.accountName));
            if (usesKey(account, inputs.keyIdentifier)) return inputs;
            await call(opts, `update ${where}`, () => client.update(id.resourceGroupName, id.accountName,
                { encryption: customerManagedEncryption(inputs.keyIdentifier) }));
            return inputs;
        } catch (err) {
            throw explain(`set ${where} to the key ${inputs.keyIdentifier}`, inputs.armEndpoint, err);
        }
    }

    return {
        async create(inputs) {
            return { id: `${inputs.accountId}/encryption`, outs: await apply(inputs) };
        },

        async read(id, props) {
            if (props === undefined) {
                throw new Error(`read ${id}: no prior state to read from; declare the account's key in the program and run \`pulumi up\` instead`);
            }
            const opts = resolve();
            const parts = parseAccountId(props.accountId);
            const client = clientFactory(props.armEndpoint, parts.subscriptionId, opts);
            try {
                const account: BatchAccount = await call(opts, `read Batch account "${parts.accountName}"`,
                    () => client.get(parts.resourceGroupName, parts.accountName));
                // What the account uses now, so a refresh shows a key changed or removed outside Pulumi.
                const observed = account.encryption?.keySource === "Microsoft.KeyVault"
                    ? account.encryption.keyVaultProperties?.keyIdentifier ?? "" : "";
                return { id, props: { ...props, keyIdentifier: usesKey(account, props.keyIdentifier) ? props.keyIdentifier : observed } };
            } catch (err) {
                if (statusCodeOf(err) === 404) return { id: "", props: undefined };
                throw explain(`read the encryption of Batch account "${parts.accountName}"`, props.armEndpoint, err);
            }
        },

        async diff(_id, olds, news) {
            // Another account is another resource: its encryption is set before the old one's is given back.
            if (olds.accountId.toLowerCase() !== news.accountId.toLowerCase()) return { changes: true, replaces: ["accountId"], deleteBeforeReplace: false };
            const changes = olds.keyIdentifier !== news.keyIdentifier || olds.armEndpoint !== news.armEndpoint;
            return { changes, replaces: [] };
        },

        async update(_id, _olds, news) {
            return { outs: await apply(news) };
        },

        async delete(_id, props) {
            const opts = resolve();
            const parts = parseAccountId(props.accountId);
            const where = `encryption of Batch account "${parts.accountName}"`;
            const client = clientFactory(props.armEndpoint, parts.subscriptionId, opts);
            try {
                await call(opts, `update ${where}`, () => client.update(parts.resourceGroupName, parts.accountName,
                    { encryption: { keySource: "Microsoft.Batch" } }));
            } catch (err) {
                // The account is gone (deleted with its resource group, or outside Pulumi): nothing is encrypted any more.
                if (statusCodeOf(isRetryExhausted(err) ? err.lastError : err) === 404) return;
                throw explain(`set ${where} back to Microsoft-managed keys`, props.armEndpoint, err);
            }
        },
    };
}

function call<T>(opts: AccountEncryptionOptions, operation: string, fn: () => Promise<T>): Promise<T> {
    return callBatch(opts.retry, operation, "the account's region", fn);
}

/** Every error leaving the provider names the account, the key, the cause and the fix, in one line. */
function explain(operation: string, armEndpoint: string, err: unknown): unknown {
    return explainBatchFailure("AccountEncryptionError", operation, armEndpoint, err, (status) =>
        status === 404 ? "the account no longer exists (deleted outside Pulumi); run `pulumi refresh`, then `pulumi up`"
            : status === 403 || status === 401 ? "the deployer needs the right to update the Batch account (Contributor on it, or Microsoft.Batch/batchAccounts/write)"
                : "Batch reads the key with the account's system-assigned identity: check that it holds get, wrapKey and unwrapKey on the key " +
                    "(a new grant can take minutes to apply), that the vault has soft delete and purge protection, and rerun `pulumi up`");
}
