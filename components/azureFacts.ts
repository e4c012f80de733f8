// Facts about Azure and about this package's type tokens that several places
// depend on: the component, validation, the offline plan and the policy rules.
// Pure data, so policy rules and tools can import it without the SDKs. What
// Azure retires, and when, is in lifecycle.ts.

/** Built-in role: read secret contents (Key Vault Secrets User). */
export const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
/** Built-in role: manage certificates (Key Vault Certificates Officer). */
export const KEY_VAULT_CERTIFICATES_OFFICER = "a4417e6f-fecd-4de8-b567-7b0420556985";
/** Built-in role: get, wrap and unwrap keys, what a service's customer-managed key needs (Key Vault Crypto Service Encryption User). */
export const KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

/**
 * The azure-native resource type tokens the program registers, as the plan, the
 * policy rules and the spec check match them (test/azureFacts.test.ts holds
 * each to the SDK class's own token).
 */
export const AZURE_TYPES = {
    resourceGroup: "azure-native:resources:ResourceGroup",
    batchAccount: "azure-native:batch:BatchAccount",
    pool: "azure-native:batch:Pool",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    vault: "azure-native:keyvault:Vault",
    accessPolicy: "azure-native:keyvault:AccessPolicy",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    privateEndpoint: "azure-native:network:PrivateEndpoint",
    privateDnsZoneGroup: "azure-native:network:PrivateDnsZoneGroup",
    privateZone: "azure-native:privatedns:PrivateZone",
    virtualNetworkLink: "azure-native:privatedns:VirtualNetworkLink",
    // Locks and the Batch account's customer-managed key (components/locks.ts, accountEncryption.ts).
    managementLock: "azure-native:authorization:ManagementLockByScope",
    key: "azure-native:keyvault:Key",
    // Observability: certificate events and diagnostic settings.
    systemTopic: "azure-native:eventgrid:SystemTopic",
    systemTopicEventSubscription: "azure-native:eventgrid:SystemTopicEventSubscription",
    diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
} as const;

export const COMPONENT_TYPE = "batch-cert-rotation:index:CertRotationPool";
/** The dynamic resource's module and type; Pulumi makes the token `pulumi-nodejs:dynamic/<module>:<type>`. */
export const CERTIFICATE_MODULE = "batch-cert-rotation";
export const CERTIFICATE_RESOURCE = "KeyVaultCertificate";
export const CERTIFICATE_TYPE = `pulumi-nodejs:dynamic/${CERTIFICATE_MODULE}:${CERTIFICATE_RESOURCE}`;
/** The dynamic resource that PATCHes a pool's updatable settings (poolSettings.ts). */
export const POOL_SETTINGS_RESOURCE = "BatchPoolSettings";
export const POOL_SETTINGS_TYPE = `pulumi-nodejs:dynamic/${CERTIFICATE_MODULE}:${POOL_SETTINGS_RESOURCE}`;
/** The dynamic resource that PATCHes the Batch account's encryption to the customer-managed key (accountEncryption.ts). */
export const ACCOUNT_ENCRYPTION_RESOURCE = "BatchAccountEncryption";
export const ACCOUNT_ENCRYPTION_TYPE = `pulumi-nodejs:dynamic/${CERTIFICATE_MODULE}:${ACCOUNT_ENCRYPTION_RESOURCE}`;
/** The dynamic resource that sets the vault's certificate contacts (certificateContacts.ts). */
export const CERTIFICATE_CONTACTS_RESOURCE = "KeyVaultCertificateContacts";
export const CERTIFICATE_CONTACTS_TYPE = `pulumi-nodejs:dynamic/${CERTIFICATE_MODULE}:${CERTIFICATE_CONTACTS_RESOURCE}`;
