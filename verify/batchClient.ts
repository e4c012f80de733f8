// The Batch data-plane client on @azure/core-rest-pipeline: the bearer-token
// policy (which caches the token and refreshes it before it expires), bounded
// retries on throttling that honour Retry-After, paging through
// odata.nextLink, and errors that say what the service said.
import type { TokenCredential } from "@azure/identity";
import {
    bearerTokenAuthenticationPolicy,
    createDefaultHttpClient,
    createEmptyPipeline,
    createHttpHeaders,
    createPipelineRequest,
    retryPolicy,
    setClientRequestIdPolicy,
    type HttpClient,
    type Pipeline,
    type PipelineResponse,
    type RetryInformation,
    type RetryStrategy,
} from "@azure/core-rest-pipeline";
import { ExitCode, HttpError, VerifyError } from "./errors";

export const BATCH_API_VERSION = "2024-07-01.20.0";
export const BATCH_SCOPE = "https://batch.core.windows.net/.default";

/** The project's retry bounds; docs/verify.md's exit-code table quotes the defaults. */
export interface RetryBounds {
    /** Retries after a 429/503 before giving up. */
    maxRetries: number;
    /** Upper bound on a single wait, whatever Retry-After says. */
    maxRetryDelayMs: number;
}

export const DEFAULT_RETRY_BOUNDS: RetryBounds = { maxRetries: 4, maxRetryDelayMs: 60_000 };

/** What the retry policy is about to do, so the CLI can say why it is waiting. */
export interface RetryEvent {
    status: number;
    method: string;
    path: string;
    /** 1-based number of the retry about to be made. */
    retry: number;
    maxRetries: number;
    delayMs: number;
    /** What the service's Retry-After asked for; undefined when it gave none (exponential fallback). */
    retryAfterMs?: number;
}

const THROTTLED: ReadonlySet<number> = new Set([429, 503]);

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
    if (header === null || header === undefined || header.trim() === "") return undefined;
    if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function notify(onRetry: ((event: RetryEvent) => void) | undefined, response: PipelineResponse, state: RetryInformation, bounds: RetryBounds, delayMs: number, askedMs: number | undefined): void {
    onRetry?.({
        status: response.status,
        method: response.request.method,
        path: new URL(response.request.url).pathname,
        retry: state.retryCount + 1,
        maxRetries: bounds.maxRetries,
        delayMs,
        retryAfterMs: askedMs,
    });
}

/*
 * The library's own throttling and exponential strategies are not exported
 * by @azure/core-rest-pipeline, and they differ from what the verifier
 * promises: no cap on Retry-After, jittered backoff, and retries of every 5xx
 * and network error. These two keep the documented bounds and plug into the
 * library's retryPolicy, which does the waiting (abortably) and the counting.
 */

/** 429/503 with a usable Retry-After: wait that long, at most maxRetryDelayMs. */
export function throttlingRetryStrategy(bounds: RetryBounds, onRetry?: (event: RetryEvent) => void): RetryStrategy {
    return {
        name: "batchThrottlingRetryStrategy",
        retry(state) {
            const response = state.response;
            if (response === undefined || !THROTTLED.has(response.status)) return { skipStrategy: true };
            const asked = retryAfterMs(response.headers.get("retry-after"));
            if (asked === undefined) return { skipStrategy: true };
            const delayMs = Math.min(asked, bounds.maxRetryDelayMs);
            notify(onRetry, response, state, bounds, delayMs, asked);
            return { retryAfterInMs: delayMs };
        },
    };
}

/** 429/503 without Retry-After: 1 s, 2 s, 4 s, ... at most maxRetryDelayMs. Anything else is not retried. */
export function exponentialRetryStrategy(bounds: RetryBounds, onRetry?: (event: RetryEvent) => void): RetryStrategy {
    return {
        name: "batchExponentialRetryStrategy",
        retry(state) {
            const response = state.response;
            if (response === undefined || !THROTTLED.has(response.status)) return { skipStrategy: true };
            const delayMs = Math.min(1000 * 2 ** state.retryCount, bounds.maxRetryDelayMs);
            notify(onRetry, response, state, bounds, delayMs, undefined);
            return { retryAfterInMs: delayMs };
        },
    };
}

/** A credential that turns "no token" into the verifier's not-signed-in error instead of the policy's generic one. */
function requireToken(credential: TokenCredential): TokenCredential {
    return {
        getToken: async (scopes, options) => {
            const token = await credential.getToken(scopes, options);
            if (token === null) throw new VerifyError(ExitCode.NotSignedIn, "the Azure credential returned no token for Batch; sign in with `az login`");
            return token;
        },
    };
}

/** Batch errors are `{ code, message: { lang, value } }`; tolerate plain-string messages too. */
function describeBatchError(body: string): { code?: string; message?: string } {
    try {
        const parsed: unknown = JSON.parse(body);
        if (typeof parsed === "object" && parsed !== null) {
            const record = parsed as Record<string, unknown>;
            const inner = typeof record["error"] === "object" && record["error"] !== null ? (record["error"] as Record<string, unknown>) : record;
            const code = typeof inner["code"] === "string" ? inner["code"] : undefined;
            const msg = inner["message"];
            const message =
                typeof msg === "string"
                    ? msg
                    : typeof msg === "object" && msg !== null && typeof (msg as Record<string, unknown>)["value"] === "string"
                      ? ((msg as Record<string, unknown>)["value"] as string)
                      : undefined;
            return { code, message: message?.split("\n")[0] };
        }
    } catch {
        // not JSON: fall through
    }
    return { message: body.trim().slice(0, 200) || undefined };
}

export interface RequestSpec {
    method: "GET" | "POST" | "DELETE";
    path: string;
    query?: Record<string, string>;
    body?: unknown;
}

export interface BatchClientOptions {
    credential: TokenCredential;
    bounds?: Partial<RetryBounds>;
    onRetry?: (event: RetryEvent) => void;
    /** The transport; the library's default Node client unless a test carries requests elsewhere. */
    httpClient?: HttpClient;
    signal?: AbortSignal;
}

interface Shared {
    pipeline: Pipeline;
    transport: HttpClient;
    bounds: RetryBounds;
}

/**
 * A client for one Batch account. Its siblings from withSignal share the
 * pipeline, so the bearer policy fetches the Batch token once per run and
 * reuses it (refreshing it shortly before it expires).
 */
export function createBatchClient(baseUrl: string, options: BatchClientOptions): BatchClient {
    const base = new URL(baseUrl);
    const bounds: RetryBounds = {
        maxRetries: options.bounds?.maxRetries ?? DEFAULT_RETRY_BOUNDS.maxRetries,
        maxRetryDelayMs: options.bounds?.maxRetryDelayMs ?? DEFAULT_RETRY_BOUNDS.maxRetryDelayMs,
    };
    const pipeline = createEmptyPipeline();
    pipeline.addPolicy(setClientRequestIdPolicy("client-request-id"));
    pipeline.addPolicy(
        retryPolicy([throttlingRetryStrategy(bounds, options.onRetry), exponentialRetryStrategy(bounds, options.onRetry)], { maxRetries: bounds.maxRetries }),
        { phase: "Retry" },
    );
    // In the Sign phase, after Retry, so every attempt carries a current token.
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential: requireToken(options.credential), scopes: BATCH_SCOPE }), { phase: "Sign" });
    const inner = options.httpClient ?? createDefaultHttpClient();
    // Wrapping only the transport keeps credential errors (raised in the
    // bearer policy) apart from "cannot connect", and a VerifyError is not a
    // RestError, so the retry policy passes it straight through, unretried.
    const transport: HttpClient = {
        sendRequest: async (request) => {
            try {
                return await inner.sendRequest(request);
            } catch (error) {
                if (request.abortSignal?.aborted) throw error;
                const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
                throw new VerifyError(ExitCode.ServiceError, `cannot reach the Batch account at ${base.host}: ${cause}; check batchAccountEndpoint and your network`);
            }
        },
    };
    return new BatchClient(base, { pipeline, transport, bounds }, options.signal);
}

export class BatchClient {
    constructor(
        private readonly base: URL,
        private readonly shared: Shared,
        private readonly signal?: AbortSignal,
    ) {}

    /** The same account, pipeline and token with another abort signal (none: for cleanup that must outlive Ctrl-C). */
    withSignal(signal: AbortSignal | undefined): BatchClient {
        return new BatchClient(this.base, this.shared, signal);
    }

    /** Builds a URL on the account's origin; a nextLink is re-based so the token never leaves it. */
    url(pathOrLink: string, query: Record<string, string> = {}): string {
        const given = new URL(pathOrLink, this.base);
        const url = new URL(given.pathname + given.search, this.base);
        if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", BATCH_API_VERSION);
        for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
        return url.toString();
    }

    /** Sends the request through the pipeline; returns the response of any status but a throttling one that outlasted the retries. */
    async send(spec: RequestSpec): Promise<PipelineResponse> {
        const url = this.url(spec.path, spec.query);
        const headers = createHttpHeaders({ Accept: "application/json", "return-client-request-id": "true" });
        if (spec.body !== undefined) headers.set("Content-Type", "application/json; odata=minimalmetadata");
        const request = createPipelineRequest({
            url,
            method: spec.method,
            headers,
            body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
            abortSignal: this.signal,
        });
        const response = await this.shared.pipeline.sendRequest(this.shared.transport, request);
        if (THROTTLED.has(response.status)) {
            throw new VerifyError(
                ExitCode.Throttled,
                `Batch kept throttling (${response.status}) ${spec.method} ${new URL(url).pathname} after ${this.shared.bounds.maxRetries + 1} attempts; try again later or verify fewer nodes at once`,
            );
        }
        return response;
    }

    private fail(response: PipelineResponse, spec: RequestSpec): never {
        const { code, message } = describeBatchError(response.bodyAsText ?? "");
        throw new HttpError("Batch", response.status, code, message, `${spec.method} ${new URL(this.url(spec.path)).pathname}`);
    }

    /** Sends and expects one of the given statuses; the JSON body (or undefined when empty). */
    async json(spec: RequestSpec, expect: number[] = [200]): Promise<unknown> {
        const response = await this.send(spec);
        if (!expect.includes(response.status)) return this.fail(response, spec);
        const text = response.bodyAsText ?? "";
        return text.trim() === "" ? undefined : (JSON.parse(text) as unknown);
    }

    async text(spec: RequestSpec): Promise<string> {
        const response = await this.send(spec);
        if (response.status !== 200) return this.fail(response, spec);
        return response.bodyAsText ?? "";
    }

    /** GETs every page of a list, following odata.nextLink; a bound guards against a link that loops. */
    async list(path: string, query: Record<string, string> = {}, maxPages = 1000): Promise<unknown[]> {
        const items: unknown[] = [];
        let next: string | undefined = path;
        let first = true;
        for (let page = 0; next !== undefined; page++) {
            if (page >= maxPages) {
                throw new VerifyError(ExitCode.ServiceError, `Batch returned more than ${maxPages} pages for ${path}; stopping`);
            }
            const body = await this.json({ method: "GET", path: next, query: first ? query : {} });
            first = false;
            const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
            const value = record["value"];
            if (!Array.isArray(value)) {
                throw new VerifyError(ExitCode.ServiceError, `Batch answered ${path} without a "value" list; is batchAccountEndpoint a Batch account?`);
            }
            items.push(...value);
            const link = record["odata.nextLink"];
            next = typeof link === "string" && link !== "" ? link : undefined;
        }
        return items;
    }
}
