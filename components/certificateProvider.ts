// The dynamic provider behind KeyVaultCertificate: create / read / diff /
// update / delete over the Key Vault data plane (`@azure/keyvault-certificates`).
//
// Pulumi serializes this provider's closure into the state file and runs it
// in a separate host, so: SDK packages are require()d inside function bodies
// (capturing the module object would drag the whole package into the
// serialized text), and everything reachable from the methods must be plain
// data, arrays or functions: a Set or Map arrives empty, a subclass of Error
// loses its message. The tests run every behaviour against the serialized
// text in Pulumi's own dynamic-provider process (test/keyvault/shipped.test.ts).
// Nothing here is for tests only: tests reach their loopback vault as any
// deployment reaches a vault (proxy, trusted CAs and credential from the
// environment). Nothing here ever reads the certificate's secret: outputs
// hold IDs, version, thumbprint and expiry only.
import type * as pulumi from "@pulumi/pulumi";
import type { CertificateClient, KeyVaultCertificateWithPolicy } from "@azure/keyvault-certificates";
import type { CertificateSpec } from "./types";
import { canonicalJson } from "./json";
import { requestTimeoutPolicy } from "./requestTimeout";

export { requestTimeoutPolicy };
import { KEY_VAULT_API_VERSION, buildCertificatePolicy, versionlessCertificateId, versionlessSecretId } from "./certificatePolicy";
import {
    RBAC_PROPAGATION_FIX,
    isForbiddenByFirewall,
    isNamedError,
    isRetryExhausted,
    isRetryable,
    messageOf,
    namedError,
    networkFailureCodeOf,
    responseTextOf,
    retryWithBackoff,
    statusCodeOf,
} from "./retry";

/** The inputs the resource passes, exactly (the offline plan reads them). */
export interface CertificateInputs {
    vaultUri: string;
    certificate: CertificateSpec;
    purgeOnDelete: boolean;
}

/** What goes into state: the inputs plus public facts about the issued certificate. */
export interface CertificateOutputs extends CertificateInputs {
    name: string;
    /** Versionless `{vault}/certificates/{name}`. */
    certificateId: string;
    /** Versionless `{vault}/secrets/{name}`: what the Key Vault VM extension observes. */
    secretId: string;
    version: string;
    /** SHA-1 thumbprint, uppercase hex. */
    thumbprint: string;
    /** ISO 8601. */
    expiresOn: string;
}

/** The client calls the provider makes; a real CertificateClient satisfies it. */
export type CertificateClientLike = Pick<
    CertificateClient,
    | "beginCreateCertificate"
    | "getCertificate"
    | "getCertificateOperation"
    | "getDeletedCertificate"
    | "beginRecoverDeletedCertificate"
    | "updateCertificatePolicy"
    | "updateCertificateProperties"
    | "beginDeleteCertificate"
    | "purgeDeletedCertificate"
>;

export type CertificateClientFactory = (vaultUri: string, options: Pick<CertificateProviderOptions, "requestTimeoutMs">) => CertificateClientLike;

/**
 * Time bounds. The defaults suit Azure; tests pass short ones. These are
 * deliberately not reachable from resource inputs or stack config.
 */
export interface CertificateProviderOptions {
    /** Longest wait for issuance; a CA that has not issued by then ends in an error. */
    createTimeoutMs: number;
    /** Longest wait for a soft delete or a recovery to complete. */
    deleteTimeoutMs: number;
    pollIntervalMs: number;
    /**
     * Longest wait for one HTTP answer. The SDK sets none, so a vault address
     * that accepts connections and never answers (a firewall appliance, a
     * half-open proxy) would hold `pulumi up` forever.
     */
    requestTimeoutMs: number;
    /** Bounds for retrying 403 (RBAC propagation), 429 and 5xx. */
    retry: { maxAttempts: number; maxTotalWaitMs: number; initialDelayMs: number; maxDelayMs: number };
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
}

export const DEFAULT_PROVIDER_OPTIONS: CertificateProviderOptions = {
    createTimeoutMs: 10 * 60_000,
    deleteTimeoutMs: 3 * 60_000,
    pollIntervalMs: 2_000,
    requestTimeoutMs: 60_000,
    // Azure documents up to ~10 minutes for role assignments to take effect.
    retry: { maxAttempts: 12, maxTotalWaitMs: 10 * 60_000, initialDelayMs: 5_000, maxDelayMs: 60_000 },
};

/**
 * The real SDK client, pinned to KEY_VAULT_API_VERSION, signed in through
 * DefaultAzureCredential (so `AZURE_TOKEN_CREDENTIALS`, a pipeline's
 * environment credential or `az login` choose the identity) and reaching the
 * vault the way the process's environment says: `HTTPS_PROXY`/`NO_PROXY`,
 * `NODE_EXTRA_CA_CERTS` for a TLS-inspecting proxy's CA.
 */
export function createCertificateClient(vaultUri: string, options: Pick<CertificateProviderOptions, "requestTimeoutMs">): CertificateClient {
    // require() inside the body: see the note at the top of this file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const certificates = require("@azure/keyvault-certificates") as typeof import("@azure/keyvault-certificates");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const identity = require("@azure/identity") as typeof import("@azure/identity");
    return new certificates.CertificateClient(vaultUri, new identity.DefaultAzureCredential(), {
        serviceVersion: KEY_VAULT_API_VERSION,
        additionalPolicies: [{ position: "perRetry", policy: requestTimeoutPolicy(options.requestTimeoutMs) }],
        // One retry layer, the provider's (withRetry: Retry-After, propagation, the documented
        // bounds); the SDK's own would multiply every attempt by four and void those bounds.
        retryOptions: { maxRetries: 0 },
    });
}

/** The factory used by the real resource. */
export function defaultCertificateClientFactory(vaultUri: string, options: Pick<CertificateProviderOptions, "requestTimeoutMs">): CertificateClientLike {
    return createCertificateClient(vaultUri, options);
}

export function makeCertificateProvider(
    clientFactory: CertificateClientFactory = defaultCertificateClientFactory,
    options: Partial<CertificateProviderOptions> = {},
): pulumi.dynamic.ResourceProvider<CertificateInputs, CertificateOutputs> {
    const resolve = (): CertificateProviderOptions => ({ ...DEFAULT_PROVIDER_OPTIONS, ...options });

    return {
        async create(inputs: CertificateInputs): Promise<pulumi.dynamic.CreateResult<CertificateOutputs>> {
            const opts = resolve();
            const where = `certificate "${inputs.certificate.name}" in ${inputs.vaultUri}`;
            try {
                const client = clientFactory(inputs.vaultUri, opts);
                const outs = await createOrRecover(client, inputs, opts);
                return { id: outs.certificateId, outs };
            } catch (err) {
                throw explainFinal(`create ${where}`, inputs.vaultUri, err);
            }
        },

        async read(id: string, props?: CertificateOutputs): Promise<pulumi.dynamic.ReadResult<CertificateOutputs>> {
            if (props === undefined) {
                throw new Error(
                    `read certificate ${id}: no prior state to read from; import is not supported, ` +
                        "declare the certificate in the program and run `pulumi up` instead",
                );
            }
            const opts = resolve();
            const name = props.certificate.name;
            const operation = `read certificate "${name}" in ${props.vaultUri}`;
            const client = clientFactory(props.vaultUri, opts);
            let cert: KeyVaultCertificateWithPolicy;
            try {
                cert = await withRetry(opts, operation, props.vaultUri, () => client.getCertificate(name));
            } catch (err) {
                // Deleted (or soft-deleted) out of band: an empty ID tells Pulumi it is gone, so `up` recreates it.
                if (statusCodeOf(err) === 404) {
                    return { id: "", props: undefined };
                }
                throw explainFinal(operation, props.vaultUri, err);
            }
            return { id, props: toOutputs(props, cert) };
        },

        async diff(_id: string, olds: CertificateOutputs, news: CertificateInputs): Promise<pulumi.dynamic.DiffResult> {
            return diffCertificate(olds, news);
        },

        async update(id: string, olds: CertificateOutputs, news: CertificateInputs): Promise<pulumi.dynamic.UpdateResult<CertificateOutputs>> {
            const opts = resolve();
            const name = news.certificate.name;
            const where = `certificate "${name}" in ${news.vaultUri}`;
            const vault = news.vaultUri;
            const client = clientFactory(news.vaultUri, opts);
            try {
                if (policyChanged(olds.certificate, news.certificate)) {
                    // Applies to the next issuance (renewal); the current version is left as is.
                    await withRetry(opts, `update policy of ${where}`, vault, () =>
                        client.updateCertificatePolicy(name, buildCertificatePolicy(news.certificate)),
                    );
                }
                if (canonicalJson(olds.certificate.tags) !== canonicalJson(news.certificate.tags)) {
                    // Version "" = the current version; tags live on the certificate object, not a new version.
                    await withRetry(opts, `update tags of ${where}`, vault, () =>
                        client.updateCertificateProperties(name, "", { tags: { ...news.certificate.tags }, enabled: true }),
                    );
                }
                const cert = await withRetry(opts, `read ${where}`, vault, () => client.getCertificate(name));
                return { outs: toOutputs(news, cert) };
            } catch (err) {
                if (statusCodeOf(err) === 404) {
                    throw new Error(
                        `update ${where} (${id}): Key Vault answered 404, the certificate no longer exists (deleted outside Pulumi). ` +
                            "Fix: run `pulumi refresh` so Pulumi notices, then `pulumi up` to create it again.",
                        { cause: err },
                    );
                }
                throw explainFinal(`update ${where}`, vault, err);
            }
        },

        async delete(_id: string, props: CertificateOutputs): Promise<void> {
            const opts = resolve();
            const where = `certificate "${props.certificate.name}" in ${props.vaultUri}`;
            try {
                await deleteCertificate(clientFactory(props.vaultUri, opts), props, opts);
            } catch (err) {
                throw explainFinal(`delete ${where}`, props.vaultUri, err);
            }
        },
    };
}

async function deleteCertificate(client: CertificateClientLike, props: CertificateOutputs, opts: CertificateProviderOptions): Promise<void> {
    const name = props.certificate.name;
    const where = `certificate "${name}" in ${props.vaultUri}`;
    const vault = props.vaultUri;
    let alreadyGone = false;
    try {
        const poller = await withRetry(opts, `delete ${where}`, vault, () => client.beginDeleteCertificate(name));
        await pollBounded(poller, opts, opts.deleteTimeoutMs, `delete ${where}`, vault, () =>
            `delete ${where}: the soft delete did not complete within ${seconds(opts.deleteTimeoutMs)} s. ` +
                "Fix: check the certificate's state in the portal and rerun `pulumi destroy` (or `pulumi up`).",
        );
    } catch (err) {
        if (statusCodeOf(err) !== 404) {
            throw err;
        }
        alreadyGone = true; // deleted out of band: nothing left to soft-delete
    }
    if (!props.purgeOnDelete) {
        return;
    }
    try {
        await withRetry(opts, `purge ${where}`, vault, () => client.purgeDeletedCertificate(name), isRetryableForPurge);
    } catch (err) {
        if (alreadyGone && statusCodeOf(err) === 404) {
            return; // purged out of band too
        }
        if (statusCodeOf(err) === 403 && /purge protection/i.test(messageOf(err))) {
            throw new Error(
                `purge ${where}: the vault has purge protection, so the certificate stays soft-deleted until its retention ends. ` +
                    "Fix: set purgeCertificatesOnDelete to false for this vault (soft delete is the default), then rerun.",
                { cause: err },
            );
        }
        throw err;
    }
}

/** diff: a different vault or name is another object (replace); policy, tags and purge flag change in place. */
export function diffCertificate(olds: CertificateOutputs, news: CertificateInputs): pulumi.dynamic.DiffResult {
    const replaces: string[] = [];
    if (normalizeVaultUri(olds.vaultUri) !== normalizeVaultUri(news.vaultUri)) {
        replaces.push("vaultUri");
    }
    if (olds.certificate.name !== news.certificate.name) {
        replaces.push("certificate");
    }
    if (replaces.length > 0) {
        return { changes: true, replaces, deleteBeforeReplace: false };
    }
    const changes =
        policyChanged(olds.certificate, news.certificate) ||
        canonicalJson(olds.certificate.tags) !== canonicalJson(news.certificate.tags) ||
        olds.purgeOnDelete !== news.purgeOnDelete;
    return { changes, replaces: [] };
}

function policyChanged(a: CertificateSpec, b: CertificateSpec): boolean {
    return canonicalJson(buildCertificatePolicy(a)) !== canonicalJson(buildCertificatePolicy(b));
}

async function createOrRecover(
    client: CertificateClientLike,
    inputs: CertificateInputs,
    opts: CertificateProviderOptions,
): Promise<CertificateOutputs> {
    const spec = inputs.certificate;
    const where = `certificate "${spec.name}" in ${inputs.vaultUri}`;
    try {
        return await issue(client, inputs, opts);
    } catch (err) {
        if (statusCodeOf(err) !== 409) {
            throw err;
        }
        const deleted = await findDeleted(client, spec.name, opts, where, inputs.vaultUri);
        if (deleted === undefined) {
            throw new Error(
                `create ${where}: Key Vault answered 409 Conflict (${messageOf(err)}). ` +
                    "Another operation on this certificate is pending. Fix: wait for it to finish, or cancel a pending issuance " +
                    `(az keyvault certificate pending delete --vault-name <vault> --name ${spec.name}), then rerun \`pulumi up\`.`,
                { cause: err },
            );
        }
    }
    // The name is held by a soft-deleted certificate (a destroyed stack, or a
    // manual delete). With purge protection the name stays reserved for up to
    // 90 days, so recovering is the only way to keep the name; a new version
    // is then issued so the current certificate matches the stack's policy.
    const recover = await withRetry(opts, `recover deleted ${where}`, inputs.vaultUri, () => client.beginRecoverDeletedCertificate(spec.name));
    await pollBounded(recover, opts, opts.deleteTimeoutMs, `recover deleted ${where}`, inputs.vaultUri, () =>
        `recover deleted ${where}: recovery did not complete within ${seconds(opts.deleteTimeoutMs)} s. ` +
            "Fix: check the deleted certificate in the portal (Certificates > Manage deleted certificates) and rerun `pulumi up`.",
    );
    return issue(client, inputs, opts);
}

async function issue(client: CertificateClientLike, inputs: CertificateInputs, opts: CertificateProviderOptions): Promise<CertificateOutputs> {
    const spec = inputs.certificate;
    const where = `certificate "${spec.name}" in ${inputs.vaultUri}`;
    const issuanceFailed = (err: unknown): Error =>
        new Error(
            `create ${where}: issuance failed (${messageOf(err)}). ` +
                `Fix: check issuer "${spec.issuer}" is configured in the vault and accepts this policy, then rerun \`pulumi up\`.`,
            { cause: err },
        );
    try {
        // The SDK sends the create request and polls once before returning the poller.
        const poller = await withRetry(opts, `create ${where}`, inputs.vaultUri, () =>
            client.beginCreateCertificate(spec.name, buildCertificatePolicy(spec), { enabled: true, tags: { ...spec.tags } }),
        );
        await pollBounded(poller, opts, opts.createTimeoutMs, `create ${where}`, inputs.vaultUri, () =>
            `create ${where}: issuance still in progress after ${seconds(opts.createTimeoutMs)} s (issuer: ${spec.issuer}). ` +
                (spec.issuer.toLowerCase() !== "self"
                    ? `The certificate authority behind issuer "${spec.issuer}" has not issued it yet. Fix: complete the request at the CA ` +
                      `(or merge the signed certificate), or cancel it with \`az keyvault certificate pending delete --vault-name <vault> --name ${spec.name}\`; then rerun \`pulumi up\`.`
                    : "Fix: check the certificate's pending operation in the portal and rerun `pulumi up`."),
        );
        const failure = poller.getOperationState().error;
        if (failure !== undefined) {
            throw issuanceFailed(failure);
        }
    } catch (err) {
        // What is left without an HTTP status or a reason of ours came from the
        // poller: the operation itself failed or was cancelled. A network
        // failure was already named as such by withRetry.
        if (statusCodeOf(err) === undefined && !isExplained(err) && networkFailureCodeOf(err) === undefined) {
            throw issuanceFailed(err);
        }
        throw err;
    }
    const cert = await withRetry(opts, `read ${where}`, inputs.vaultUri, () => client.getCertificate(spec.name));
    return toOutputs(inputs, cert);
}

async function findDeleted(
    client: CertificateClientLike,
    name: string,
    opts: CertificateProviderOptions,
    where: string,
    vaultUri: string,
): Promise<object | undefined> {
    try {
        return await withRetry(opts, `look up deleted ${where}`, vaultUri, () => client.getDeletedCertificate(name));
    } catch (err) {
        if (statusCodeOf(err) === 404) {
            return undefined;
        }
        throw err;
    }
}

interface BoundedPoller {
    poll(): Promise<void>;
    isDone(): boolean;
}

// Plain named errors, never subclasses: see components/retry.ts on what closure serialization does to them.
/** A bounded wait ran out; the message names what was awaited and the fix. */
export function pollTimeoutError(message: string): Error {
    return namedError("PollTimeoutError", message, undefined);
}

/** An error whose message already names the cause and the fix; passed on unchanged. */
export function keyVaultCallError(message: string, cause: unknown): Error {
    return namedError("KeyVaultCallError", message, cause);
}

function isExplained(err: unknown): boolean {
    return isNamedError(err, "PollTimeoutError", "KeyVaultCallError", "RetryExhaustedError");
}

/** Polls until done; past `limitMs` throws the message `describeTimeout` builds. */
async function pollBounded(
    poller: BoundedPoller,
    opts: CertificateProviderOptions,
    limitMs: number,
    operation: string,
    vaultUri: string,
    describeTimeout: () => string,
): Promise<void> {
    const now = opts.now ?? (() => Date.now());
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const started = now();
    while (!poller.isDone()) {
        if (now() - started >= limitMs) {
            throw pollTimeoutError(describeTimeout());
        }
        await sleep(opts.pollIntervalMs);
        await withRetry(opts, operation, vaultUri, () => poller.poll());
    }
}

const UNREACHABLE_FIX =
    "check the network path from where pulumi runs to the vault: DNS (the vault's private DNS zone), its firewall, " +
    "and the proxy in HTTPS_PROXY/NO_PROXY if one is set";

/** One readable line of an error's message: the first line, capped. */
function firstLineOf(err: unknown): string {
    const line = messageOf(err).split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
    return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

function describeUnreachable(code: string, cause: unknown): string {
    if (code === "PROXY_407") {
        return "the proxy asks this client to sign in (HTTP 407 Proxy Authentication Required)";
    }
    if (code.startsWith("PROXY_")) {
        // The proxy's own text says why (name not resolved, connection refused); the SDK's message only has the status.
        return `a proxy or gateway answered HTTP ${code.slice("PROXY_".length)} instead of Key Vault: ${firstLineOf(responseTextOf(cause) ?? cause)}`;
    }
    return `${code}: ${firstLineOf(cause)}`;
}

/**
 * Names what went wrong when Key Vault could not be reached, or its firewall
 * refused us: neither is an issuance, permission or propagation problem.
 */
function explainAccess(operation: string, vaultUri: string, err: unknown): Error | undefined {
    const cause = isRetryExhausted(err) ? err.lastError : err;
    const code = networkFailureCodeOf(cause);
    if (code !== undefined) {
        const fix = code === "PROXY_407" ? "give the proxy's credentials in HTTPS_PROXY (http://user:password@host:port), or exempt the vault in NO_PROXY" : UNREACHABLE_FIX;
        return keyVaultCallError(`${operation}: can't reach the vault at ${vaultUri} (${describeUnreachable(code, cause)}). Fix: ${fix}`, err);
    }
    if (isForbiddenByFirewall(cause)) {
        const firstLine = firstLineOf(cause);
        return keyVaultCallError(
            `${operation}: the firewall of vault ${vaultUri} refuses this client's address (Key Vault answered 403 ForbiddenByFirewall: ${firstLine}). ` +
                "Fix: add the deployer's public IP address to keyVault.network.ipRules, or run pulumi from inside the vault's network " +
                "(an allowed subnet, or through the vault's private endpoint), then rerun `pulumi up`.",
            err,
        );
    }
    return undefined;
}

/**
 * The last word on an error leaving the provider: every Key Vault answer ends with its cause and a fix.
 * `fixFor` names a fix of the caller's own for a status (the contacts resource's 400 is not the certificate's).
 */
export function explainFinal(operation: string, vaultUri: string, err: unknown, fixFor?: (status: number) => string | undefined): unknown {
    if (isExplained(err)) {
        return err;
    }
    const access = explainAccess(operation, vaultUri, err);
    if (access !== undefined) {
        return access;
    }
    const status = statusCodeOf(err);
    if (status === undefined) {
        return err;
    }
    const code = typeof (err as { code?: unknown }).code === "string" ? ` ${(err as { code: string }).code}` : "";
    return keyVaultCallError(`${operation}: Key Vault answered ${status}${code} (${messageOf(err)}). Fix: ${fixFor?.(status) ?? fixForStatus(status)}`, err);
}

function fixForStatus(status: number): string {
    switch (status) {
        case 400:
            return "Key Vault refused the request itself; check the certificate's settings (name, subject, key, validity, renewal) against Key Vault's rules and rerun `pulumi up`";
        case 401:
            return "the deployer is not signed in to the vault's tenant; sign in (e.g. `az login --tenant <tenant>`) and rerun";
        case 403:
            return RBAC_PROPAGATION_FIX;
        case 404:
            return "check that the vault and the certificate exist (a certificate deleted outside Pulumi: run `pulumi refresh`, then `pulumi up`)";
        case 409:
            return "another operation on this certificate is in progress; wait for it to finish and rerun `pulumi up`";
        case 429:
            return "Key Vault is throttling this client; wait a minute and rerun `pulumi up`, or deploy fewer certificates at once (`pulumi up --parallel 2`)";
        default:
            return status >= 500
                ? "Key Vault reported a server error; check Azure's status page for Key Vault in the vault's region and rerun `pulumi up`"
                : "check the vault is reachable from here and rerun `pulumi up`";
    }
}

/** One Key Vault call with the provider's retry bounds; an unreachable vault or its firewall is named as such. */
export function withRetry<T>(
    opts: CertificateProviderOptions,
    operation: string,
    vaultUri: string,
    fn: () => Promise<T>,
    retryable: (err: unknown) => boolean = isRetryable,
): Promise<T> {
    return retryWithBackoff(fn, {
        operation,
        ...opts.retry,
        isRetryable: retryable,
        // Full jitter between half and all of the delay spreads parallel certificates apart.
        jitter: (ms) => ms * (0.5 + Math.random() / 2),
        fix: (err) => (statusCodeOf(err) === 403 ? RBAC_PROPAGATION_FIX : fixForStatus(statusCodeOf(err) ?? 0)),
        sleep: opts.sleep,
        now: opts.now,
    }).catch((err: unknown) => {
        throw explainAccess(operation, vaultUri, err) ?? err;
    });
}

// Purge right after delete can meet 409 while Key Vault finishes the delete; a
// 403 that names purge protection is a rule, not propagation, so it is final.
function isRetryableForPurge(err: unknown): boolean {
    if (statusCodeOf(err) === 409) {
        return true;
    }
    if (statusCodeOf(err) === 403 && /purge protection/i.test(messageOf(err))) {
        return false;
    }
    return isRetryable(err);
}

export function toOutputs(inputs: CertificateInputs, cert: KeyVaultCertificateWithPolicy): CertificateOutputs {
    const name = inputs.certificate.name;
    const version = cert.properties.version;
    const thumbprint = cert.properties.x509Thumbprint;
    const expiresOn = cert.properties.expiresOn;
    if (version === undefined || thumbprint === undefined || expiresOn === undefined) {
        throw new Error(
            `certificate "${name}" in ${inputs.vaultUri}: Key Vault returned it without ` +
                `${[version === undefined ? "version" : "", thumbprint === undefined ? "x509 thumbprint" : "", expiresOn === undefined ? "expiry" : ""].filter((s) => s).join(", ")}; ` +
                "it has not been issued. Fix: check the certificate operation in the portal and rerun `pulumi up`.",
        );
    }
    return {
        vaultUri: inputs.vaultUri,
        certificate: inputs.certificate,
        purgeOnDelete: inputs.purgeOnDelete,
        name,
        certificateId: versionlessCertificateId(inputs.vaultUri, name),
        secretId: versionlessSecretId(inputs.vaultUri, name),
        version,
        thumbprint: Buffer.from(thumbprint).toString("hex").toUpperCase(),
        expiresOn: expiresOn.toISOString(),
    };
}

function normalizeVaultUri(uri: string): string {
    return uri.replace(/\/+$/, "").toLowerCase();
}

function seconds(ms: number): number {
    return Math.round(ms / 1000);
}
