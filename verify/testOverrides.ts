// TEST ONLY: lets the tests point the verifier at a loopback fake of Batch and
// Key Vault.
//
// The bearer-token policies (core-rest-pipeline's for Batch, the Key Vault
// SDK's challenge-based one) refuse any non-https request URL, so the clients
// keep the real https URLs and this HTTP client carries each request to the
// fake instead. It is installed only when the BATCH_CERT_ROTATION_TEST_*_URL
// environment variables are set (main.ts); nothing in the outputs or the stack
// config can install it.
import { createDefaultHttpClient, createPipelineRequest, type HttpClient } from "@azure/core-rest-pipeline";

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** An HttpClient that sends every request to `target` (path and query kept). */
export function loopbackHttpClient(target: string): HttpClient {
    const base = new URL(target);
    // Plain http is allowed to a loopback fake only: a test URL pointing
    // elsewhere fails to connect rather than send a token in the clear.
    const allowInsecureConnection = base.protocol === "http:" && LOOPBACK_HOSTS.has(base.hostname);
    const inner = createDefaultHttpClient();
    return {
        async sendRequest(request) {
            const original = new URL(request.url);
            const forwarded = createPipelineRequest({
                ...request,
                url: new URL(original.pathname + original.search, base).toString(),
                allowInsecureConnection,
            });
            // The caller sees the request it sent, not the rewritten one.
            return { ...(await inner.sendRequest(forwarded)), request };
        },
    };
}
