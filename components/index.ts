// The package's public entry: the component, its argument and output types,
// and the pure builders other stacks may want on their own.

export { CertRotationPool, COMPONENT_TYPE, resolveArgs } from "./certRotationPool";
export type { CertRotationPoolArgs, CertificateOutputs, Deployer, PoolOutputs } from "./certRotationPool";
export type {
    BatchAccountInput,
    CertificateInput,
    IdentityInput,
    KeyVaultExtensionInput,
    KeyVaultInput,
    PoolInput,
    StackConfigInput,
} from "./inputs";
export * from "./types";
export { KeyVaultCertificate } from "./certificate";
export type { KeyVaultCertificateArgs } from "./certificate";
export { buildKeyVaultExtension, MSI_ENDPOINT } from "./extension";
export { versionlessCertificateId, versionlessSecretId } from "./certificatePolicy";
export { POOL_REPLACE_ON_CHANGES } from "./pool";
export { ValidationError, validateConfig } from "./validation";
export type { ResolvedConfig, ValidationOptions, ValidationResult } from "./validation";
export { assess, LIFECYCLE } from "./lifecycle";
export type { AfterDate, LifecycleFact, LifecycleFinding, LifecycleSubject } from "./lifecycle";
export {
    DEPLOYER_CERTIFICATE_PERMISSIONS,
    IDENTITY_SECRET_PERMISSIONS,
    KEY_VAULT_CERTIFICATES_OFFICER,
    KEY_VAULT_SECRETS_USER,
} from "./access";
// Observability: a diagnostic setting for resources the caller creates (a Batch account), as the stack program does.
export { createDiagnosticSetting, diagnosticSettingInputs } from "./diagnostics";
export type { CertificateEventsSpec, DiagnosticsSpec } from "./config/observability";
