// Every rule a user can break by configuration, checked before the first
// resource is registered. Each problem names the field, the value given and the
// rule, so the fix is obvious from the message alone. Things Azure may reject
// but that can't be known offline are warnings, never errors.

import { RETIRED_NODE_AGENT_SKUS } from "./azureFacts";
import type {
    BatchAccountInput,
    IdentityInput,
} from "./inputs";
import type {
    CertificateContentType,
    CertificateSpec,
    EcCurve,
    KeyType,
    KeyVaultExtensionSpec,
    KeyVaultSpec,
    OsFamily,
    PoolSpec,
    RenewalTrigger,
    RsaKeySize,
} from "./types";

export class ValidationError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ValidationError";
    }
}

export interface ResolvedConfig {
    batchAccount?: BatchAccountInput;
    identity?: IdentityInput;
    keyVault: KeyVaultSpec;
    certificates: CertificateSpec[];
    pool: PoolSpec;
    keyVaultExtension: KeyVaultExtensionSpec;
    osFamily: OsFamily;
    tags: Record<string, string>;
}

export interface ValidationResult {
    config: ResolvedConfig;
    warnings: string[];
}

export const DEFAULT_LINUX_STORE = "/var/lib/waagent/Microsoft.Azure.KeyVault";
export const WINDOWS_STORE_LOCATIONS = ["LocalMachine", "CurrentUser"] as const;
const KEY_TYPES: readonly KeyType[] = ["RSA", "RSA-HSM", "EC", "EC-HSM"];
const RSA_KEY_SIZES: readonly RsaKeySize[] = [2048, 3072, 4096];
const EC_CURVES: readonly EcCurve[] = ["P-256", "P-384", "P-521", "P-256K"];
const CONTENT_TYPES: readonly CertificateContentType[] = ["application/x-pkcs12", "application/x-pem-file"];


const VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/;
const CERT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const POOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const BATCH_ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const RESOURCE_GROUP_NAME = /^[-\w.()]{1,90}$/;
const DNS_NAME = /^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const IDENTITY_ID = new RegExp(
    `^/subscriptions/${GUID}/resourceGroups/[^/]+/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities/[^/]+$`, "i");
const VAULT_ID = new RegExp(`^/subscriptions/${GUID}/resourceGroups/([^/]+)/providers/Microsoft\\.KeyVault/vaults/([^/]+)$`, "i");

/** Renders a user's value for a message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
    if (value === undefined) return "undefined";
    if (typeof value === "string") return JSON.stringify(value);
    return JSON.stringify(value) ?? String(value);
}

/** Collects problems with their paths; each check returns the value when it passes. */
class Checker {
    readonly problems: string[] = [];
    readonly warnings: string[] = [];

    fail(path: string, value: unknown, rule: string): undefined {
        this.problems.push(`${path}: ${show(value)} ${rule}`);
        return undefined;
    }

    missing(path: string, what: string): undefined {
        this.problems.push(`${path}: is required (${what})`);
        return undefined;
    }

    warn(path: string, value: unknown, why: string): void {
        this.warnings.push(`${path}: ${show(value)} ${why}`);
    }

    /** An object with only the known keys; unknown keys are usually typos. */
    object(path: string, value: unknown, known: readonly string[]): Record<string, unknown> | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            return this.fail(path, value, "must be an object");
        }
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
            if (!known.includes(key)) {
                this.fail(path ? `${path}.${key}` : key, record[key], `is not a known field; expected one of ${known.join(", ")}`);
            }
        }
        return record;
    }

    string(path: string, value: unknown): string | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "string" || value.trim() === "") return this.fail(path, value, "must be a non-empty string");
        return value;
    }

    boolean(path: string, value: unknown, fallback: boolean): boolean {
        if (value === undefined) return fallback;
        if (typeof value !== "boolean") {
            this.fail(path, value, "must be true or false (a YAML boolean, not a string)");
            return fallback;
        }
        return value;
    }

    integer(path: string, value: unknown, min: number, max: number, rangeNote = ""): number | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "number" || !Number.isInteger(value)) return this.fail(path, value, "must be a whole number");
        if (value < min || value > max) return this.fail(path, value, `is outside ${min}..${max}${rangeNote}`);
        return value;
    }

    oneOf<T extends string | number>(path: string, value: unknown, allowed: readonly T[]): T | undefined {
        if (value === undefined) return undefined;
        if (!(allowed as readonly unknown[]).includes(value)) {
            return this.fail(path, value, `is not one of ${allowed.join(", ")}`);
        }
        return value as T;
    }

    pattern(path: string, value: unknown, re: RegExp, rule: string): string | undefined {
        const s = this.string(path, value);
        if (s === undefined) return undefined;
        if (!re.test(s)) return this.fail(path, s, rule);
        return s;
    }

    stringMap(path: string, value: unknown): Record<string, string> {
        if (value === undefined) return {};
        const record = this.object(path, value, Object.keys(value as object ?? {}));
        if (!record) return {};
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(record)) {
            if (typeof v !== "string") this.fail(`${path}.${k}`, v, "must be a string");
            else out[k] = v;
        }
        return out;
    }
}

export function osFamilyOf(nodeAgentSkuId: string): OsFamily {
    return nodeAgentSkuId.toLowerCase().startsWith("batch.node.windows") ? "windows" : "linux";
}

function imageLooksWindows(image: { publisher: string; offer: string }): boolean {
    return /windows/i.test(image.publisher) || /windows/i.test(image.offer);
}

/** Seconds of an ISO 8601 duration such as PT15M, or undefined when it isn't one. */
export function durationSeconds(value: string): number | undefined {
    const m = ISO_DURATION.exec(value);
    if (!m || value === "P" || value.endsWith("T")) return undefined;
    const [, d, h, min, s] = m;
    return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(s ?? 0);
}

function checkVaultName(c: Checker, path: string, value: unknown): string | undefined {
    const name = c.string(path, value);
    if (name === undefined) return undefined;
    if (name.length < 3 || name.length > 24) return c.fail(path, name, "must be 3-24 characters long");
    if (!VAULT_NAME.test(name)) {
        return c.fail(path, name, "must start with a letter, end with a letter or digit, and contain only letters, digits and '-'");
    }
    if (name.includes("--")) return c.fail(path, name, "must not contain consecutive hyphens ('--')");
    return name;
}

function checkKeyVault(c: Checker, value: unknown): KeyVaultSpec {
    const kv = c.object("keyVault", value, [
        "name", "id", "authorization", "purgeProtection", "softDeleteRetentionInDays", "sku", "purgeCertificatesOnDelete",
    ]) ?? {};
    let name = kv.name === undefined ? undefined : checkVaultName(c, "keyVault.name", kv.name);
    let id: string | undefined;
    if (kv.id !== undefined) {
        id = c.pattern("keyVault.id", kv.id, VAULT_ID,
            "must be a Key Vault resource ID: /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>");
        const idName = id === undefined ? undefined : VAULT_ID.exec(id)?.[2];
        if (idName !== undefined) {
            if (name !== undefined && name.toLowerCase() !== idName.toLowerCase()) {
                c.fail("keyVault.name", name, `does not match the vault named in keyVault.id (${idName}); give one or the other`);
            }
            name = checkVaultName(c, "keyVault.id", idName);
        }
    }
    const purgeProtection = c.boolean("keyVault.purgeProtection", kv.purgeProtection, true);
    const purgeCertificatesOnDelete = c.boolean("keyVault.purgeCertificatesOnDelete", kv.purgeCertificatesOnDelete, false);
    if (purgeProtection && purgeCertificatesOnDelete) {
        c.fail("keyVault.purgeCertificatesOnDelete", true,
            "can't be honoured while keyVault.purgeProtection is true (a protected vault refuses purges); turn one of them off");
    }
    const authorization = c.oneOf("keyVault.authorization", kv.authorization, ["accessPolicy", "rbac"] as const) ?? "accessPolicy";
    if (authorization === "accessPolicy" && purgeCertificatesOnDelete && !purgeProtection) {
        c.fail("keyVault.purgeCertificatesOnDelete", true,
            "needs the purge permission, which this program never grants in an access policy (security baseline AZR-000118); " +
            "use authorization: rbac, or purge deleted certificates by hand");
    }
    return {
        name,
        id,
        authorization,
        purgeProtection,
        softDeleteRetentionInDays: c.integer("keyVault.softDeleteRetentionInDays", kv.softDeleteRetentionInDays, 7, 90) ?? 90,
        sku: c.oneOf("keyVault.sku", kv.sku, ["standard", "premium"] as const) ?? "standard",
        purgeCertificatesOnDelete,
    };
}

function checkRenewal(c: Checker, path: string, value: unknown, validityInMonths: number): RenewalTrigger {
    const fallback: RenewalTrigger = { lifetimePercentage: 80 };
    const r = c.object(path, value, ["daysBeforeExpiry", "lifetimePercentage"]);
    if (!r) return fallback;
    const hasDays = r.daysBeforeExpiry !== undefined;
    const hasPercent = r.lifetimePercentage !== undefined;
    if (hasDays && hasPercent) {
        c.fail(path, r, "sets both daysBeforeExpiry and lifetimePercentage; Key Vault takes exactly one trigger");
        return fallback;
    }
    if (!hasDays && !hasPercent) {
        c.missing(path, "one of daysBeforeExpiry or lifetimePercentage");
        return fallback;
    }
    if (hasDays) {
        const max = validityInMonths * 27;
        const days = c.integer(`${path}.daysBeforeExpiry`, r.daysBeforeExpiry, 1, max,
            ` (validityInMonths ${validityInMonths} x 27)`);
        return { daysBeforeExpiry: days ?? 1 };
    }
    return { lifetimePercentage: c.integer(`${path}.lifetimePercentage`, r.lifetimePercentage, 1, 99) ?? 80 };
}

function checkCertificate(c: Checker, index: number, value: unknown, vaultSku: KeyVaultSpec["sku"]): CertificateSpec | undefined {
    const path = `certificates[${index}]`;
    const cert = c.object(path, value, [
        "name", "subject", "dnsNames", "validityInMonths", "renewal", "keyType", "keySize", "curve", "contentType", "issuer", "tags",
    ]);
    if (!cert) return value === undefined ? c.missing(path, "a certificate") : undefined;
    const name = cert.name === undefined
        ? c.missing(`${path}.name`, "1-127 letters, digits and '-'")
        : c.pattern(`${path}.name`, cert.name, CERT_NAME, "must be 1-127 characters of letters, digits and '-'");
    let subject: string | undefined;
    if (cert.subject === undefined) c.missing(`${path}.subject`, "an X.500 name such as CN=batch.example.com");
    else {
        subject = c.string(`${path}.subject`, cert.subject);
        if (subject !== undefined && !/^\s*[A-Za-z.0-9]+\s*=/.test(subject)) {
            subject = c.fail(`${path}.subject`, subject, "must be an X.500 distinguished name such as CN=batch.example.com");
        }
    }
    const dnsNames: string[] = [];
    if (cert.dnsNames !== undefined) {
        if (!Array.isArray(cert.dnsNames)) c.fail(`${path}.dnsNames`, cert.dnsNames, "must be a list of DNS names");
        else {
            cert.dnsNames.forEach((d: unknown, i: number) => {
                const dns = c.pattern(`${path}.dnsNames[${i}]`, d, DNS_NAME, "is not a valid DNS name");
                if (dns !== undefined) dnsNames.push(dns);
            });
        }
    }
    const validityInMonths = c.integer(`${path}.validityInMonths`, cert.validityInMonths, 1, 120) ?? 12;
    const renewal = checkRenewal(c, `${path}.renewal`, cert.renewal, validityInMonths);
    const keyType = c.oneOf(`${path}.keyType`, cert.keyType, KEY_TYPES) ?? "RSA";
    if (keyType.endsWith("-HSM") && vaultSku !== "premium") {
        c.fail(`${path}.keyType`, keyType, "needs an HSM-backed vault; set keyVault.sku: premium or use RSA/EC");
    }
    const isRsa = keyType.startsWith("RSA");
    let keySize: RsaKeySize | undefined;
    let curve: EcCurve | undefined;
    if (isRsa) {
        if (cert.curve !== undefined) c.fail(`${path}.curve`, cert.curve, `applies to EC keys only; remove it or set keyType: EC`);
        keySize = c.oneOf(`${path}.keySize`, cert.keySize, RSA_KEY_SIZES) ?? 2048;
    } else {
        if (cert.keySize !== undefined) c.fail(`${path}.keySize`, cert.keySize, "applies to RSA keys only; for EC keys set curve");
        curve = c.oneOf(`${path}.curve`, cert.curve, EC_CURVES) ?? "P-256";
    }
    const contentType = c.oneOf(`${path}.contentType`, cert.contentType, CONTENT_TYPES) ?? "application/x-pkcs12";
    const issuer = c.string(`${path}.issuer`, cert.issuer) ?? "Self";
    if (issuer.toLowerCase() === "unknown") {
        c.fail(`${path}.issuer`, issuer, "means manual issuance, which Key Vault never renews automatically; use Self or a DigiCert/GlobalSign issuer");
    } else if (issuer !== "Self") {
        c.warn(`${path}.issuer`, issuer,
            "must name a DigiCert or GlobalSign issuer configured in the vault: only those and Self renew automatically");
    }
    const tags = c.stringMap(`${path}.tags`, cert.tags);
    if (name === undefined || subject === undefined) return undefined;
    return { name, subject, dnsNames, validityInMonths, renewal, keyType, keySize, curve, contentType, issuer, tags };
}

function checkCertificates(c: Checker, value: unknown, vaultSku: KeyVaultSpec["sku"]): CertificateSpec[] {
    if (value === undefined) {
        c.missing("certificates", "a list of at least one certificate");
        return [];
    }
    if (!Array.isArray(value)) {
        c.fail("certificates", value, "must be a list of certificates");
        return [];
    }
    if (value.length === 0) {
        c.fail("certificates", value, "is empty; the pool needs at least one certificate to observe");
        return [];
    }
    const specs: CertificateSpec[] = [];
    const seen = new Map<string, number>();
    value.forEach((v: unknown, i: number) => {
        const spec = checkCertificate(c, i, v, vaultSku);
        if (!spec) return;
        // Key Vault object names are case-insensitive.
        const key = spec.name.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined) {
            c.fail(`certificates[${i}].name`, spec.name, `repeats certificates[${first}].name; certificate names must be unique in a vault`);
            return;
        }
        seen.set(key, i);
        specs.push(spec);
    });
    return specs;
}

function checkPool(c: Checker, value: unknown): PoolSpec | undefined {
    if (value === undefined) return c.missing("pool", "vmSize, image and nodeAgentSkuId at least");
    const pool = c.object("pool", value, [
        "name", "vmSize", "image", "nodeAgentSkuId", "targetDedicatedNodes", "targetLowPriorityNodes", "resizeTimeout",
        "nodeFillType", "taskSlotsPerNode",
    ]);
    if (!pool) return undefined;
    const name = pool.name === undefined ? undefined
        : c.pattern("pool.name", pool.name, POOL_NAME, "must be 1-64 characters of letters, digits, '-' and '_'");
    const vmSize = pool.vmSize === undefined ? c.missing("pool.vmSize", "an Azure VM size such as Standard_D2s_v5")
        : c.string("pool.vmSize", pool.vmSize);
    if (vmSize !== undefined && /^standard_ds\d/i.test(vmSize)) {
        c.warn("pool.vmSize", vmSize, "is a premium-storage DS-series size that Batch may refuse; consider Standard_D2s_v5");
    }
    let image: PoolSpec["image"] | undefined;
    if (pool.image === undefined) c.missing("pool.image", "publisher, offer, sku and optionally version");
    else {
        const img = c.object("pool.image", pool.image, ["publisher", "offer", "sku", "version"]);
        if (img) {
            const part = (k: string): string | undefined =>
                img[k] === undefined ? c.missing(`pool.image.${k}`, "a Marketplace image reference field") : c.string(`pool.image.${k}`, img[k]);
            const publisher = part("publisher");
            const offer = part("offer");
            const sku = part("sku");
            const version = c.string("pool.image.version", img.version) ?? "latest";
            if (publisher && offer && sku) image = { publisher, offer, sku, version };
        }
    }
    const nodeAgentSkuId = pool.nodeAgentSkuId === undefined
        ? c.missing("pool.nodeAgentSkuId", "e.g. batch.node.ubuntu 24.04 or batch.node.windows amd64")
        : c.pattern("pool.nodeAgentSkuId", pool.nodeAgentSkuId, /^batch\.node\.\S+( \S+)*$/,
            "must be a Batch node agent SKU such as batch.node.ubuntu 24.04 or batch.node.windows amd64");
    if (nodeAgentSkuId !== undefined) {
        const retired = RETIRED_NODE_AGENT_SKUS[nodeAgentSkuId.toLowerCase()];
        if (retired) c.warn("pool.nodeAgentSkuId", nodeAgentSkuId, `is retired: ${retired}`);
        if (image && imageLooksWindows(image) !== (osFamilyOf(nodeAgentSkuId) === "windows")) {
            c.fail("pool.nodeAgentSkuId", nodeAgentSkuId,
                `does not match the ${imageLooksWindows(image) ? "Windows" : "Linux"} image ${image.publisher}/${image.offer}/${image.sku}; ` +
                "use batch.node.windows amd64 for Windows images and a batch.node.<distro> SKU for Linux ones");
        }
    }
    const resizeTimeout = c.string("pool.resizeTimeout", pool.resizeTimeout) ?? "PT15M";
    const seconds = durationSeconds(resizeTimeout);
    if (seconds === undefined) c.fail("pool.resizeTimeout", resizeTimeout, "is not an ISO 8601 duration such as PT15M");
    else if (seconds < 300) c.fail("pool.resizeTimeout", resizeTimeout, "is shorter than the minimum of 5 minutes (PT5M)");
    const spec = {
        name,
        vmSize: vmSize ?? "",
        image: image ?? { publisher: "", offer: "", sku: "", version: "" },
        nodeAgentSkuId: nodeAgentSkuId ?? "",
        targetDedicatedNodes: c.integer("pool.targetDedicatedNodes", pool.targetDedicatedNodes, 0, 10000) ?? 1,
        targetLowPriorityNodes: c.integer("pool.targetLowPriorityNodes", pool.targetLowPriorityNodes, 0, 10000) ?? 0,
        resizeTimeout,
        nodeFillType: c.oneOf("pool.nodeFillType", pool.nodeFillType, ["Pack", "Spread"] as const) ?? "Pack",
        taskSlotsPerNode: c.integer("pool.taskSlotsPerNode", pool.taskSlotsPerNode, 1, 256),
    };
    return vmSize && image && nodeAgentSkuId ? spec : undefined;
}

function checkPollingInterval(c: Checker, value: unknown, os: OsFamily): number {
    const path = "keyVaultExtension.pollingIntervalInS";
    // The how-to sends it as a string; accept "300" as well as 300.
    const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    const seconds = c.integer(path, n, 1, 2147483647) ?? 300;
    if (os === "windows" && (seconds < 300 || seconds > 3600)) {
        c.warn(path, value, "is outside 300..3600, which newer KeyVaultForWindows versions (4.0) refuse");
    }
    return seconds;
}

function checkExtension(c: Checker, value: unknown, os: OsFamily): KeyVaultExtensionSpec {
    const ext = c.object("keyVaultExtension", value, [
        "pollingIntervalInS", "requireInitialSync", "certificateStoreLocation", "certificateStoreName", "keyExportable",
        "name", "typeHandlerVersion", "autoUpgradeMinorVersion",
    ]) ?? {};
    const pollingIntervalInS = checkPollingInterval(c, ext.pollingIntervalInS, os);
    const requireInitialSync = c.boolean("keyVaultExtension.requireInitialSync", ext.requireInitialSync, true);
    let certificateStoreLocation: string;
    let certificateStoreName: string | undefined;
    let keyExportable: boolean | undefined;
    if (os === "linux") {
        certificateStoreLocation = c.pattern("keyVaultExtension.certificateStoreLocation", ext.certificateStoreLocation, /^\//,
            "must be an absolute path on a Linux pool, such as /var/lib/waagent/Microsoft.Azure.KeyVault") ?? DEFAULT_LINUX_STORE;
        if (ext.certificateStoreName !== undefined) {
            c.fail("keyVaultExtension.certificateStoreName", ext.certificateStoreName, "applies to Windows pools only; remove it");
        }
        if (ext.keyExportable !== undefined) {
            c.fail("keyVaultExtension.keyExportable", ext.keyExportable, "applies to Windows pools only; remove it");
        }
    } else {
        certificateStoreLocation = c.oneOf("keyVaultExtension.certificateStoreLocation", ext.certificateStoreLocation,
            WINDOWS_STORE_LOCATIONS) ?? "LocalMachine";
        certificateStoreName = c.string("keyVaultExtension.certificateStoreName", ext.certificateStoreName);
        keyExportable = c.boolean("keyVaultExtension.keyExportable", ext.keyExportable, true);
    }
    return {
        pollingIntervalInS,
        requireInitialSync,
        certificateStoreLocation,
        certificateStoreName,
        keyExportable,
        name: c.pattern("keyVaultExtension.name", ext.name, /^[a-zA-Z0-9_.-]{1,64}$/,
            "must be 1-64 characters of letters, digits, '.', '-' and '_'") ?? "KVExtensions",
        typeHandlerVersion: c.pattern("keyVaultExtension.typeHandlerVersion", ext.typeHandlerVersion, /^\d+\.\d+$/,
            "must be a major.minor version such as 3.0") ?? "3.0",
        autoUpgradeMinorVersion: c.boolean("keyVaultExtension.autoUpgradeMinorVersion", ext.autoUpgradeMinorVersion, true),
    };
}

function checkBatchAccount(c: Checker, value: unknown): BatchAccountInput | undefined {
    const acct = c.object("batchAccount", value, ["name", "resourceGroupName"]);
    // {} is the project default (Pulumi.yaml): no account to adopt.
    if (!acct || Object.keys(acct).length === 0) return undefined;
    const name = acct.name === undefined ? c.missing("batchAccount.name", "the Batch account to adopt")
        : c.pattern("batchAccount.name", acct.name, BATCH_ACCOUNT_NAME, "must be 3-24 lowercase letters and digits");
    const resourceGroupName = acct.resourceGroupName === undefined
        ? c.missing("batchAccount.resourceGroupName", "the resource group of the Batch account")
        : c.pattern("batchAccount.resourceGroupName", acct.resourceGroupName, RESOURCE_GROUP_NAME,
            "must be 1-90 characters of letters, digits, '_', '-', '.', '(' and ')'");
    return name && resourceGroupName ? { name, resourceGroupName } : undefined;
}

function checkIdentity(c: Checker, value: unknown): IdentityInput | undefined {
    const identity = c.object("identity", value, ["id"]);
    if (!identity || Object.keys(identity).length === 0) return undefined;
    if (identity.id === undefined) return c.missing("identity.id", "the resource ID of the user-assigned identity to adopt");
    const id = c.pattern("identity.id", identity.id, IDENTITY_ID,
        "must be a user-assigned identity resource ID: " +
        "/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>");
    return id ? { id } : undefined;
}

/** The keys the project's namespace may hold; anything else is a typo. */
export const CONFIG_KEYS = ["batchAccount", "identity", "keyVault", "certificates", "pool", "keyVaultExtension", "tags"] as const;

/**
 * Validates a whole configuration (stack config or component arguments) and
 * applies the defaults. Throws ValidationError listing every problem at once.
 */
export function validateConfig(raw: Record<string, unknown>): ValidationResult {
    const c = new Checker();
    c.object("", raw, CONFIG_KEYS);
    const batchAccount = checkBatchAccount(c, raw.batchAccount);
    const identity = checkIdentity(c, raw.identity);
    const keyVault = checkKeyVault(c, raw.keyVault);
    const certificates = checkCertificates(c, raw.certificates, keyVault.sku);
    const pool = checkPool(c, raw.pool);
    const osFamily = osFamilyOf(pool?.nodeAgentSkuId ?? "");
    const keyVaultExtension = checkExtension(c, raw.keyVaultExtension, osFamily);
    const tags = c.stringMap("tags", raw.tags);
    if (c.problems.length > 0 || !pool) throw new ValidationError(c.problems);
    return {
        config: { batchAccount, identity, keyVault, certificates, pool, keyVaultExtension, osFamily, tags },
        warnings: c.warnings,
    };
}
