// Pure: bounded retry with exponential backoff. Clock, sleep and jitter are
// injected so tests run in no time and the bounds are provable.

export interface RetryOptions {
    /** What is being attempted, for the final error, e.g. `create certificate "authcert"`. */
    operation: string;
    /** Attempts in total, the first included; at least 1. */
    maxAttempts: number;
    /** Upper bound on the time spent waiting between attempts, in ms. */
    maxTotalWaitMs: number;
    /** First delay in ms; doubles per attempt. */
    initialDelayMs: number;
    /** Cap on a single delay, in ms. */
    maxDelayMs: number;
    /** Which errors are worth another attempt; others are rethrown at once. */
    isRetryable?: (err: unknown) => boolean;
    /** Turns the nominal delay into the one waited (spreads concurrent callers); default: full value. */
    jitter?: (delayMs: number) => number;
    /** What the user should do when the retries run out. */
    fix?: (lastError: unknown) => string;
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
}

// Errors are plain `Error` objects told apart by `name`, never subclasses and
// never `instanceof`: `pulumi up` runs this code from Pulumi's closure
// serialization, which rebuilds a subclass of Error without Error's behaviour
// (its message was lost, then `instanceof Error` failed and the user read
// "issuance failed ([object Object])"; test/keyvault/provider.test.ts runs
// every behaviour on the serialized provider).

/** A plain Error with a name (and fields) of ours. */
export function namedError<T extends object>(name: string, message: string, cause: unknown, fields?: T): Error & T {
    const err = new Error(message, { cause });
    err.name = name;
    return Object.assign(err, fields);
}

/** Whether `err` is an error (from any realm, or serialized code) named one of `names`. */
export function isNamedError(err: unknown, ...names: string[]): err is Error {
    return typeof err === "object" && err !== null && typeof (err as { name?: unknown }).name === "string" && names.includes((err as Error).name);
}

/** The error thrown when the attempts or the wait budget run out; carries the last error as `cause`. */
export interface RetryExhaustedError extends Error {
    name: "RetryExhaustedError";
    attempts: number;
    elapsedMs: number;
    lastError: unknown;
}

export function isRetryExhausted(err: unknown): err is RetryExhaustedError {
    return isNamedError(err, "RetryExhaustedError");
}

export const RBAC_PROPAGATION_FIX =
    "the role assignment for the deployer may still be propagating; wait and rerun `pulumi up`, " +
    "or check the deployer has Key Vault Certificates Officer (or certificate permissions in the vault's access policy)";

/** HTTP status of an Azure SDK error (`RestError.statusCode`), if any. */
export function statusCodeOf(err: unknown): number | undefined {
    if (typeof err === "object" && err !== null && "statusCode" in err) {
        const code = (err as { statusCode: unknown }).statusCode;
        return typeof code === "number" ? code : undefined;
    }
    return undefined;
}

/**
 * Errors worth retrying against Key Vault: 403 (a fresh role assignment or
 * access policy takes minutes to propagate), 408, 429 and 5xx, and network
 * errors without a status. 400/401/404/409 are answers, not hiccups.
 */
export function isRetryable(err: unknown): boolean {
    // A firewall refusal is the vault's network rule, not propagation: waiting never clears it;
    // nor does it make a proxy resolve the vault's name or let us in.
    if (isForbiddenByFirewall(err) || gatewayFailureCodeOf(err) !== undefined) {
        return false;
    }
    const status = statusCodeOf(err);
    if (status === undefined) {
        return isNetworkError(err);
    }
    return status === 403 || status === 408 || status === 429 || status >= 500;
}

export function isForbidden(err: unknown): boolean {
    return statusCodeOf(err) === 403;
}

/** Runs `fn` until it succeeds, a non-retryable error occurs, or the attempts or wait budget are spent. */
export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
        throw new Error(`retryWithBackoff: maxAttempts ${options.maxAttempts} must be a whole number >= 1`);
    }
    const retryable = options.isRetryable ?? isRetryable;
    const jitter = options.jitter ?? ((ms: number) => ms);
    const sleep = options.sleep ?? defaultSleep;
    const now = options.now ?? Date.now;
    const started = now();

    for (let attempt = 1; ; attempt++) {
        try {
            return await fn(attempt);
        } catch (err) {
            if (!retryable(err)) {
                throw err;
            }
            const elapsed = now() - started;
            const nominal = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
            const remaining = options.maxTotalWaitMs - elapsed;
            // A server that says when to come back (429, 503) is believed, within the wait budget.
            const delay = Math.max(0, Math.min(Math.max(jitter(nominal), retryAfterMsOf(err) ?? 0), remaining));
            if (attempt >= options.maxAttempts || remaining <= 0) {
                throw exhausted(options, attempt, elapsed, err);
            }
            await sleep(delay);
        }
    }
}

function exhausted(options: RetryOptions, attempts: number, elapsedMs: number, lastError: unknown): RetryExhaustedError {
    const status = statusCodeOf(lastError);
    const what = status !== undefined ? `HTTP ${status}` : "a network error";
    const fix = options.fix ? options.fix(lastError) : isForbidden(lastError) ? RBAC_PROPAGATION_FIX : "check the vault is reachable and rerun `pulumi up`";
    return namedError(
        "RetryExhaustedError",
        `${options.operation}: still failing with ${what} after ${attempts} attempt(s) over ${Math.round(elapsedMs / 1000)} s ` +
            `(limits: ${options.maxAttempts} attempts, ${Math.round(options.maxTotalWaitMs / 1000)} s): ${messageOf(lastError)}. Fix: ${fix}`,
        lastError,
        { attempts, elapsedMs, lastError },
    ) as RetryExhaustedError;
}

export function messageOf(err: unknown): string {
    const message = typeof err === "object" && err !== null ? (err as { message?: unknown }).message : undefined;
    return typeof message === "string" ? message : String(err);
}

/** The response's text, if the error carries a response with one. */
export function responseTextOf(err: unknown): string | undefined {
    if (typeof err !== "object" || err === null) return undefined;
    const text = (err as { response?: { bodyAsText?: unknown } }).response?.bodyAsText;
    return typeof text === "string" && text.trim() !== "" ? text : undefined;
}

/**
 * The body Key Vault answered with, if the error carries one: the SDK keeps
 * it on `RestError.details` or as the response's text.
 */
function errorBodyOf(err: unknown): unknown {
    if (typeof err !== "object" || err === null) {
        return undefined;
    }
    const details = (err as { details?: unknown }).details;
    if (typeof details === "object" && details !== null) {
        return details;
    }
    const text = responseTextOf(err);
    if (text !== undefined) {
        try {
            return JSON.parse(text) as unknown;
        } catch {
            return undefined;
        }
    }
    return undefined;
}

/** The `error.innererror.code` of a Key Vault error body (`ForbiddenByRbac`, `ForbiddenByFirewall`, ...). */
export function innerErrorCodeOf(err: unknown): string | undefined {
    const body = errorBodyOf(err) as { error?: { innererror?: { code?: unknown } } } | undefined;
    const code = body?.error?.innererror?.code;
    return typeof code === "string" ? code : undefined;
}

/**
 * `403 ForbiddenByFirewall`: the vault's network rules refuse the caller's
 * address. Key Vault names it in `innererror.code`; the message is checked too
 * in case the body was not kept.
 */
export function isForbiddenByFirewall(err: unknown): boolean {
    if (statusCodeOf(err) !== 403) {
        return false;
    }
    if (innerErrorCodeOf(err) === "ForbiddenByFirewall") {
        return true;
    }
    const code = (err as { code?: unknown }).code;
    return code === "ForbiddenByFirewall" || /Client address is not authorized and caller is not a trusted service/i.test(messageOf(err));
}

/** `Retry-After` of an error's response, in ms (seconds or an HTTP date), if present. */
export function retryAfterMsOf(err: unknown, now: () => number = Date.now): number | undefined {
    if (typeof err !== "object" || err === null) {
        return undefined;
    }
    const headers = (err as { response?: { headers?: { get?: (name: string) => string | undefined } } }).response?.headers;
    const value = typeof headers?.get === "function" ? headers.get("retry-after") : undefined;
    if (value === undefined || value.trim() === "") {
        return undefined;
    }
    const secs = Number(value);
    if (Number.isFinite(secs)) {
        return Math.max(0, secs * 1000);
    }
    const date = Date.parse(value);
    return Number.isFinite(date) ? Math.max(0, date - now()) : undefined;
}

// System error codes of a request that never got an HTTP answer: DNS, TCP, timeouts.
// An array, not a Set: Pulumi runs this code from its closure serialization,
// which carries a Set as an empty plain object (test/keyvault/shipped.test.ts).
const CONNECTION_ERROR_CODES: readonly string[] = [
    "ENOTFOUND",
    "EAI_AGAIN",
    "EAI_FAIL",
    "ECONNREFUSED",
    "ECONNRESET",
    "ECONNABORTED",
    "ETIMEDOUT",
    "ESOCKETTIMEDOUT",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "EHOSTDOWN",
    "EPIPE",
    "UND_ERR_CONNECT_TIMEOUT",
    "REQUEST_SEND_ERROR",
];

// OpenSSL / Node codes of a TLS handshake that failed (untrusted, expired or mismatched certificate, protocol).
const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|EPROTO$)/;

/**
 * Every answer Azure's services give carries this header: Key Vault's (all the
 * recorded sessions in test/fixtures/keyvault-recordings do, errors included)
 * and Resource Manager's (ARM's request-tracking headers, on every response).
 */
const AZURE_ANSWER_HEADER = "x-ms-request-id";

/**
 * Statuses a proxy or gateway answers when it could not reach the vault for
 * us (name not resolved, connection refused or timed out) or wants us to sign
 * in to it. The SDK's proxy agent replays a refused CONNECT as if the vault
 * had answered it, so without this a DNS failure behind a corporate proxy
 * read as "Key Vault reported a server error" and was retried for minutes.
 */
const GATEWAY_STATUSES: readonly number[] = [407, 502, 503, 504];

function headerOf(err: object, name: string): string | undefined {
    const headers = (err as { response?: { headers?: { get?: (name: string) => string | undefined } } }).response?.headers;
    return typeof headers?.get === "function" ? headers.get(name) : undefined;
}

/** `PROXY_<status>` for an answer a proxy or gateway gave instead of the Azure service; undefined for the service's own answers. */
export function gatewayFailureCodeOf(err: unknown): string | undefined {
    if (typeof err !== "object" || err === null) return undefined;
    const status = statusCodeOf(err);
    if (status === undefined || !GATEWAY_STATUSES.includes(status)) return undefined;
    // Without the response we can't tell who answered: assume Key Vault, as before.
    if ((err as { response?: unknown }).response === undefined) return undefined;
    return headerOf(err, AZURE_ANSWER_HEADER) === undefined ? `PROXY_${status}` : undefined;
}

/**
 * The code of a failure to reach the server at all (DNS, refused or timed-out
 * connection, TLS, a proxy or gateway that answered instead of the vault),
 * looking through `cause` chains; undefined for the vault's own answers and
 * for anything else.
 */
export function networkFailureCodeOf(err: unknown): string | undefined {
    for (let e: unknown = err, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
        if (statusCodeOf(e) !== undefined) {
            return gatewayFailureCodeOf(e);
        }
        const code = (e as { code?: unknown }).code;
        if (typeof code === "string" && (CONNECTION_ERROR_CODES.includes(code) || TLS_ERROR_CODE.test(code))) {
            return code;
        }
        e = (e as { cause?: unknown }).cause;
    }
    return undefined;
}

function isNetworkError(err: unknown): boolean {
    if (typeof err !== "object" || err === null || !("code" in err)) {
        return false;
    }
    const code = (err as { code: unknown }).code;
    return (
        typeof code === "string" &&
        ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "EPIPE", "REQUEST_SEND_ERROR"].includes(code)
    );
}

function defaultSleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
