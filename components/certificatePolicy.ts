// Pure: the certificate's Key Vault policy, in the SDK's shape (for the
// provider) and in the REST wire shape (for the offline plan), plus the URL
// helpers. Both shapes are derived from the same CertificateSpec so the plan
// shows exactly what the provider will send.
import type { CertificatePolicy } from "@azure/keyvault-certificates";
import type { CertificateSpec, EcCurve, RenewalTrigger, RsaKeySize } from "./types";

/**
 * The Key Vault data-plane API version: the provider pins its client to it
 * and the offline plan renders it, so the plan shows the call the SDK makes.
 * It is `@azure/keyvault-certificates` 4.10's default (its spec is the
 * 2025-07-01 `certificates.json` of Azure/azure-rest-api-specs).
 */
export const KEY_VAULT_API_VERSION = "2025-07-01" as const;

/**
 * The SDK policy for `beginCreateCertificate` / `updateCertificatePolicy`.
 * The key is always exportable: the Key Vault VM extension installs the
 * private key on the node, which Key Vault refuses for a non-exportable key.
 */
export function buildCertificatePolicy(spec: CertificateSpec): CertificatePolicy {
    const policy: CertificatePolicy = {
        subject: spec.subject,
        issuerName: spec.issuer,
        contentType: spec.contentType,
        validityInMonths: spec.validityInMonths,
        exportable: true,
        keyType: spec.keyType,
        // A renewal gets a fresh key pair: a leaked key does not survive rotation.
        reuseKey: false,
        lifetimeActions: [
            { ...sdkTrigger(spec.renewal), action: "AutoRenew" },
            // After the renewal trigger (validation sees to it): reached only when no new version was issued.
            ...(spec.emailWarning === undefined ? [] : [{ ...sdkTrigger(spec.emailWarning), action: "EmailContacts" as const }]),
        ],
        enabled: true,
    };
    if (spec.dnsNames.length > 0) {
        const [first, ...rest] = spec.dnsNames;
        policy.subjectAlternativeNames = { dnsNames: [first, ...rest] };
    }
    const key = keyParameters(spec);
    if (key.curve !== undefined) {
        policy.keyCurveName = key.curve;
    } else {
        policy.keySize = key.size;
    }
    return policy;
}

/** The `CertificatePolicy` of the wire format (snake_case, spec of KEY_VAULT_API_VERSION). */
export function buildWirePolicy(spec: CertificateSpec): Record<string, unknown> {
    const keyProps: Record<string, unknown> = { exportable: true, kty: spec.keyType };
    const key = keyParameters(spec);
    if (key.curve !== undefined) {
        keyProps.crv = key.curve;
    } else {
        keyProps.key_size = key.size;
    }
    keyProps.reuse_key = false;

    const x509Props: Record<string, unknown> = { subject: spec.subject };
    if (spec.dnsNames.length > 0) {
        x509Props.sans = { dns_names: [...spec.dnsNames] };
    }
    x509Props.validity_months = spec.validityInMonths;

    return {
        key_props: keyProps,
        secret_props: { contentType: spec.contentType },
        x509_props: x509Props,
        lifetime_actions: [
            { trigger: wireTrigger(spec.renewal), action: { action_type: "AutoRenew" } },
            ...(spec.emailWarning === undefined ? [] : [{ trigger: wireTrigger(spec.emailWarning), action: { action_type: "EmailContacts" } }]),
        ],
        issuer: { name: spec.issuer },
        attributes: { enabled: true },
    };
}

/**
 * The data-plane call that creates the certificate:
 * `POST {vaultUri}certificates/{name}/create?api-version=KEY_VAULT_API_VERSION` with a
 * `CertificateCreateParameters` body. The host comes from the vault URI, so
 * sovereign clouds render their own suffix.
 */
export function renderCertificateCreateRequest(
    vaultUri: string,
    spec: CertificateSpec,
): { method: "POST"; url: string; body: object } {
    const body: Record<string, unknown> = {
        policy: buildWirePolicy(spec),
        attributes: { enabled: true },
    };
    if (Object.keys(spec.tags).length > 0) {
        body.tags = sortedTags(spec.tags);
    }
    return {
        method: "POST",
        url: `${vaultBase(vaultUri)}/certificates/${encodeURIComponent(spec.name)}/create?api-version=${KEY_VAULT_API_VERSION}`,
        body,
    };
}

/** `{vault}/secrets/{name}`: the URL that serves the certificate with its private key, always the newest version. */
export function versionlessSecretId(vaultUri: string, name: string): string {
    return `${vaultBase(vaultUri)}/secrets/${encodeURIComponent(name)}`;
}

/** `{vault}/certificates/{name}`: the certificate object without a version. */
export function versionlessCertificateId(vaultUri: string, name: string): string {
    return `${vaultBase(vaultUri)}/certificates/${encodeURIComponent(name)}`;
}

/**
 * Drops the version segment of a Key Vault object ID
 * (`{vault}/{collection}/{name}/{version}` -> `{vault}/{collection}/{name}`).
 * An ID that has no version is returned unchanged.
 */
export function stripVersion(id: string): string {
    let url: URL;
    try {
        url = new URL(id);
    } catch {
        throw new Error(`stripVersion: "${id}" is not an absolute URL; expected {vaultUri}/{collection}/{name}[/{version}]`);
    }
    const segments = url.pathname.split("/").filter((s) => s.length > 0);
    if (segments.length < 2) {
        throw new Error(`stripVersion: "${id}" has no {collection}/{name} path; expected {vaultUri}/{collection}/{name}[/{version}]`);
    }
    return `${url.origin}/${segments.slice(0, 2).join("/")}`;
}

/** The version segment of a Key Vault object ID, or undefined for a versionless ID. */
export function versionOf(id: string): string | undefined {
    const segments = new URL(id).pathname.split("/").filter((s) => s.length > 0);
    return segments.length >= 3 ? segments[2] : undefined;
}

function vaultBase(vaultUri: string): string {
    if (vaultUri.length === 0) {
        throw new Error("vaultUri: empty; expected the vault's URI, e.g. https://<vault>.vault.azure.net/");
    }
    return vaultUri.replace(/\/+$/, "");
}

function sdkTrigger(trigger: RenewalTrigger): { daysBeforeExpiry?: number; lifetimePercentage?: number } {
    return "daysBeforeExpiry" in trigger ? { daysBeforeExpiry: trigger.daysBeforeExpiry } : { lifetimePercentage: trigger.lifetimePercentage };
}

function wireTrigger(trigger: RenewalTrigger): { days_before_expiry: number } | { lifetime_percentage: number } {
    return "daysBeforeExpiry" in trigger ? { days_before_expiry: trigger.daysBeforeExpiry } : { lifetime_percentage: trigger.lifetimePercentage };
}

type KeyParameters = { curve: EcCurve; size?: undefined } | { curve?: undefined; size: RsaKeySize };

// Validation decides these; a spec that skipped it fails here, naming the field.
function keyParameters(spec: CertificateSpec): KeyParameters {
    if (spec.keyType === "EC" || spec.keyType === "EC-HSM") {
        if (spec.curve === undefined) {
            throw new Error(`certificate "${spec.name}".curve: missing for keyType ${spec.keyType}; set one of P-256, P-384, P-521, P-256K`);
        }
        return { curve: spec.curve };
    }
    if (spec.keySize === undefined) {
        throw new Error(`certificate "${spec.name}".keySize: missing for keyType ${spec.keyType}; set 2048, 3072 or 4096`);
    }
    return { size: spec.keySize };
}

// Sorted keys keep the rendered plan byte-identical whatever order config gave.
function sortedTags(tags: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
