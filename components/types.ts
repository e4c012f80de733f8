// The component's input and output contract. Plain types: values here decide
// which children exist and what they are called, so they must be known when
// the program runs (an Output would always be truthy). Values that come from
// other resources are passed separately as pulumi.Input<T>.

export type OsFamily = "linux" | "windows";

// The resolved specs (every default applied, every rule passed) are inferred
// from the configuration's one definition, config/schema.ts.
export type {
    CertificateContentType,
    CertificateSpec,
    EcCurve,
    ImageReference,
    KeyType,
    KeyVaultExtensionSpec,
    KeyVaultSpec,
    PoolSpec,
    RenewalTrigger,
    RsaKeySize,
    VaultAuthorization,
} from "./config/schema";
export type { CreatedBatchAccountSpec, CustomerManagedKeySpec } from "./config/protection";

/**
 * The Key Vault VM extension as it goes into the pool (and into the stack
 * outputs). `S` is the type of the two leaves other resources decide, the
 * identity's client ID and each secret URL: plain strings once resolved, or
 * Outputs while the pool is registered, so that only those leaves are unknown
 * in a preview and everything from configuration stays readable.
 */
export interface VmExtension<S = string> {
    name: string;
    publisher: "Microsoft.Azure.KeyVault";
    type: "KeyVaultForLinux" | "KeyVaultForWindows";
    typeHandlerVersion: string;
    autoUpgradeMinorVersion: boolean;
    settings: LinuxExtensionSettings<S> | WindowsExtensionSettings<S>;
}

export interface AuthenticationSettings<S = string> {
    msiEndpoint: string;
    msiClientId: S;
}

/** Who besides root may read a certificate's files on a Linux node (extension 3.0). */
export interface CertificateAcl {
    user?: string;
    group?: string;
}

/** The object form Linux 3.0 takes once ACLs are on; bare URLs otherwise, as the how-to. */
export interface LinuxObservedCertificate<S = string> {
    url: S;
    acls?: CertificateAcl[];
}

export interface LinuxExtensionSettings<S = string> {
    secretsManagementSettings: {
        pollingIntervalInS: string;
        certificateStoreLocation: string;
        requireInitialSync?: boolean;
        aclEnabled?: boolean;
        observedCertificates: S[] | LinuxObservedCertificate<S>[];
    };
    authenticationSettings: AuthenticationSettings<S>;
}

export interface WindowsObservedCertificate<S = string> {
    url: S;
    certificateStoreLocation: string;
    certificateStoreName?: string;
    /** Accounts given read access to the private key. */
    accounts?: string[];
    /** Absent under KeyVaultForWindows 4.x, which has no such setting. */
    keyExportable?: boolean;
}

export interface WindowsExtensionSettings<S = string> {
    secretsManagementSettings: {
        pollingIntervalInS: string;
        /** Absent under KeyVaultForWindows 4.x, which has no such setting. */
        requireInitialSync?: boolean;
        linkOnRenewal?: boolean;
        observedCertificates: WindowsObservedCertificate<S>[];
    };
    authenticationSettings: AuthenticationSettings<S>;
}
