// A small fetch-based client for the Batch data-plane REST API: bearer token,
// api-version, bounded retries on throttling (honouring Retry-After), paging
// through odata.nextLink, and errors that say what the service said.
import { randomUUID } from "node:crypto";
import { ExitCode, HttpError, VerifyError } from "./errors";

export const BATCH_API_VERSION = "2024-07-01.20.0";
export const BATCH_SCOPE = "https://batch.core.windows.net/.default";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface HttpOptions {
    fetch?: FetchLike;
    sleep?: Sleep;
    /** Retries after a 429/503 before giving up. */
    maxRetries?: number;
    /** Upper bound on a single wait, whatever Retry-After says. */
    maxRetryDelayMs?: number;
    signal?: AbortSignal;
}

/** Resolves after ms, or rejects at once when the signal aborts. */
export const abortableSleep: Sleep = (ms, signal) =>
    new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(signal.reason);
            return;
        }
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        const onAbort = (): void => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
    });

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
    if (header === null || header.trim() === "") return undefined;
    if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
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

export class BatchHttpClient {
    private readonly fetchImpl: FetchLike;
    private readonly sleep: Sleep;
    private readonly maxRetries: number;
    private readonly maxRetryDelayMs: number;
    private readonly base: URL;

    constructor(
        baseUrl: string,
        private readonly token: () => Promise<string>,
        private readonly options: HttpOptions = {},
    ) {
        this.base = new URL(baseUrl);
        this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
        this.sleep = options.sleep ?? abortableSleep;
        this.maxRetries = options.maxRetries ?? 4;
        this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    }

    /** Builds a URL on the account's origin; a nextLink is re-based so the token never leaves it. */
    url(pathOrLink: string, query: Record<string, string> = {}): string {
        const given = new URL(pathOrLink, this.base);
        const url = new URL(given.pathname + given.search, this.base);
        if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", BATCH_API_VERSION);
        for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
        return url.toString();
    }

    /** Sends the request; retries 429/503 up to the bound; returns the response of any other status. */
    async send(spec: RequestSpec): Promise<Response> {
        const url = this.url(spec.path, spec.query);
        for (let attempt = 0; ; attempt++) {
            const headers: Record<string, string> = {
                Authorization: `Bearer ${await this.token()}`,
                Accept: "application/json",
                "client-request-id": randomUUID(),
                "return-client-request-id": "true",
            };
            if (spec.body !== undefined) headers["Content-Type"] = "application/json; odata=minimalmetadata";
            let response: Response;
            try {
                response = await this.fetchImpl(url, {
                    method: spec.method,
                    headers,
                    body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
                    signal: this.options.signal,
                });
            } catch (error) {
                if (this.options.signal?.aborted) throw error;
                const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
                throw new VerifyError(ExitCode.ServiceError, `cannot reach the Batch account at ${this.base.host}: ${cause}; check batchAccountEndpoint and your network`);
            }
            if (response.status !== 429 && response.status !== 503) return response;
            await response.arrayBuffer().catch(() => undefined);
            if (attempt >= this.maxRetries) {
                throw new VerifyError(
                    ExitCode.Throttled,
                    `Batch kept throttling (${response.status}) ${spec.method} ${new URL(url).pathname} after ${attempt + 1} attempts; try again later or verify fewer nodes at once`,
                );
            }
            const wait = retryAfterMs(response.headers.get("retry-after")) ?? 1000 * 2 ** attempt;
            await this.sleep(Math.min(wait, this.maxRetryDelayMs), this.options.signal);
        }
    }

    private async fail(response: Response, spec: RequestSpec): Promise<never> {
        const { code, message } = describeBatchError(await response.text());
        throw new HttpError("Batch", response.status, code, message, `${spec.method} ${new URL(this.url(spec.path)).pathname}`);
    }

    /** Sends and expects one of the given statuses; the JSON body (or undefined when empty). */
    async json(spec: RequestSpec, expect: number[] = [200]): Promise<unknown> {
        const response = await this.send(spec);
        if (!expect.includes(response.status)) return this.fail(response, spec);
        const text = await response.text();
        return text.trim() === "" ? undefined : (JSON.parse(text) as unknown);
    }

    async text(spec: RequestSpec): Promise<string> {
        const response = await this.send(spec);
        if (response.status !== 200) return this.fail(response, spec);
        return response.text();
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
