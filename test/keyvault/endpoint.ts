// A loopback HTTPS Key Vault endpoint for tests: the certificate data-plane
// calls this project makes, answered as Azure answered them in the recorded
// sessions (test/fixtures/keyvault-recordings): the 401 challenge before the
// bearer token, 202 + Location for a create, `/pending` polled until
// `completed`, certificate, policy, secret and deleted bodies, the error
// bodies, and the lags between a delete or recover and what reads show.
//
// State is in memory and kept per vault: a client that came through the
// loopback proxy (test/support/loopbackProxy.ts) names the vault in its Host
// header, as it would for Azure; an in-process test client that dials the
// endpoint directly names it in TEST_VAULT_HOST_HEADER. Either way IDs in
// answers carry the real vault URL. The TLS certificate covers
// *.vault.azure.net, so the first kind verifies it as it would Azure's (with
// the test CA in NODE_EXTRA_CA_CERTS).
// Each certificate version has a real key pair and a self-signed certificate,
// served as the secret in the policy's content type. What no recording can
// show, Azure's own AutoRenew, is `renew(name)`: a simulated new version under
// the same name and policy.
//
// Keys: RSA, and EC on each curve Key Vault offers for
// certificates (P-256, P-384, P-521, P-256K), in PKCS#12 and PEM; a kty or
// curve Key Vault does not take is refused with 400 BadParameter, as Key Vault
// refuses it. HSM key types issue a software key here.
//
// The vault's certificate contacts (PUT/GET/DELETE /certificates/contacts)
// answer as the recorded contacts session shows: the list with the
// collection's id, and 404 ContactsNotFound once there is none.
//
// Not implemented (answered 405 as Key Vault answers a route it does not
// have, never a silent 200): issuers, import, merge, backup/restore,
// listing certificates.
import { isPlainObject } from "../../components/json";
import * as crypto from "node:crypto";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import { KEY_VAULT_API_VERSION } from "../../components/certificatePolicy";
import { TEST_VAULT_HOST_HEADER } from "./loopbackClient";
import { checkKeyVaultRequest } from "./spec";
import {
    base64url,
    EC_CURVE_NAMES,
    ecKeySize,
    isEcCurveName,
    issueSelfSigned,
    loopbackTls,
    pemBundle,
    pkcs12Base64,
    type CertificateRequest,
    type EcCurveName,
    type IssuedCertificate,
    type KeySpec,
} from "./x509";

export type FaultKind =
    | "forbiddenByRbac" // 403 while a role assignment propagates
    | "forbiddenByFirewall" // 403 ForbiddenByFirewall: the vault's network rules refuse the client
    | "throttled" // 429 with Retry-After
    | "serverError" // 500
    | "notFound" // 404 CertificateNotFound
    | "conflict"; // 409 Conflict (a pending operation)

export interface FaultSpec {
    kind: FaultKind;
    /** How many matching requests get the fault; default: all of them. */
    times?: number;
    method?: string;
    /** Tested against the path (no query), e.g. /\/create$/. */
    path?: RegExp;
    /** For `throttled`: the Retry-After header, in seconds (default 1). */
    retryAfterSeconds?: number;
    /** Only requests for this vault host (default: any). */
    vaultHost?: string;
}

export interface EndpointOptions {
    /** `inProgress` answers of GET /pending before `completed` (the recordings show one to three). */
    pendingPolls?: number;
    /** 404s under /deletedcertificates after a delete before the deleted certificate shows (recorded: two). */
    deletedLagPolls?: number;
    /** 404s under /certificates after a recover before the certificate reads again (recorded: two). */
    recoveredLagPolls?: number;
    /** Purge answers 403 (a vault with purge protection). */
    purgeProtection?: boolean;
    /** The bearer token the endpoint accepts; a random one by default. */
    token?: string;
    /**
     * The vault a request addresses that names none (default:
     * the endpoint's own host). For clients that reach the endpoint by other
     * means than the provider's loopback options, e.g. `npm run verify`'s
     * test transport, so they see the vault the stack's outputs name.
     */
    defaultVaultHost?: string;
}

export interface RecordedCall {
    method: string;
    path: string;
    query: Record<string, string>;
    vaultHost: string;
    authorized: boolean;
    body: unknown;
    status: number;
    responseHeaders: Record<string, string>;
    responseBody: unknown;
    operationId?: string;
    /** What the spec check of the request found; a test asserts it is empty. */
    specProblems: string[];
    /** Which answer this was (e.g. `create:202`, `pending:inProgress`, `fault:throttled`), to compare with a recorded one. */
    kind: string;
}

interface Version {
    id: string;
    created: number;
    updated: number;
    enabled: boolean;
    tags: Record<string, string>;
    /** Undefined while the version is pending issuance. */
    issued?: IssuedCertificate;
    contentType: string;
}

interface PendingOperation {
    requestId: string;
    version: string;
    csr: string;
    issuerName: string;
    pollsLeft: number;
    cancellationRequested: boolean;
    status: "inProgress" | "completed" | "cancelled";
    neverCompletes: boolean;
    /** Key pair and certificate made at create time (the CSR's key is the certificate's), shown once completed. */
    prepared: IssuedCertificate;
}

type Json = Record<string, unknown>;

interface Certificate {
    name: string;
    versions: Version[];
    policy: Json;
    policyCreated: number;
    policyUpdated: number;
    pending?: PendingOperation;
    /** 404s left under /certificates after a recover. */
    recoveredLag: number;
}

interface DeletedCertificate {
    cert: Certificate;
    deletedDate: number;
    scheduledPurgeDate: number;
    /** 404s left under /deletedcertificates after the delete. */
    lag: number;
}

interface Vault {
    host: string;
    live: Map<string, Certificate>;
    deleted: Map<string, DeletedCertificate>;
    /** The certificate contacts as set; undefined when none are (never set, or deleted). */
    contacts?: Json[];
}

export interface RenewResult {
    version: string;
    /** SHA-1 thumbprint, uppercase hex (as the provider reports it). */
    thumbprint: string;
    x5t: string;
}

export interface KeyVaultEndpoint {
    /** `https://127.0.0.1:PORT`. */
    url: string;
    /** PEM of the CA that signed the endpoint's TLS certificate: trust it per client, never globally. */
    caPem: string;
    token: string;
    calls: RecordedCall[];
    faults: {
        inject(fault: FaultSpec): void;
        /** Pending operations of this certificate name never complete. */
        neverComplete(name: string): void;
        clear(): void;
    };
    /** Simulated AutoRenew: a new issued version under the same name and policy (Azure's own renewal can't be recorded). */
    renew(name: string, vaultHost?: string): Promise<RenewResult>;
    /** The vault's certificate contacts as stored, or undefined when none are set. */
    contacts(vaultHost?: string): Json[] | undefined;
    /** Names of live and soft-deleted certificates, for assertions. */
    state(vaultHost?: string): { live: string[]; deleted: string[]; versions(name: string): string[] };
    /** A soft delete done elsewhere (portal, CLI), already visible under /deletedcertificates. */
    deleteOutOfBand(name: string, vaultHost?: string): Promise<void>;
    isSoftDeleted(name: string, vaultHost?: string): boolean;
    /** Every private-key-bearing value this endpoint made (key PEMs, PEM bundles, PFX values served), to prove none leaks. */
    issuedSecretValues(): string[];
    close(): Promise<void>;
}

const TENANT = "12345678-1234-1234-1234-123456789012";
const CHALLENGE = `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`;
const NOT_FOUND_HINT =
    "If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";
const RECOVERY_DAYS = 90;
const NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;

const DEFAULT_EKUS = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"];
const DEFAULT_KEY_USAGE = ["digitalSignature", "keyEncipherment"];

class HttpAnswer {
    constructor(
        readonly status: number,
        readonly body: unknown,
        readonly kind: string,
        readonly headers: Record<string, string> = {},
    ) {}
}

function kvError(status: number, code: string, message: string, kind: string, inner?: string, headers?: Record<string, string>): HttpAnswer {
    const error: Json = { code, message };
    if (inner !== undefined) error.innererror = { code: inner };
    return new HttpAnswer(status, { error }, kind, headers);
}

function certificateNotFound(name: string): HttpAnswer {
    return kvError(404, "CertificateNotFound", `A certificate with (name/id) ${name} was not found in this key vault. ${NOT_FOUND_HINT}`, "certificate:404");
}

function nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
}

/** Key Vault's merge of a policy update: objects merge key by key, everything else replaces. */
function mergePolicy(base: Json, patch: Json): Json {
    const out: Json = { ...base };
    for (const [key, value] of Object.entries(patch)) {
        out[key] = isPlainObject(value) && isPlainObject(base[key]) ? mergePolicy(base[key], value) : value;
    }
    return out;
}

function isEcKeyType(kty: unknown): boolean {
    return kty === "EC" || kty === "EC-HSM";
}

/** An EC policy without `crv`: the curve its key_size names, else P-256. */
function defaultCurve(key: Json): EcCurveName {
    return key.key_size === 384 ? "P-384" : key.key_size === 521 ? "P-521" : "P-256";
}

/**
 * key_props as Key Vault stores them: the request's over the defaults. For EC
 * the curve is always stated and key_size is the curve's size, so the policy
 * says what the certificate's key is.
 */
function storedKeyProps(key: Json): Json {
    if (!isEcKeyType(key.kty)) return { exportable: true, kty: "RSA", key_size: 2048, reuse_key: false, ...key };
    const crv = key.crv ?? defaultCurve(key);
    return { exportable: true, reuse_key: false, ...key, key_size: isEcCurveName(crv) ? ecKeySize(crv) : key.key_size, crv };
}

/** After a policy update: a key type changed to EC gets its curve and size stated, as at create. */
function withStoredKeyProps(policy: Json): Json {
    return { ...policy, key_props: storedKeyProps(isPlainObject(policy.key_props) ? policy.key_props : {}) };
}

export async function startKeyVaultEndpoint(options: EndpointOptions = {}): Promise<KeyVaultEndpoint> {
    const pendingPolls = options.pendingPolls ?? 2;
    const deletedLagPolls = options.deletedLagPolls ?? 2;
    const recoveredLagPolls = options.recoveredLagPolls ?? 2;
    const token = options.token ?? `loopback-test-token-${crypto.randomBytes(8).toString("hex")}`;
    const tls = await loopbackTls();
    const vaults = new Map<string, Vault>();
    const calls: RecordedCall[] = [];
    let faults: (FaultSpec & { left: number })[] = [];
    const neverComplete = new Set<string>();
    let defaultHost = "";
    const secretValues: string[] = [];

    /** The vault given, else the one that holds `name` (helpers called without a host), else the default. */
    function vaultHolding(name: string, host?: string): Vault {
        if (host !== undefined) return vaultFor(host);
        for (const v of vaults.values()) {
            if (v.live.has(name) || v.deleted.has(name)) return v;
        }
        return vaultFor(defaultHost);
    }

    function vaultFor(host: string): Vault {
        let v = vaults.get(host.toLowerCase());
        if (v === undefined) {
            v = { host, live: new Map(), deleted: new Map() };
            vaults.set(host.toLowerCase(), v);
        }
        return v;
    }

    // ----- bodies, shaped as the recordings show them -----

    const base = (vault: Vault): string => `https://${vault.host}`;

    function policyBody(vault: Vault, cert: Certificate): Json {
        const rest = { ...cert.policy };
        delete rest.attributes;
        return {
            id: `${base(vault)}/certificates/${cert.name}/policy`,
            ...rest,
            attributes: { enabled: true, created: cert.policyCreated, updated: cert.policyUpdated },
        };
    }

    function versionAttributes(v: Version, withRecovery: boolean): Json {
        const attrs: Json = { enabled: v.enabled };
        const nbf = v.issued !== undefined ? Math.floor(v.issued.notBefore.getTime() / 1000) : v.created - 600;
        const exp = v.issued !== undefined ? Math.floor(v.issued.notAfter.getTime() / 1000) : v.created + 365 * 86400;
        Object.assign(attrs, { nbf, exp, created: v.created, updated: v.updated });
        if (withRecovery) {
            Object.assign(attrs, { recoveryLevel: options.purgeProtection ? "Recoverable" : "Recoverable+Purgeable", recoverableDays: RECOVERY_DAYS });
        }
        return attrs;
    }

    /** GET /certificates/{name}/{version}: the latest (with policy and pending) or one version (without). */
    function bundle(vault: Vault, cert: Certificate, v: Version, latest: boolean): Json {
        const body: Json = { id: `${base(vault)}/certificates/${cert.name}/${v.id}` };
        if (v.issued !== undefined) {
            body.kid = `${base(vault)}/keys/${cert.name}/${v.id}`;
            body.sid = `${base(vault)}/secrets/${cert.name}/${v.id}`;
            body.x5t = base64url(v.issued.sha1);
            body.cer = v.issued.der.toString("base64");
        }
        body.attributes = versionAttributes(v, true);
        if (Object.keys(v.tags).length > 0) body.tags = { ...v.tags };
        if (latest) {
            body.policy = policyBody(vault, cert);
            if (cert.pending !== undefined) body.pending = { id: `${base(vault)}/certificates/${cert.name}/pending` };
        }
        return body;
    }

    function pendingBody(vault: Vault, cert: Certificate, op: PendingOperation): Json {
        const body: Json = {
            id: `${base(vault)}/certificates/${cert.name}/pending`,
            issuer: { name: op.issuerName },
            csr: op.csr,
            cancellation_requested: op.cancellationRequested,
            status: op.status,
        };
        if (op.status === "inProgress") {
            body.status_details =
                "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.";
        } else {
            body.target = `${base(vault)}/certificates/${cert.name}`;
        }
        body.request_id = op.requestId;
        return body;
    }

    function deletedBody(vault: Vault, d: DeletedCertificate): Json {
        return {
            recoveryId: `${base(vault)}/deletedcertificates/${d.cert.name}`,
            deletedDate: d.deletedDate,
            scheduledPurgeDate: d.scheduledPurgeDate,
            ...bundle(vault, d.cert, latestVersion(d.cert), true),
        };
    }

    /** The newest issued version; the pending one only when none is issued yet (as recorded for a first version). */
    function latestVersion(cert: Certificate): Version {
        for (let i = cert.versions.length - 1; i >= 0; i--) {
            if (cert.versions[i].issued !== undefined) return cert.versions[i];
        }
        return cert.versions[cert.versions.length - 1];
    }

    // ----- issuance -----

    function keySpecOf(key: Json): KeySpec | HttpAnswer {
        const kty = key.kty ?? "RSA";
        if (kty === "RSA" || kty === "RSA-HSM") return { kty: "RSA", size: typeof key.key_size === "number" ? key.key_size : 2048 };
        if (kty === "EC" || kty === "EC-HSM") {
            const crv = key.crv ?? defaultCurve(key);
            if (!isEcCurveName(crv)) {
                return kvError(400, "BadParameter", `Invalid curve name '${String(crv)}' for key type ${kty}: use one of ${EC_CURVE_NAMES.join(", ")}.`, "create:400");
            }
            return { kty: "EC", curve: crv };
        }
        return kvError(400, "BadParameter", `Invalid key type '${String(kty)}' for a certificate: use one of RSA, RSA-HSM, EC, EC-HSM.`, "create:400");
    }

    function issueRequestOf(policy: Json): CertificateRequest | HttpAnswer {
        const key = isPlainObject(policy.key_props) ? policy.key_props : {};
        const x509 = isPlainObject(policy.x509_props) ? policy.x509_props : {};
        const keySpec = keySpecOf(key);
        if (keySpec instanceof HttpAnswer) return keySpec;
        const sans = isPlainObject(x509.sans) ? x509.sans : {};
        return {
            subject: typeof x509.subject === "string" ? x509.subject : "CN=default",
            dnsNames: Array.isArray(sans.dns_names) ? sans.dns_names.map(String) : [],
            key: keySpec,
            validityMonths: typeof x509.validity_months === "number" ? x509.validity_months : 12,
            ekus: Array.isArray(x509.ekus) ? x509.ekus.map(String) : DEFAULT_EKUS,
            keyUsage: Array.isArray(x509.key_usage) ? x509.key_usage.map(String) : DEFAULT_KEY_USAGE,
        };
    }

    /** The policy as Key Vault stores it: the request's values over Key Vault's defaults. */
    function storedPolicy(requested: Json): Json {
        const key = isPlainObject(requested.key_props) ? requested.key_props : {};
        const secret = isPlainObject(requested.secret_props) ? requested.secret_props : {};
        const x509 = isPlainObject(requested.x509_props) ? requested.x509_props : {};
        const issuer = isPlainObject(requested.issuer) ? requested.issuer : { name: "Unknown" };
        return {
            key_props: storedKeyProps(key),
            secret_props: { contentType: "application/x-pkcs12", ...secret },
            x509_props: {
                subject: x509.subject,
                sans: x509.sans ?? {},
                ekus: x509.ekus ?? DEFAULT_EKUS,
                key_usage: x509.key_usage ?? DEFAULT_KEY_USAGE,
                validity_months: x509.validity_months ?? 12,
                basic_constraints: { ca: false },
            },
            lifetime_actions: Array.isArray(requested.lifetime_actions)
                ? requested.lifetime_actions
                : [{ trigger: { lifetime_percentage: 80 }, action: { action_type: "AutoRenew" } }],
            issuer,
        };
    }

    function contentTypeOf(policy: Json): string {
        const secret = isPlainObject(policy.secret_props) ? policy.secret_props : {};
        return typeof secret.contentType === "string" ? secret.contentType : "application/x-pkcs12";
    }

    function completeIssuance(cert: Certificate, op: PendingOperation): void {
        const v = cert.versions.find((x) => x.id === op.version);
        if (v !== undefined && v.issued === undefined) {
            v.issued = op.prepared;
            v.enabled = true;
            v.updated = nowSeconds();
        }
        op.status = "completed";
    }

    async function create(vault: Vault, name: string, body: Json): Promise<HttpAnswer> {
        if (!NAME_PATTERN.test(name)) {
            return kvError(400, "BadParameter", `Certificate name '${name}' is invalid: it must be 1-127 characters of letters, digits and dashes.`, "create:400");
        }
        const deleted = vault.deleted.get(name);
        if (deleted !== undefined) {
            return kvError(
                409,
                "Conflict",
                deleted.lag > 0
                    ? `Certificate ${name} is currently being deleted.`
                    : `Certificate ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.`,
                "create:409",
            );
        }
        const existing = vault.live.get(name);
        if (existing?.pending?.status === "inProgress") {
            return kvError(409, "Conflict", `There was a conflict: a pending operation exists for certificate ${name}.`, "create:409");
        }
        const requested = isPlainObject(body.policy) ? body.policy : {};
        const policy = existing !== undefined && Object.keys(requested).length === 0 ? existing.policy : storedPolicy(requested);
        const request = issueRequestOf(policy);
        if (request instanceof HttpAnswer) return request;
        const now = nowSeconds();
        const cert: Certificate = existing ?? { name, versions: [], policy, policyCreated: now, policyUpdated: now, recoveredLag: 0 };
        if (existing !== undefined) {
            cert.policy = policy;
            cert.policyUpdated = now;
        }
        const prepared = await issueSelfSigned(request);
        secretValues.push(prepared.keyPem);
        const version: Version = {
            id: crypto.randomBytes(16).toString("hex"),
            created: now,
            updated: now,
            enabled: false,
            tags: isPlainObject(body.tags) ? Object.fromEntries(Object.entries(body.tags).map(([k, v]) => [k, String(v)])) : {},
            contentType: contentTypeOf(policy),
        };
        cert.versions.push(version);
        const issuerName = isPlainObject(policy.issuer) && typeof policy.issuer.name === "string" ? policy.issuer.name : "Unknown";
        const op: PendingOperation = {
            requestId: crypto.randomBytes(16).toString("hex"),
            version: version.id,
            csr: prepared.csrDer.toString("base64"),
            issuerName,
            pollsLeft: pendingPolls,
            cancellationRequested: false,
            status: "inProgress",
            // Only "Self" issues here: a CA issuer (or "Unknown", which waits for a merge) never completes.
            neverCompletes: neverComplete.has(name) || issuerName.toLowerCase() !== "self",
            prepared,
        };
        cert.pending = op;
        vault.live.set(name, cert);
        const location = `${base(vault)}/certificates/${name}/pending?api-version=${KEY_VAULT_API_VERSION}&request_id=${op.requestId}`;
        return new HttpAnswer(202, pendingBody(vault, cert, op), "create:202", { Location: location, "Retry-After": "10" });
    }

    async function getPending(vault: Vault, name: string): Promise<HttpAnswer> {
        const cert = vault.live.get(name);
        const op = cert?.pending;
        if (cert === undefined || op === undefined) {
            return kvError(404, "PendingCertificateNotFound", `Pending Certificate not found: ${name}`, "pending:404");
        }
        if (op.status === "inProgress" && !op.neverCompletes && !op.cancellationRequested) {
            if (op.pollsLeft > 0) {
                op.pollsLeft--;
            } else {
                completeIssuance(cert, op);
            }
        }
        return new HttpAnswer(200, pendingBody(vault, cert, op), `pending:${op.status}`, op.status === "inProgress" ? { "Retry-After": "10" } : {});
    }

    function liveOr404(vault: Vault, name: string): Certificate | HttpAnswer {
        const cert = vault.live.get(name);
        if (cert === undefined) return certificateNotFound(name);
        if (cert.recoveredLag > 0) {
            cert.recoveredLag--;
            return certificateNotFound(name);
        }
        return cert;
    }

    function getCertificate(vault: Vault, name: string, version: string): HttpAnswer {
        const cert = liveOr404(vault, name);
        if (cert instanceof HttpAnswer) return cert;
        if (version === "") {
            const latest = latestVersion(cert);
            return new HttpAnswer(200, bundle(vault, cert, latest, true), latest.issued === undefined ? "certificate:pending" : "certificate:latest");
        }
        const v = cert.versions.find((x) => x.id === version);
        if (v === undefined) return certificateNotFound(`${name}/${version}`);
        return new HttpAnswer(200, bundle(vault, cert, v, false), "certificate:version");
    }

    function updateCertificate(vault: Vault, name: string, version: string, body: Json): HttpAnswer {
        const cert = liveOr404(vault, name);
        if (cert instanceof HttpAnswer) return cert;
        const v = version === "" ? latestVersion(cert) : cert.versions.find((x) => x.id === version);
        if (v === undefined) return certificateNotFound(`${name}/${version}`);
        if (isPlainObject(body.tags)) v.tags = Object.fromEntries(Object.entries(body.tags).map(([k, t]) => [k, String(t)]));
        if (isPlainObject(body.attributes) && typeof body.attributes.enabled === "boolean" && v.issued !== undefined) v.enabled = body.attributes.enabled;
        if (isPlainObject(body.policy)) {
            cert.policy = withStoredKeyProps(mergePolicy(cert.policy, body.policy));
            cert.policyUpdated = nowSeconds();
        }
        v.updated = nowSeconds();
        // Key Vault answers a PATCH with the certificate as a GET would show it.
        return new HttpAnswer(200, bundle(vault, cert, v, true), v.issued === undefined ? "certificate:pending" : "certificate:latest");
    }

    function updatePolicy(vault: Vault, name: string, body: Json): HttpAnswer {
        const cert = liveOr404(vault, name);
        if (cert instanceof HttpAnswer) return cert;
        // Read-only parts of a policy are Key Vault's to set.
        const patch = { ...body };
        delete patch.attributes;
        delete patch.id;
        cert.policy = withStoredKeyProps(mergePolicy(cert.policy, patch));
        cert.policyUpdated = nowSeconds();
        return new HttpAnswer(200, policyBody(vault, cert), "policy:updated");
    }

    function getPolicy(vault: Vault, name: string): HttpAnswer {
        const cert = liveOr404(vault, name);
        if (cert instanceof HttpAnswer) return cert;
        return new HttpAnswer(200, policyBody(vault, cert), "policy:get");
    }

    function listVersions(vault: Vault, name: string): HttpAnswer {
        const cert = liveOr404(vault, name);
        if (cert instanceof HttpAnswer) return cert;
        const value = [...cert.versions].reverse().map((v) => {
            const item: Json = { id: `${base(vault)}/certificates/${name}/${v.id}` };
            if (v.issued !== undefined) item.x5t = base64url(v.issued.sha1);
            item.attributes = versionAttributes(v, false);
            if (Object.keys(v.tags).length > 0) item.tags = { ...v.tags };
            item.subject = "";
            return item;
        });
        return new HttpAnswer(200, { value, nextLink: null }, "versions:list");
    }

    function deleteCertificate(vault: Vault, name: string): HttpAnswer {
        const cert = vault.live.get(name);
        if (cert === undefined) return certificateNotFound(name);
        vault.live.delete(name);
        const deletedDate = nowSeconds();
        const d: DeletedCertificate = { cert, deletedDate, scheduledPurgeDate: deletedDate + RECOVERY_DAYS * 86400, lag: deletedLagPolls };
        cert.recoveredLag = 0;
        vault.deleted.set(name, d);
        return new HttpAnswer(200, deletedBody(vault, d), "delete:200");
    }

    function deletedNotFound(name: string): HttpAnswer {
        return kvError(404, "CertificateNotFound", `Deleted Certificate not found: ${name}`, "deleted:404");
    }

    function getDeleted(vault: Vault, name: string): HttpAnswer {
        const d = vault.deleted.get(name);
        if (d === undefined) return deletedNotFound(name);
        if (d.lag > 0) {
            d.lag--;
            return deletedNotFound(name);
        }
        return new HttpAnswer(200, deletedBody(vault, d), "deleted:200");
    }

    function recover(vault: Vault, name: string): HttpAnswer {
        const d = vault.deleted.get(name);
        if (d === undefined || d.lag > 0) return deletedNotFound(name);
        vault.deleted.delete(name);
        d.cert.recoveredLag = recoveredLagPolls;
        vault.live.set(name, d.cert);
        return new HttpAnswer(200, bundle(vault, d.cert, latestVersion(d.cert), true), "recover:200");
    }

    function purge(vault: Vault, name: string): HttpAnswer {
        const d = vault.deleted.get(name);
        if (d === undefined) return deletedNotFound(name);
        if (d.lag > 0) return kvError(409, "Conflict", `Certificate ${name} is currently being deleted.`, "purge:409");
        if (options.purgeProtection) {
            return kvError(
                403,
                "Forbidden",
                `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`,
                "purge:403",
            );
        }
        vault.deleted.delete(name);
        return new HttpAnswer(204, undefined, "purge:204");
    }

    function getSecret(vault: Vault, name: string, version: string): HttpAnswer {
        const cert = vault.live.get(name);
        const notFound = kvError(
            404,
            "SecretNotFound",
            `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
            "secret:404",
        );
        if (cert === undefined || cert.recoveredLag > 0) return notFound;
        const v = version === "" ? latestVersion(cert) : cert.versions.find((x) => x.id === version);
        if (v?.issued === undefined) return notFound;
        const value = v.contentType === "application/x-pem-file" ? pemBundle(v.issued) : pkcs12Base64(v.issued);
        secretValues.push(value);
        const body: Json = {
            value,
            contentType: v.contentType,
            id: `${base(vault)}/secrets/${name}/${v.id}`,
            managed: true,
            attributes: versionAttributes(v, true),
        };
        if (Object.keys(v.tags).length > 0) body.tags = { ...v.tags };
        body.kid = `${base(vault)}/keys/${name}/${v.id}`;
        return new HttpAnswer(200, body, `secret:${v.contentType === "application/x-pem-file" ? "pem" : "pkcs12"}`);
    }

    function updatePending(vault: Vault, name: string, body: Json): HttpAnswer {
        const cert = vault.live.get(name);
        const op = cert?.pending;
        if (cert === undefined || op === undefined) return kvError(404, "PendingCertificateNotFound", `Pending Certificate not found: ${name}`, "pending:404");
        if (body.cancellation_requested === true && op.status === "inProgress") op.cancellationRequested = true;
        return new HttpAnswer(200, pendingBody(vault, cert, op), "pending:updated");
    }

    function deletePending(vault: Vault, name: string): HttpAnswer {
        const cert = vault.live.get(name);
        const op = cert?.pending;
        if (cert === undefined || op === undefined) return kvError(404, "PendingCertificateNotFound", `Pending Certificate not found: ${name}`, "pending:404");
        cert.pending = undefined;
        if (op.status === "inProgress") {
            if (op.issuerName.toLowerCase() === "self" && !op.neverCompletes) {
                // As recorded: a self-signed issuance has already happened by then; the operation reads completed.
                completeIssuance(cert, op);
            } else {
                // A CA's request that is dropped never becomes a certificate version.
                cert.versions = cert.versions.filter((v) => v.id !== op.version);
                op.status = "completed";
                if (cert.versions.length === 0) vault.live.delete(name);
            }
        }
        return new HttpAnswer(200, pendingBody(vault, cert, op), "pending:deleted");
    }

    // ----- certificate contacts -----

    function contactsBody(vault: Vault, contacts: Json[]): Json {
        return { id: `${base(vault)}/certificates/contacts`, contacts: contacts.map((c) => ({ ...c })) };
    }

    function contactsNotFound(): HttpAnswer {
        return kvError(404, "ContactsNotFound", "Contacts not found", "contacts:404");
    }

    /** PUT replaces the whole list (SetCertificateContacts); the answer is the list as stored. */
    function setContacts(vault: Vault, body: Json): HttpAnswer {
        const list = Array.isArray(body.contacts) ? body.contacts.filter(isPlainObject) : [];
        vault.contacts = list.map((c) => ({ ...c }));
        return new HttpAnswer(200, contactsBody(vault, vault.contacts), "contacts:put");
    }

    function getContacts(vault: Vault): HttpAnswer {
        return vault.contacts === undefined ? contactsNotFound() : new HttpAnswer(200, contactsBody(vault, vault.contacts), "contacts:get");
    }

    /** As recorded: DELETE answers the list it removed. With none set it answers the GET's 404 (not recorded: Key Vault's own not-found). */
    function deleteContacts(vault: Vault): HttpAnswer {
        const contacts = vault.contacts;
        if (contacts === undefined) return contactsNotFound();
        vault.contacts = undefined;
        return new HttpAnswer(200, contactsBody(vault, contacts), "contacts:delete");
    }

    // ----- faults -----

    function fault(vault: Vault, method: string, path: string): HttpAnswer | undefined {
        const f = faults.find(
            (x) =>
                x.left > 0 &&
                (x.method === undefined || x.method.toUpperCase() === method) &&
                (x.path === undefined || x.path.test(path)) &&
                (x.vaultHost === undefined || x.vaultHost.toLowerCase() === vault.host.toLowerCase()),
        );
        if (f === undefined) return undefined;
        f.left--;
        const vaultName = vault.host.split(".")[0];
        const name = decodeURIComponent(path.split("/")[2] ?? "");
        switch (f.kind) {
            case "forbiddenByRbac":
                return kvError(
                    403,
                    "Forbidden",
                    "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n" +
                        "Caller: appid=00000000-0000-0000-0000-000000000001;oid=00000000-0000-0000-0000-000000000002;iss=https://sts.windows.net/" +
                        `${TENANT}/\r\nAction: 'Microsoft.KeyVault/vaults/certificates/create/action'\r\nResource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/microsoft.keyvault/vaults/${vaultName}/certificates/${name}'\r\n` +
                        `Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: ${vaultName};location=westus2\r\n`,
                    "fault:forbiddenByRbac",
                    "ForbiddenByRbac",
                );
            case "forbiddenByFirewall":
                return kvError(
                    403,
                    "Forbidden",
                    "Client address is not authorized and caller is not a trusted service.\r\nClient address: 203.0.113.7\r\n" +
                        `Caller: appid=00000000-0000-0000-0000-000000000001;oid=00000000-0000-0000-0000-000000000002;iss=https://sts.windows.net/${TENANT}/\r\nVault: ${vaultName};location=westus2`,
                    "fault:forbiddenByFirewall",
                    "ForbiddenByFirewall",
                );
            case "throttled":
                return kvError(
                    429,
                    "Throttled",
                    "Request was not processed because too many requests were received. Reason: A generic ratelimit was hit.",
                    "fault:throttled",
                    undefined,
                    { "Retry-After": String(f.retryAfterSeconds ?? 1) },
                );
            case "serverError":
                return kvError(500, "InternalServerError", "An unexpected error occurred while processing the request.", "fault:serverError");
            case "notFound":
                return new HttpAnswer(404, certificateNotFound(name).body, "fault:notFound");
            case "conflict":
                return kvError(409, "Conflict", `There was a conflict: a pending operation exists for certificate ${name}.`, "fault:conflict");
        }
    }

    // ----- routing -----

    async function route(vault: Vault, method: string, segments: string[], body: unknown): Promise<HttpAnswer> {
        const json: Json = isPlainObject(body) ? body : {};
        const [collection, name = "", third, fourth] = segments;
        const n = segments.length;
        if (collection === "certificates" && name === "contacts" && n === 2) {
            if (method === "PUT") return setContacts(vault, json);
            if (method === "GET") return getContacts(vault);
            if (method === "DELETE") return deleteContacts(vault);
        }
        if (collection === "certificates" && n >= 2 && name !== "" && !["contacts", "issuers", "restore"].includes(name)) {
            if (n === 3 && third === "create" && method === "POST") return create(vault, name, json);
            if (n === 3 && third === "pending") {
                if (method === "GET") return getPending(vault, name);
                if (method === "PATCH") return updatePending(vault, name, json);
                if (method === "DELETE") return deletePending(vault, name);
            }
            if (n === 3 && third === "policy") {
                if (method === "GET") return getPolicy(vault, name);
                if (method === "PATCH") return updatePolicy(vault, name, json);
            }
            if (n === 3 && third === "versions" && method === "GET") return listVersions(vault, name);
            if (n === 2 && method === "DELETE") return deleteCertificate(vault, name);
            const reserved = ["create", "pending", "policy", "versions", "import", "backup"];
            if ((n === 2 || (n === 3 && !reserved.includes(third ?? ""))) && fourth === undefined) {
                if (method === "GET") return getCertificate(vault, name, third ?? "");
                if (method === "PATCH") return updateCertificate(vault, name, third ?? "", json);
            }
        }
        if (collection === "deletedcertificates" && name !== "") {
            if (n === 2 && method === "GET") return getDeleted(vault, name);
            if (n === 2 && method === "DELETE") return purge(vault, name);
            if (n === 3 && third === "recover" && method === "POST") return recover(vault, name);
        }
        if (collection === "secrets" && name !== "" && (n === 2 || n === 3) && method === "GET" && third !== "versions") {
            return getSecret(vault, name, third ?? "");
        }
        // As Key Vault answers a route it does not serve (recorded for POST /certificates//create).
        return kvError(405, "MethodNotAllowed", `HTTP ${method} not allowed`, "unknown-route:405");
    }

    async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const text = Buffer.concat(chunks).toString("utf8");
        const url = new URL(req.url ?? "/", "https://loopback");
        const method = (req.method ?? "GET").toUpperCase();
        const vaultHost = vaultHostOf(req);
        const vault = vaultFor(vaultHost);
        let body: unknown;
        let answer: HttpAnswer;
        try {
            body = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
        } catch {
            body = text;
        }
        const auth = req.headers.authorization;
        const authorized = auth === `Bearer ${token}`;
        const apiVersion = url.searchParams.get("api-version");
        const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
        // Key Vault keeps a trailing empty segment: `/certificates/x/` asks for the latest version.
        if (segments.length > 2 && segments[segments.length - 1] === "" && segments[0] !== "certificates" && segments[0] !== "secrets") segments.pop();
        if (segments.length === 2 && segments[1] === "") segments.pop();
        if (auth === undefined || auth === "") {
            answer = kvError(401, "Unauthorized", "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token.", "challenge:401", undefined, { "WWW-Authenticate": CHALLENGE });
        } else if (!authorized) {
            answer = kvError(401, "Unauthorized", "AKV10032: Invalid issuer. Expected one of the test tokens of this endpoint.", "unauthorized:401", undefined, {
                "WWW-Authenticate": CHALLENGE,
            });
        } else if (apiVersion !== KEY_VAULT_API_VERSION) {
            answer = kvError(
                400,
                "BadParameter",
                apiVersion === null
                    ? "The request URI is missing the api-version query parameter."
                    : `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${KEY_VAULT_API_VERSION}).`,
                "api-version:400",
            );
        } else if (typeof body === "string") {
            answer = kvError(400, "BadParameter", "The request body is not valid JSON.", "body:400");
        } else {
            try {
                answer = fault(vault, method, url.pathname) ?? (await route(vault, method, segments, body));
            } catch (err) {
                answer = kvError(500, "InternalServerError", `loopback endpoint failure: ${err instanceof Error ? err.message : String(err)}`, "endpoint-bug:500");
            }
        }
        const check = authorized ? checkKeyVaultRequest(method, url.pathname, url.searchParams, body) : { problems: [] as string[], operationId: undefined };
        const payload = answer.body === undefined ? "" : JSON.stringify(answer.body);
        const headers: Record<string, string> = {
            "Cache-Control": "no-cache",
            Pragma: "no-cache",
            Expires: "-1",
            "Strict-Transport-Security": "max-age=31536000;includeSubDomains",
            "X-Content-Type-Options": "nosniff",
            "x-ms-keyvault-region": "westus2",
            "x-ms-keyvault-service-version": "1.9.3070.2",
            "x-ms-keyvault-network-info": "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;",
            "x-ms-request-id": crypto.randomUUID(),
            ...answer.headers,
        };
        const clientRequestId = req.headers["x-ms-client-request-id"];
        if (typeof clientRequestId === "string") headers["x-ms-client-request-id"] = clientRequestId;
        if (answer.body !== undefined) headers["Content-Type"] = "application/json; charset=utf-8";
        headers["Content-Length"] = String(Buffer.byteLength(payload));
        calls.push({
            method,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            vaultHost,
            authorized,
            body,
            status: answer.status,
            responseHeaders: headers,
            responseBody: answer.body,
            operationId: check.operationId,
            specProblems: check.problems,
            kind: answer.kind,
        });
        res.writeHead(answer.status, headers);
        res.end(payload);
    }

    function vaultHostOf(req: IncomingMessage): string {
        const named = req.headers[TEST_VAULT_HOST_HEADER];
        if (typeof named === "string" && named !== "") return named;
        // Through the proxy the Host header is the vault's own; dialled directly it is this endpoint's address.
        const host = req.headers.host ?? "";
        return host !== "" && !/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host) ? host : defaultHost;
    }

    const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
        handle(req, res).catch((err: unknown) => {
            res.writeHead(500, { "Content-Type": "text/plain" });
            res.end(String(err));
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const url = `https://127.0.0.1:${port}`;
    defaultHost = options.defaultVaultHost ?? `127.0.0.1:${port}`;

    return {
        url,
        caPem: tls.caPem,
        token,
        calls,
        faults: {
            inject(f: FaultSpec): void {
                faults.push({ ...f, left: f.times ?? Number.POSITIVE_INFINITY });
            },
            neverComplete(name: string): void {
                neverComplete.add(name);
            },
            clear(): void {
                faults = [];
                neverComplete.clear();
            },
        },
        async renew(name: string, vaultHost?: string): Promise<RenewResult> {
            const vault = vaultHolding(name, vaultHost);
            const cert = vault.live.get(name);
            if (cert === undefined) throw new Error(`renew: no live certificate ${name} in ${vault.host}`);
            const request = issueRequestOf(cert.policy);
            if (request instanceof HttpAnswer) throw new Error(`renew: ${JSON.stringify(request.body)}`);
            const previous = latestVersion(cert);
            const now = nowSeconds();
            const v: Version = {
                id: crypto.randomBytes(16).toString("hex"),
                created: now,
                updated: now,
                enabled: true,
                tags: { ...previous.tags },
                contentType: contentTypeOf(cert.policy),
                issued: await issueSelfSigned(request),
            };
            secretValues.push((v.issued as IssuedCertificate).keyPem);
            cert.versions.push(v);
            const issued = v.issued as IssuedCertificate;
            return { version: v.id, thumbprint: issued.sha1.toString("hex").toUpperCase(), x5t: base64url(issued.sha1) };
        },
        contacts(vaultHost?: string) {
            const vault = vaultFor(vaultHost ?? defaultHost);
            return vault.contacts?.map((c) => ({ ...c }));
        },
        state(vaultHost?: string) {
            const vault = vaultHost !== undefined ? vaultFor(vaultHost) : vaultFor(defaultHost);
            return {
                live: [...vault.live.keys()],
                deleted: [...vault.deleted.keys()],
                versions: (name: string) => (vault.live.get(name) ?? vault.deleted.get(name)?.cert)?.versions.map((v) => v.id) ?? [],
            };
        },
        deleteOutOfBand(name: string, vaultHost?: string): Promise<void> {
            const vault = vaultHolding(name, vaultHost);
            const answer = deleteCertificate(vault, name);
            if (answer.status !== 200) return Promise.reject(new Error(`deleteOutOfBand: ${JSON.stringify(answer.body)}`));
            const d = vault.deleted.get(name);
            if (d !== undefined) d.lag = 0;
            return Promise.resolve();
        },
        isSoftDeleted(name: string, vaultHost?: string): boolean {
            return vaultHolding(name, vaultHost).deleted.has(name);
        },
        issuedSecretValues(): string[] {
            return [...secretValues];
        },
        async close(): Promise<void> {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
