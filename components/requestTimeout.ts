// Bounds each HTTP attempt of the SDK clients the dynamic providers make (the
// Key Vault certificate client, the Batch management client). The Azure SDK
// sets no timeout, so an address that accepts connections and never answers
// (a firewall appliance, a half-open proxy) would hold `pulumi up` forever.
// Serialized with the providers: plain functions only (components/retry.ts).
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { isNamedError } from "./retry";

/**
 * Bounds each attempt. The SDK reports its own timeout as a bare AbortError,
 * which reads like a cancellation; this names it as the network failure it is
 * (code ETIMEDOUT), so the user is told the service can't be reached.
 */
export function requestTimeoutPolicy(timeoutMs: number): PipelinePolicy {
    return {
        name: "batchCertRotationRequestTimeout",
        async sendRequest(request, next) {
            if (!(request.timeout > 0)) request.timeout = timeoutMs;
            try {
                return await next(request);
            } catch (err) {
                const cancelled = request.abortSignal?.aborted === true;
                if (!cancelled && isNamedError(err, "AbortError")) {
                    throw Object.assign(new Error(`no answer within ${+(request.timeout / 1000).toFixed(1)} s (${request.method} ${new URL(request.url).origin})`), {
                        code: "ETIMEDOUT",
                        cause: err,
                    });
                }
                throw err;
            }
        },
    };
}
