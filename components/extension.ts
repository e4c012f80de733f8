// The Key Vault VM extension exactly as the how-to's pool request bodies shape
// it, one shape per OS: Linux lists bare URLs and keeps the store location in
// secretsManagementSettings; Windows lists objects carrying their own store.
// The version (typeHandlerVersion) decides which settings exist at all.

import type {
    CertificateAcl,
    KeyVaultExtensionSpec,
    LinuxExtensionSettings,
    OsFamily,
    VmExtension,
    WindowsExtensionSettings,
} from "./types";

/** The Azure Instance Metadata Service identity endpoint the nodes sign in through. */
export const MSI_ENDPOINT = "http://169.254.169.254/metadata/identity";

/** `S`: the leaves other resources decide (see VmExtension); strings unless the caller passes Outputs. */
export interface ExtensionInputs<S = string> {
    os: OsFamily;
    spec: KeyVaultExtensionSpec;
    /** Client ID of the user-assigned identity the nodes sign in as. */
    msiClientId: S;
    /** Versionless secret URLs, one per certificate, in config order. */
    observedCertificates: S[];
    /** Linux: who besides root may read each certificate, index-aligned with observedCertificates. */
    acls?: readonly (readonly CertificateAcl[] | undefined)[];
}

/**
 * The settings a version doesn't have resolve to undefined (config/extensionVersions.ts:
 * KeyVaultForWindows 4.x has no requireInitialSync, keyExportable or linkOnRenewal) and
 * are left out, so the body carries only what that version accepts.
 */
function initialSync(spec: KeyVaultExtensionSpec): { requireInitialSync?: boolean } {
    return spec.requireInitialSync === undefined ? {} : { requireInitialSync: spec.requireInitialSync };
}

export function buildLinuxSettings<S>(inputs: ExtensionInputs<S>): LinuxExtensionSettings<S> {
    // The extension's files are root-only unless ACLs are on; ACLs need the object form of
    // observedCertificates (Key Vault VM extension for Linux 3.0 docs: aclEnabled, observedCertificates[].acls).
    // Without any ACL the bare-URL list stays, so the body is the how-to's.
    const aclsOf = (i: number) => inputs.acls?.[i] ?? [];
    const aclEnabled = inputs.observedCertificates.some((_, i) => aclsOf(i).length > 0);
    return {
        secretsManagementSettings: {
            pollingIntervalInS: String(inputs.spec.pollingIntervalInS),
            certificateStoreLocation: inputs.spec.certificateStoreLocation,
            ...initialSync(inputs.spec),
            ...(aclEnabled ? { aclEnabled: true } : {}),
            observedCertificates: aclEnabled
                ? inputs.observedCertificates.map((url, i) => ({
                    url,
                    ...(aclsOf(i).length > 0 ? { acls: aclsOf(i).map((acl) => ({ ...acl })) } : {}),
                }))
                : [...inputs.observedCertificates],
        },
        authenticationSettings: { msiEndpoint: MSI_ENDPOINT, msiClientId: inputs.msiClientId },
    };
}

export function buildWindowsSettings<S>(inputs: ExtensionInputs<S>): WindowsExtensionSettings<S> {
    const { spec } = inputs;
    return {
        secretsManagementSettings: {
            pollingIntervalInS: String(spec.pollingIntervalInS),
            ...initialSync(spec),
            ...(spec.linkOnRenewal === undefined ? {} : { linkOnRenewal: spec.linkOnRenewal }),
            observedCertificates: inputs.observedCertificates.map((url) => ({
                url,
                certificateStoreLocation: spec.certificateStoreLocation,
                // Omitted unless set, so the default body matches the how-to's.
                ...(spec.certificateStoreName === undefined ? {} : { certificateStoreName: spec.certificateStoreName }),
                ...(spec.accounts === undefined || spec.accounts.length === 0 ? {} : { accounts: [...spec.accounts] }),
                ...(spec.keyExportable === undefined ? {} : { keyExportable: spec.keyExportable }),
            })),
        },
        authenticationSettings: { msiEndpoint: MSI_ENDPOINT, msiClientId: inputs.msiClientId },
    };
}

export function buildKeyVaultExtension<S = string>(inputs: ExtensionInputs<S>): VmExtension<S> {
    const linux = inputs.os === "linux";
    return {
        name: inputs.spec.name,
        type: linux ? "KeyVaultForLinux" : "KeyVaultForWindows",
        publisher: "Microsoft.Azure.KeyVault",
        typeHandlerVersion: inputs.spec.typeHandlerVersion,
        autoUpgradeMinorVersion: inputs.spec.autoUpgradeMinorVersion,
        settings: linux ? buildLinuxSettings(inputs) : buildWindowsSettings(inputs),
    };
}
