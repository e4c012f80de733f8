// The platform interfaces that protect what the stack creates: management locks
// (AVM `lock`) on the vault and on the Batch account the stack creates, and a
// customer-managed key (AVM `customerManagedKey`) for that Batch account. Their
// fields, rules and descriptions; schema.ts places them in the configuration.

import { type At, bool, int, isPlainObject, object, oneOf, type OutputOf, str } from "./kit";

/** Key Vault key names (keys.json 2024-11-01, Keys_CreateIfNotExist keyName). */
const KEY_NAME = /^[a-zA-Z0-9-]{1,127}$/;
export const CMK_KEY_SIZES = [2048, 3072, 4096] as const;
/** Key Vault key rotation: a rotation at least 7 days after creation and 7 days before expiry (how-to-configure-key-rotation.md). */
export const KEY_ROTATION_MIN_DAYS = 7;
/** The longest interval accepted here: ten years, beyond any key policy anyone asks for. */
const MAX_DAYS = 3650;

export const vaultLockField = bool({
    docs: {
        description: "A `CanNotDelete` management lock on the vault the stack creates (AVM `lock`): nobody deletes the vault " +
            "(portal, CLI or `pulumi destroy`) until the lock is lifted, and the stack's `pulumi destroy` stops before deleting " +
            "anything (see docs/operations.md#locks). Certificates renew and change as before: a lock covers Azure Resource " +
            "Manager operations only, not the vault's data plane.",
    },
    default: false,
});

const customerManagedKeySchema = object({
    keyName: str({
        docs: { description: "The key the stack creates in its vault for the Batch account's encryption." },
        default: "batch-account-encryption",
        pattern: [KEY_NAME, "must be 1-127 letters, digits and '-'"],
    }),
    keySize: oneOf(CMK_KEY_SIZES, { docs: { description: "RSA key size in bits." }, default: 3072 }),
    rotateAfterDays: int({
        docs: { description: "Key Vault rotates the key (a new version) this many days after each version is created." },
        range: [KEY_ROTATION_MIN_DAYS, MAX_DAYS],
        default: 365,
    }),
    expiresAfterDays: int({
        docs: {
            description: "Expiry Key Vault gives each rotated version, in days after its creation; must leave at least " +
                `${KEY_ROTATION_MIN_DAYS} days after \`rotateAfterDays\`.`,
        },
        range: [28, MAX_DAYS],
        default: 730,
    }),
    notifyBeforeExpiryDays: int({
        docs: { description: "Key Vault's near-expiry event (`Microsoft.KeyVault.KeyNearExpiry`) comes this many days before a version expires." },
        range: [KEY_ROTATION_MIN_DAYS, MAX_DAYS],
        default: 30,
    }),
}, {
    docs: {
        description: "Encrypt the Batch account's data with a key in the stack's vault (AVM `customerManagedKey`; Checkov CKV_AZURE_76, " +
            "Azure Policy 99e9ccd8): the account gets a system-assigned identity, which is granted get, wrapKey and unwrapKey on " +
            "the key alone, and the account is pointed at the versionless key URL. Key Vault rotates the key by its rotation " +
            "policy. `{}` turns it on with the defaults. Needs `keyVault.purgeProtection: true`.",
        shownDefault: "off",
    },
    relations: [
        (cmk, at) => {
            if (cmk.rotateAfterDays !== undefined && cmk.expiresAfterDays !== undefined &&
                cmk.expiresAfterDays - cmk.rotateAfterDays < KEY_ROTATION_MIN_DAYS) {
                at.key("rotateAfterDays").fail(cmk.rotateAfterDays,
                    `must come at least ${KEY_ROTATION_MIN_DAYS} days before expiresAfterDays ${cmk.expiresAfterDays} ` +
                    "(Key Vault's rotation policy rule); rotate sooner or expire later");
            }
            if (cmk.notifyBeforeExpiryDays !== undefined && cmk.expiresAfterDays !== undefined &&
                cmk.notifyBeforeExpiryDays >= cmk.expiresAfterDays) {
                at.key("notifyBeforeExpiryDays").fail(cmk.notifyBeforeExpiryDays,
                    `must be shorter than expiresAfterDays ${cmk.expiresAfterDays}, or the notice comes before the version exists`);
            }
        },
    ],
});

export const createdBatchAccountSchema = object({
    lock: bool({
        docs: {
            description: "A `CanNotDelete` lock on the Batch account the stack creates. Locks are inherited: Azure then refuses to " +
                "delete any of its pools, so replacing a pool (create-first: the old pool's delete is refused), removing one, " +
                "and `pulumi destroy` all fail until the lock is lifted. Off in every shipped stack; it warns when on.",
        },
        default: false,
    }),
    customerManagedKey: customerManagedKeySchema,
}, {
    docs: {
        description: "Settings of the Batch account the stack creates (without `batchAccount`); refused with an adopted account.",
    },
    default: {},
});

/** The account lock blocks what this program does to pools; said once, at validation, where it is turned on. */
export const ACCOUNT_LOCK_WARNING = "blocks every pool delete under the account (locks are inherited): a pool replacement " +
    "creates the new pool and then fails deleting the old one with ScopeLocked, and removing a pool fails; lift the lock " +
    "before such a change (docs/operations.md#locks)";

/** Rules between these settings and the rest of the configuration (the root's relations). */
export function checkProtectionRelations(
    config: {
        keyVault?: { id?: string; purgeProtection?: boolean; lock?: boolean };
        createdBatchAccount?: { lock?: boolean; customerManagedKey?: unknown };
    },
    at: At,
    raw: Record<string, unknown>,
): void {
    const kv = config.keyVault;
    if (kv?.lock === true && kv.id !== undefined) {
        at.key("keyVault").key("lock").fail(true,
            "applies only to a vault the stack creates; lock an adopted vault (keyVault.id) where it is managed");
    }
    const given = raw.createdBatchAccount;
    const adopted = isPlainObject(raw.batchAccount) && Object.keys(raw.batchAccount).length > 0;
    if (adopted && isPlainObject(given) && Object.keys(given).length > 0) {
        at.key("createdBatchAccount").problem(
            "applies only to the Batch account the stack creates, and batchAccount adopts one; remove one of them");
        return;
    }
    const account = config.createdBatchAccount;
    if (account?.customerManagedKey !== undefined && kv !== undefined && kv.id === undefined && kv.purgeProtection === false) {
        at.key("createdBatchAccount").key("customerManagedKey").problem(
            "needs keyVault.purgeProtection: true (Batch takes a key only from a vault with soft delete and purge protection)");
    }
    if (account?.lock === true) at.key("createdBatchAccount").key("lock").warn(true, ACCOUNT_LOCK_WARNING);
}

export type CreatedBatchAccountSpec = OutputOf<typeof createdBatchAccountSchema>;
export type CustomerManagedKeySpec = OutputOf<typeof customerManagedKeySchema>;
