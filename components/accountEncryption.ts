// The customer-managed key of the Batch account the stack creates (AVM
// `customerManagedKey`): a key in the stack's vault with Key Vault's own
// rotation policy, the account's system-assigned identity granted exactly what
// Batch's encryption needs on that key alone, and the account pointed at the
// key's versionless URL (accountEncryptionProvider.ts PATCHes it).
//
// Facts it rests on: the Batch management spec 2024-07-01 (KeyVaultProperties:
// the key identifier may be versionless; the account needs a system-assigned
// identity granted Key get, wrap and unwrap; the vault needs soft delete and
// purge protection) and MicrosoftDocs azure-docs
// articles/batch/batch-customer-managed-key.md (the order: account with
// identity, grant, then update the account). Key Vault rotation policy:
// articles/key-vault/keys/how-to-configure-key-rotation.md.
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { ACCOUNT_ENCRYPTION_RESOURCE, CERTIFICATE_MODULE, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER } from "./azureFacts";
import { type AccountEncryptionInputs, makeAccountEncryptionProvider } from "./accountEncryptionProvider";
import { roleDefinitionId } from "./access";
import { deterministicGuid } from "./naming";
import type { CustomerManagedKeySpec, VaultAuthorization } from "./types";

export { KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER };

/** What the account's identity may do with the key in access-policy mode: the three permissions Batch's doc names. */
export const ACCOUNT_KEY_PERMISSIONS = ["get", "wrapKey", "unwrapKey"] as const;
/** The operations the key permits: Batch wraps and unwraps its data keys with it, nothing else. */
export const ACCOUNT_KEY_OPERATIONS = ["wrapKey", "unwrapKey"] as const;

// One provider object for all instances: its closure is what Pulumi serializes.
const provider = makeAccountEncryptionProvider();

/** Type token: `pulumi-nodejs:dynamic/batch-cert-rotation:BatchAccountEncryption`. */
export class BatchAccountEncryption extends pulumi.dynamic.Resource {
    public readonly accountId!: pulumi.Output<string>;
    public readonly keyIdentifier!: pulumi.Output<string>;

    constructor(name: string, args: { [K in keyof AccountEncryptionInputs]: pulumi.Input<AccountEncryptionInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { accountId: args.accountId, armEndpoint: args.armEndpoint, keyIdentifier: args.keyIdentifier },
            opts, CERTIFICATE_MODULE, ACCOUNT_ENCRYPTION_RESOURCE);
    }
}

/** ISO 8601 days, as Key Vault's rotation policy takes its times. */
export function days(n: number): string {
    return `P${n}D`;
}

export interface KeyRotationPolicy {
    lifetimeActions: { trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string }; action: { type: "rotate" | "notify" } }[];
    attributes: { expiryTime: string };
}

/** The key's rotation policy: rotate `rotateAfterDays` after each version's creation, expire and notify as configured. */
export function rotationPolicy(spec: CustomerManagedKeySpec): KeyRotationPolicy {
    return {
        lifetimeActions: [
            { trigger: { timeAfterCreate: days(spec.rotateAfterDays) }, action: { type: "rotate" } },
            { trigger: { timeBeforeExpiry: days(spec.notifyBeforeExpiryDays) }, action: { type: "notify" } },
        ],
        attributes: { expiryTime: days(spec.expiresAfterDays) },
    };
}

export interface AccountEncryptionArgs {
    spec: CustomerManagedKeySpec;
    authorization: VaultAuthorization;
    vault: { id: pulumi.Input<string>; name: pulumi.Input<string>; resourceGroupName: pulumi.Input<string>; tenantId: pulumi.Input<string>; key: string };
    account: { id: pulumi.Input<string>; principalId: pulumi.Input<string>; key: string };
    armEndpoint: pulumi.Input<string>;
    /** What must exist before the key can be created (the deployer's grants, the vault's private endpoint). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

export interface AccountEncryptionResources {
    key: keyvault.Key;
    grant: pulumi.CustomResource;
    encryption: BatchAccountEncryption;
}

export function createAccountEncryption(name: string, args: AccountEncryptionArgs, parent: pulumi.Resource): AccountEncryptionResources {
    const { spec } = args;
    // Created through Resource Manager (Keys - Create If Not Exist), so neither the vault's firewall nor a disabled
    // public network access stands in the way, as they would for the data plane.
    const key = new keyvault.Key(`${name}-cmk`, {
        keyName: spec.keyName,
        vaultName: args.vault.name,
        resourceGroupName: args.vault.resourceGroupName,
        properties: {
            kty: "RSA",
            keySize: spec.keySize,
            keyOps: [...ACCOUNT_KEY_OPERATIONS],
            rotationPolicy: rotationPolicy(spec),
        },
        // Never deleted by the stack: Resource Manager has no key delete, so azure-native deletes keys through the vault's
        // data plane (pulumi-azure-native#354), which the deployer's grants don't cover and a private vault may not let it
        // reach. The key goes with the vault on destroy; with the key turned off it stays, for data it still protects.
    }, { parent, dependsOn: args.dependsOn, retainOnDelete: true });

    const keyScope = pulumi.interpolate`${args.vault.id}/keys/${spec.keyName}`;
    // The account's principal is unknown in the preview of any update of the account (a tag change: azure-native's
    // preview of an update knows only the inputs, name and location), and a changed principal replaces the grant.
    // The principal changes only with the account's identity, which goes with the key setting (and so the grant);
    // the grant keeps the principal it was created for.
    const samePrincipal = args.authorization === "rbac" ? ["principalId"] : ["policy.objectId"];
    const grant: pulumi.CustomResource = args.authorization === "rbac"
        ? new authorization.RoleAssignment(`${name}-account-key-user`, {
            // On the key alone, not the vault: the account reads no other key, secret or certificate.
            scope: keyScope,
            principalId: args.account.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: pulumi.output(args.vault.id).apply((id) => roleDefinitionId(id, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER)),
            roleAssignmentName: deterministicGuid(`key:${args.vault.key}/${spec.keyName}`, `batch-account:${args.account.key}`,
                KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER),
        }, { parent, dependsOn: [key], ignoreChanges: samePrincipal })
        : new keyvault.AccessPolicy(`${name}-account-key-access`, {
            resourceGroupName: args.vault.resourceGroupName,
            vaultName: args.vault.name,
            policy: { tenantId: args.vault.tenantId, objectId: args.account.principalId, permissions: { keys: [...ACCOUNT_KEY_PERMISSIONS] } },
        }, { parent, dependsOn: [key], ignoreChanges: samePrincipal });

    const encryption = new BatchAccountEncryption(`${name}-account-encryption`, {
        accountId: args.account.id,
        armEndpoint: args.armEndpoint,
        keyIdentifier: key.keyUri,
    }, { parent, dependsOn: [key, grant] });

    return { key, grant, encryption };
}
