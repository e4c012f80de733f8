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

/** The error thrown when the attempts or the wait budget run out; carries the last error as `cause`. */
export class RetryExhaustedError extends Error {
    constructor(
        message: string,
        readonly attempts: number,
        readonly elapsedMs: number,
        readonly lastError: unknown,
    ) {
        super(message, { cause: lastError });
        this.name = "RetryExhaustedError";
    }
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
            const delay = Math.max(0, Math.min(jitter(nominal), remaining));
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
    return new RetryExhaustedError(
        `${options.operation}: still failing with ${what} after ${attempts} attempt(s) over ${Math.round(elapsedMs / 1000)} s ` +
            `(limits: ${options.maxAttempts} attempts, ${Math.round(options.maxTotalWaitMs / 1000)} s): ${messageOf(lastError)}. Fix: ${fix}`,
        attempts,
        elapsedMs,
        lastError,
    );
}

export function messageOf(err: unknown): string {
    if (err instanceof Error) {
        return err.message;
    }
    return String(err);
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
