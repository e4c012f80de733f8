// TEST ONLY: an SDK client for the loopback Key Vault endpoint inside the test
// process, where a proxy and NODE_EXTRA_CA_CERTS (how the provider as shipped
// reaches it, test/support/shippedProvider.ts) can't be set after start-up.
// Requests keep the vault's real URL for the challenge policy and IDs; a
// per-retry policy sends them to the endpoint, naming the vault in a header.
import type { TokenCredential } from "@azure/core-auth";
import { CertificateClient, type CertificateClientOptions } from "@azure/keyvault-certificates";
import { KEY_VAULT_API_VERSION } from "../../components/certificatePolicy";
import { requestTimeoutPolicy, type CertificateClientFactory } from "../../components/certificateProvider";

/** Header carrying the vault host a request was meant for, so the endpoint keeps state per vault. */
export const TEST_VAULT_HOST_HEADER = "x-batch-cert-rotation-vault-host";

/** Where a test client sends its requests instead of the vault, and how it authenticates there. */
export interface LoopbackKeyVault {
    /** `https://127.0.0.1:PORT`. */
    endpoint: string;
    token: string;
    /** PEM of the CA the endpoint's certificate chains to; replaces the default trust store. */
    caPem: string;
    /** The SDK's own retries (its defaults wait seconds; tests want milliseconds). */
    sdkRetry?: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
}

/** A credential that always answers the same token: the loopback endpoint's, never a real one. */
export function fixedTokenCredential(token: string): TokenCredential {
    return { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 60 * 60_000 }) };
}

export function loopbackClientOptions(loopback: LoopbackKeyVault): Pick<
    CertificateClientOptions,
    "additionalPolicies" | "tlsOptions" | "disableChallengeResourceVerification" | "retryOptions"
> {
    const target = new URL(loopback.endpoint);
    if (target.protocol !== "https:" || !["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) {
        throw new Error(`test Key Vault endpoint ${loopback.endpoint}: must be https:// on a loopback address (127.0.0.1, localhost or [::1])`);
    }
    const origin = target.origin;
    return {
        additionalPolicies: [{
            // perRetry runs after the Key Vault challenge policy, so that policy sees the vault URL.
            position: "perRetry",
            policy: {
                name: "loopbackKeyVault",
                async sendRequest(request, next) {
                    const original = request.url;
                    const url = new URL(original);
                    request.headers.set(TEST_VAULT_HOST_HEADER, url.host);
                    request.url = `${origin}${url.pathname}${url.search}`;
                    try {
                        return await next(request);
                    } finally {
                        // The challenge policy resends the same request object after a 401.
                        request.url = original;
                    }
                },
            },
        }],
        tlsOptions: { ca: loopback.caPem },
        // The resent request carries the loopback URL, which is no subdomain of vault.azure.net.
        disableChallengeResourceVerification: true,
        retryOptions: loopback.sdkRetry ?? { maxRetries: 1, retryDelayInMs: 20, maxRetryDelayInMs: 100 },
    };
}

export function loopbackCertificateClient(vaultUri: string, loopback: LoopbackKeyVault, requestTimeoutMs = 30_000): CertificateClient {
    const options = loopbackClientOptions(loopback);
    return new CertificateClient(vaultUri, fixedTokenCredential(loopback.token), {
        serviceVersion: KEY_VAULT_API_VERSION,
        ...options,
        additionalPolicies: [...(options.additionalPolicies ?? []), { position: "perRetry", policy: requestTimeoutPolicy(requestTimeoutMs) }],
    });
}

/** A provider client factory bound to the loopback endpoint (the provider's own timeout option applies). */
export function loopbackClientFactory(loopback: LoopbackKeyVault): CertificateClientFactory {
    return (vaultUri, options) => loopbackCertificateClient(vaultUri, loopback, options.requestTimeoutMs);
}
