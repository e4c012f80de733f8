// TEST ONLY: lets the tests point the Key Vault SDK at a loopback fake.
//
// The SDK's challenge-based authentication refuses any non-https request URL,
// so the client keeps the real https vault URI and this HTTP client carries
// each request to the fake instead. It is installed only when the
// BATCH_CERT_ROTATION_TEST_KEYVAULT_URL environment variable is set (main.ts).
import type { CertificateClientOptions } from "@azure/keyvault-certificates";

type HttpClient = NonNullable<CertificateClientOptions["httpClient"]>;
type PipelineRequest = Parameters<HttpClient["sendRequest"]>[0];
type PipelineResponse = Awaited<ReturnType<HttpClient["sendRequest"]>>;
type HttpHeaders = PipelineResponse["headers"];

class SimpleHeaders implements HttpHeaders {
    private readonly map = new Map<string, string>();
    constructor(from: Headers) {
        from.forEach((value, name) => this.map.set(name.toLowerCase(), value));
    }
    get(name: string): string | undefined {
        return this.map.get(name.toLowerCase());
    }
    has(name: string): boolean {
        return this.map.has(name.toLowerCase());
    }
    set(name: string, value: string | number | boolean): void {
        this.map.set(name.toLowerCase(), String(value));
    }
    delete(name: string): void {
        this.map.delete(name.toLowerCase());
    }
    toJSON(): Record<string, string> {
        return Object.fromEntries(this.map);
    }
    [Symbol.iterator](): Iterator<[string, string]> {
        return this.map.entries();
    }
}

/** An HttpClient that sends every request to `target` (path and query kept) over fetch. */
export function loopbackHttpClient(target: string): HttpClient {
    const base = new URL(target);
    return {
        async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
            const original = new URL(request.url);
            const url = new URL(original.pathname + original.search, base);
            const headers: Record<string, string> = {};
            for (const [name, value] of request.headers) headers[name] = value;
            const body = typeof request.body === "string" ? request.body : undefined;
            const response = await fetch(url, { method: request.method, headers, body });
            return { request, status: response.status, headers: new SimpleHeaders(response.headers), bodyAsText: await response.text() };
        },
    };
}
