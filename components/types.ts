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

/** Who besides root may read a certificate's files on a Linux node (extension 3.0). */
export interface CertificateAcl {
    user?: string;
    group?: string;
}

/** The object form Linux 3.0 takes once ACLs are on; bare URLs otherwise, as the how-to. */
export interface LinuxObservedCertificate {
    url: string;
    acls?: CertificateAcl[];
}

export interface LinuxExtensionSettings {
    secretsManagementSettings: {
        pollingIntervalInS: string;
        certificateStoreLocation: string;
        requireInitialSync?: boolean;
        aclEnabled?: boolean;
        observedCertificates: string[] | LinuxObservedCertificate[];
    };
    authenticationSettings: AuthenticationSettings;
}

export interface WindowsObservedCertificate {
    url: string;
    certificateStoreLocation: string;
    certificateStoreName?: string;
    /** Accounts given read access to the private key. */
    accounts?: string[];
    /** Absent under KeyVaultForWindows 4.x, which has no such setting. */
    keyExportable?: boolean;
}

export interface WindowsExtensionSettings {
    secretsManagementSettings: {
        pollingIntervalInS: string;
        /** Absent under KeyVaultForWindows 4.x, which has no such setting. */
        requireInitialSync?: boolean;
        linkOnRenewal?: boolean;
        observedCertificates: WindowsObservedCertificate[];
    };
    authenticationSettings: AuthenticationSettings;
}
