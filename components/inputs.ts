// What a user writes: the stack configuration keys (DESIGN section 4) and the
// component's arguments share these shapes. Every optional field has a default,
// applied by validation.ts, which turns these into the resolved specs of types.ts.

import type {
    CertificateContentType,
    EcCurve,
    ImageReference,
    KeyType,
    VaultAuthorization,
} from "./types";

export interface CertificateInput {
    /** Required. 1-127 letters, digits and '-'. */
    name: string;
    /** Required. X.500 distinguished name, e.g. "CN=batch.example.com". */
    subject: string;
    /** Optional. Subject alternative DNS names. Default: none. */
    dnsNames?: string[];
    /** Optional. 1-120. Default: 12. */
    validityInMonths?: number;
    /** Optional. Exactly one trigger. Default: { lifetimePercentage: 80 } (Key Vault's own default). */
    renewal?: { daysBeforeExpiry?: number; lifetimePercentage?: number };
    /** Optional. Default: RSA. */
    keyType?: KeyType;
    /** Optional, RSA only. 2048 | 3072 | 4096. Default: 2048. */
    keySize?: number;
    /** Optional, EC only. Default: P-256. */
    curve?: EcCurve;
    /** Optional. Default: application/x-pkcs12. */
    contentType?: CertificateContentType;
    /** Optional. "Self" or an issuer configured in the vault. Default: Self. */
    issuer?: string;
    /** Optional. Default: none. */
    tags?: Record<string, string>;
}

export interface KeyVaultInput {
    /** Optional. Pins the vault name (3-24 characters, globally unique). Default: derived per stack. */
    name?: string;
    /** Optional. Resource ID of an existing vault to adopt instead of creating one. */
    id?: string;
    /** Optional. Default: accessPolicy (as the how-to). */
    authorization?: VaultAuthorization;
    /** Optional. Default: true. */
    purgeProtection?: boolean;
    /** Optional. 7-90. Default: 90. */
    softDeleteRetentionInDays?: number;
    /** Optional. Default: standard (premium is needed for HSM keys). */
    sku?: "standard" | "premium";
    /** Optional. Purge certificates the stack deletes. Default: false (soft delete only). */
    purgeCertificatesOnDelete?: boolean;
}

export interface IdentityInput {
    /** Required when the key is given: resource ID of an existing user-assigned identity to adopt. */
    id: string;
}

export interface PoolInput {
    /** Optional. Pins the pool name; replacement is then delete-first. Default: derived, changes with what forces replacement. */
    name?: string;
    /** Required. */
    vmSize: string;
    /** Required. version defaults to "latest". */
    image: Omit<ImageReference, "version"> & { version?: string };
    /** Required. Linux or Windows follows from it. */
    nodeAgentSkuId: string;
    /** Optional. Default: 1. */
    targetDedicatedNodes?: number;
    /** Optional. Default: 0. */
    targetLowPriorityNodes?: number;
    /** Optional. ISO 8601 duration, at least PT5M. Default: PT15M. */
    resizeTimeout?: string;
    /** Optional. Default: Pack. */
    nodeFillType?: "Pack" | "Spread";
    /** Optional. 1-256. Default: Batch's (1). */
    taskSlotsPerNode?: number;
}

export interface KeyVaultExtensionInput {
    /** Optional. Whole seconds. Default: 300. */
    pollingIntervalInS?: number;
    /** Optional. Default: true; false is the troubleshooting switch. */
    requireInitialSync?: boolean;
    /** Optional. Linux: absolute path, default /var/lib/waagent/Microsoft.Azure.KeyVault; Windows: LocalMachine (default) | CurrentUser. */
    certificateStoreLocation?: string;
    /** Optional, Windows only. Default: the extension's (My). */
    certificateStoreName?: string;
    /** Optional, Windows only. Default: true, as the how-to. */
    keyExportable?: boolean;
    /** Optional. Extension instance name on the pool. Default: KVExtensions, as the how-to. */
    name?: string;
    /** Optional. major.minor. Default: 3.0, as the how-to. */
    typeHandlerVersion?: string;
    /** Optional. Default: true. */
    autoUpgradeMinorVersion?: boolean;
}

export interface BatchAccountInput {
    /** Required when the key is given. */
    name: string;
    /** Required when the key is given. */
    resourceGroupName: string;
}

/** Everything the stack configuration holds under the project's namespace. */
export interface StackConfigInput {
    batchAccount?: BatchAccountInput;
    identity?: IdentityInput;
    keyVault?: KeyVaultInput;
    certificates: CertificateInput[];
    pool: PoolInput;
    keyVaultExtension?: KeyVaultExtensionInput;
    tags?: Record<string, string>;
}
