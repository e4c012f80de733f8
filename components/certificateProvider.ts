// The dynamic provider behind KeyVaultCertificate: create / read / diff /
// update / delete over the Key Vault data plane (`@azure/keyvault-certificates`).
//
// Pulumi serializes this provider's closure into the state file and runs it
// in a separate host, so: SDK packages are require()d inside function bodies
// (capturing the module object would drag the whole package into the
// serialized text), and everything reachable from the methods must be plain
// data or functions. Nothing here ever reads the certificate's secret: outputs
// hold IDs, version, thumbprint and expiry only.
import type * as pulumi from "@pulumi/pulumi";
import type { CertificateClient, KeyVaultCertificateWithPolicy } from "@azure/keyvault-certificates";
import type { CertificateSpec } from "./types";
import { buildCertificatePolicy, versionlessCertificateId, versionlessSecretId } from "./certificatePolicy";
import { RBAC_PROPAGATION_FIX, isRetryable, messageOf, retryWithBackoff, statusCodeOf } from "./retry";

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

export type CertificateClientFactory = (vaultUri: string) => CertificateClientLike;

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
    /** Bounds for retrying 403 (RBAC propagation), 429 and 5xx. */
    retry: { maxAttempts: number; maxTotalWaitMs: number; initialDelayMs: number; maxDelayMs: number };
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
}

export const DEFAULT_PROVIDER_OPTIONS: CertificateProviderOptions = {
    createTimeoutMs: 10 * 60_000,
    deleteTimeoutMs: 3 * 60_000,
    pollIntervalMs: 2_000,
    // Azure documents up to ~10 minutes for role assignments to take effect.
    retry: { maxAttempts: 12, maxTotalWaitMs: 10 * 60_000, initialDelayMs: 5_000, maxDelayMs: 60_000 },
};

/** The provider used by the real resource: DefaultAzureCredential, real TLS, challenge verification on. */
export function defaultCertificateClientFactory(vaultUri: string): CertificateClientLike {
    // require() inside the body: see the note at the top of this file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const certificates = require("@azure/keyvault-certificates") as typeof import("@azure/keyvault-certificates");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const identity = require("@azure/identity") as typeof import("@azure/identity");
    return new certificates.CertificateClient(vaultUri, new identity.DefaultAzureCredential());
}

export function makeCertificateProvider(
    clientFactory: CertificateClientFactory = defaultCertificateClientFactory,
    options: Partial<CertificateProviderOptions> = {},
): pulumi.dynamic.ResourceProvider<CertificateInputs, CertificateOutputs> {
    const opts: CertificateProviderOptions = { ...DEFAULT_PROVIDER_OPTIONS, ...options };

    return {
        async create(inputs: CertificateInputs): Promise<pulumi.dynamic.CreateResult<CertificateOutputs>> {
            const client = clientFactory(inputs.vaultUri);
            const outs = await createOrRecover(client, inputs, opts);
            return { id: outs.certificateId, outs };
        },

        async read(id: string, props?: CertificateOutputs): Promise<pulumi.dynamic.ReadResult<CertificateOutputs>> {
            if (props === undefined) {
                throw new Error(
                    `read certificate ${id}: no prior state to read from; import is not supported, ` +
                        "declare the certificate in the program and run `pulumi up` instead",
                );
            }
            const name = props.certificate.name;
            const client = clientFactory(props.vaultUri);
            let cert: KeyVaultCertificateWithPolicy;
            try {
                cert = await withRetry(opts, `read certificate "${name}" in ${props.vaultUri}`, () => client.getCertificate(name));
            } catch (err) {
                // Deleted (or soft-deleted) out of band: an empty ID tells Pulumi it is gone, so `up` recreates it.
                if (statusCodeOf(err) === 404) {
                    return { id: "", props: undefined };
                }
                throw err;
            }
            return { id, props: toOutputs(props, cert) };
        },

        async diff(_id: string, olds: CertificateOutputs, news: CertificateInputs): Promise<pulumi.dynamic.DiffResult> {
            return diffCertificate(olds, news);
        },

        async update(id: string, olds: CertificateOutputs, news: CertificateInputs): Promise<pulumi.dynamic.UpdateResult<CertificateOutputs>> {
            const name = news.certificate.name;
            const where = `certificate "${name}" in ${news.vaultUri}`;
            const client = clientFactory(news.vaultUri);
            try {
                if (policyChanged(olds.certificate, news.certificate)) {
                    // Applies to the next issuance (renewal); the current version is left as is.
                    await withRetry(opts, `update policy of ${where}`, () =>
                        client.updateCertificatePolicy(name, buildCertificatePolicy(news.certificate)),
                    );
                }
                if (!sameJson(sortKeys(olds.certificate.tags), sortKeys(news.certificate.tags))) {
                    // Version "" = the current version; tags live on the certificate object, not a new version.
                    await withRetry(opts, `update tags of ${where}`, () =>
                        client.updateCertificateProperties(name, "", { tags: { ...news.certificate.tags }, enabled: true }),
                    );
                }
                const cert = await withRetry(opts, `read ${where}`, () => client.getCertificate(name));
                return { outs: toOutputs(news, cert) };
            } catch (err) {
                if (statusCodeOf(err) === 404) {
                    throw new Error(
                        `update ${where} (${id}): Key Vault answered 404, the certificate no longer exists (deleted outside Pulumi). ` +
                            "Fix: run `pulumi refresh` so Pulumi notices, then `pulumi up` to create it again.",
                        { cause: err },
                    );
                }
                throw err;
            }
        },

        async delete(_id: string, props: CertificateOutputs): Promise<void> {
            const name = props.certificate.name;
            const where = `certificate "${name}" in ${props.vaultUri}`;
            const client = clientFactory(props.vaultUri);
            let alreadyGone = false;
            try {
                const poller = await withRetry(opts, `delete ${where}`, () => client.beginDeleteCertificate(name));
                await pollBounded(poller, opts, opts.deleteTimeoutMs, () =>
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
                await withRetry(opts, `purge ${where}`, () => client.purgeDeletedCertificate(name), isRetryableForPurge);
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
        },
    };
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
        !sameJson(sortKeys(olds.certificate.tags), sortKeys(news.certificate.tags)) ||
        olds.purgeOnDelete !== news.purgeOnDelete;
    return { changes, replaces: [] };
}

function policyChanged(a: CertificateSpec, b: CertificateSpec): boolean {
    return !sameJson(buildCertificatePolicy(a), buildCertificatePolicy(b));
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
        const deleted = await findDeleted(client, spec.name, opts, where);
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
    const recover = await withRetry(opts, `recover deleted ${where}`, () => client.beginRecoverDeletedCertificate(spec.name));
    await pollBounded(recover, opts, opts.deleteTimeoutMs, () =>
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
        const poller = await withRetry(opts, `create ${where}`, () =>
            client.beginCreateCertificate(spec.name, buildCertificatePolicy(spec), { enabled: true, tags: { ...spec.tags } }),
        );
        await pollBounded(poller, opts, opts.createTimeoutMs, () =>
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
        // Errors without an HTTP status come from the poller: the operation itself failed or was cancelled.
        if (statusCodeOf(err) === undefined && !(err instanceof Error && err.name === "RetryExhaustedError") && !isPollTimeout(err)) {
            throw issuanceFailed(err);
        }
        throw err;
    }
    const cert = await withRetry(opts, `read ${where}`, () => client.getCertificate(spec.name));
    return toOutputs(inputs, cert);
}

async function findDeleted(
    client: CertificateClientLike,
    name: string,
    opts: CertificateProviderOptions,
    where: string,
): Promise<object | undefined> {
    try {
        return await withRetry(opts, `look up deleted ${where}`, () => client.getDeletedCertificate(name));
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

class PollTimeoutError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PollTimeoutError";
    }
}

function isPollTimeout(err: unknown): boolean {
    return err instanceof Error && err.name === "PollTimeoutError";
}

/** Polls until done; past `limitMs` throws the message `describeTimeout` builds. */
async function pollBounded(poller: BoundedPoller, opts: CertificateProviderOptions, limitMs: number, describeTimeout: () => string): Promise<void> {
    const now = opts.now ?? (() => Date.now());
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const started = now();
    while (!poller.isDone()) {
        if (now() - started >= limitMs) {
            throw new PollTimeoutError(describeTimeout());
        }
        await sleep(opts.pollIntervalMs);
        await poller.poll();
    }
}

function withRetry<T>(
    opts: CertificateProviderOptions,
    operation: string,
    fn: () => Promise<T>,
    retryable: (err: unknown) => boolean = isRetryable,
): Promise<T> {
    return retryWithBackoff(fn, {
        operation,
        ...opts.retry,
        isRetryable: retryable,
        // Full jitter between half and all of the delay spreads parallel certificates apart.
        jitter: (ms) => ms * (0.5 + Math.random() / 2),
        fix: (err) => (statusCodeOf(err) === 403 ? RBAC_PROPAGATION_FIX : "check the vault is reachable from here and rerun `pulumi up`"),
        sleep: opts.sleep,
        now: opts.now,
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

function sortKeys(tags: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sameJson(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

function seconds(ms: number): number {
    return Math.round(ms / 1000);
}
