// The component's input and output contract. Plain types: values here decide
// which children exist and what they are called, so they must be known when
// the program runs (an Output would always be truthy). Values that come from
// other resources are passed separately as pulumi.Input<T>.

export type OsFamily = "linux" | "windows";

export type VaultAuthorization = "accessPolicy" | "rbac";

export type KeyType = "RSA" | "RSA-HSM" | "EC" | "EC-HSM";
export type RsaKeySize = 2048 | 3072 | 4096;
export type EcCurve = "P-256" | "P-384" | "P-521" | "P-256K";
export type CertificateContentType = "application/x-pkcs12" | "application/x-pem-file";

/** Exactly one of the two triggers is set. */
export type RenewalTrigger = { daysBeforeExpiry: number } | { lifetimePercentage: number };

/** A certificate after validation and defaults: every field is decided. */
export interface CertificateSpec {
    /** Certificate name in the vault: 1-127 letters, digits and '-'. */
    name: string;
    /** X.500 distinguished name, e.g. "CN=batch.example.com". */
    subject: string;
    /** Subject alternative DNS names. */
    dnsNames: string[];
    /** 1..120 months; 12 by default. */
    validityInMonths: number;
    renewal: RenewalTrigger;
    keyType: KeyType;
    /** RSA key size; undefined for EC keys. */
    keySize?: RsaKeySize;
    /** EC curve; undefined for RSA keys. */
    curve?: EcCurve;
    contentType: CertificateContentType;
    /** "Self" or the name of an issuer configured in the vault. */
    issuer: string;
    tags: Record<string, string>;
}

export interface KeyVaultSpec {
    /** Pinned vault name; when absent the component derives a stable one per stack. */
    name?: string;
    /** Resource ID of an existing vault to adopt; the component then creates no vault. */
    id?: string;
    authorization: VaultAuthorization;
    purgeProtection: boolean;
    softDeleteRetentionInDays: number;
    sku: "standard" | "premium";
    /** Purge certificates when the stack deletes them (soft delete only, by default). */
    purgeCertificatesOnDelete: boolean;
}

export interface ImageReference {
    publisher: string;
    offer: string;
    sku: string;
    version: string;
}

export interface PoolSpec {
    /** Pinned pool name: replacement becomes delete-first. Absent: derived from the settings. */
    name?: string;
    vmSize: string;
    image: ImageReference;
    nodeAgentSkuId: string;
    targetDedicatedNodes: number;
    targetLowPriorityNodes: number;
    resizeTimeout: string;
    nodeFillType: "Pack" | "Spread";
    taskSlotsPerNode?: number;
}

export interface KeyVaultExtensionSpec {
    /** Seconds, sent as a string as the how-to does. */
    pollingIntervalInS: number;
    /** false is the troubleshooting switch: nodes go idle even when the sync fails. */
    requireInitialSync: boolean;
    /** Linux: an absolute path; Windows: LocalMachine | CurrentUser. */
    certificateStoreLocation: string;
    /** Windows only: the certificate store name, "My" by default. */
    certificateStoreName?: string;
    /** Windows only: mark the installed private key exportable (the how-to does). */
    keyExportable?: boolean;
    /** Extension instance name on the pool. */
    name: string;
    typeHandlerVersion: string;
    autoUpgradeMinorVersion: boolean;
}

/** The Key Vault VM extension as it goes into the pool (and into the stack outputs). */
export interface VmExtension {
    name: string;
    publisher: "Microsoft.Azure.KeyVault";
    type: "KeyVaultForLinux" | "KeyVaultForWindows";
    typeHandlerVersion: string;
    autoUpgradeMinorVersion: boolean;
    settings: LinuxExtensionSettings | WindowsExtensionSettings;
}

export interface AuthenticationSettings {
    msiEndpoint: string;
    msiClientId: string;
}

export interface LinuxExtensionSettings {
    secretsManagementSettings: {
        pollingIntervalInS: string;
        certificateStoreLocation: string;
        requireInitialSync: boolean;
        observedCertificates: string[];
    };
    authenticationSettings: AuthenticationSettings;
}

export interface WindowsObservedCertificate {
    url: string;
    certificateStoreLocation: string;
    certificateStoreName?: string;
    keyExportable: boolean;
}

export interface WindowsExtensionSettings {
    secretsManagementSettings: {
        pollingIntervalInS: string;
        requireInitialSync: boolean;
        observedCertificates: WindowsObservedCertificate[];
    };
    authenticationSettings: AuthenticationSettings;
}
