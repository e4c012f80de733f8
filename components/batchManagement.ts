// Batch's management API as this program's dynamic providers call it (the
// pool's updatable settings, the account's customer-managed key): one client
// pinned to the API version azure-native sends, one retry layer (the
// provider's), and one way of saying what went wrong, in a line that names
// the operation, the cause and the fix.
//
// These run from Pulumi's closure serialization: SDKs are require()d inside
// function bodies, and only plain data, functions and plain named Errors are
// used (components/retry.ts says why).
import type { BatchManagementClient } from "@azure/arm-batch";
import { requestTimeoutPolicy } from "./requestTimeout";
import {
    isRetryable,
    isRetryExhausted,
    messageOf,
    namedError,
    networkFailureCodeOf,
    responseTextOf,
    retryWithBackoff,
    statusCodeOf,
} from "./retry";

/** The Batch management API version the providers send: the one azure-native 3.28 sends for pools and accounts. */
export const BATCH_API_VERSION = "2024-07-01";

export interface BatchRetryOptions {
    maxAttempts: number;
    maxTotalWaitMs: number;
    initialDelayMs: number;
    maxDelayMs: number;
}

/**
 * `@azure/arm-batch` pinned to BATCH_API_VERSION, signed in and connected as
 * the environment says (DefaultAzureCredential, HTTPS_PROXY, NODE_EXTRA_CA_CERTS),
 * with the SDK's own retries off: the provider's retry layer is the only one.
 */
export function batchManagementClient(armEndpoint: string, subscriptionId: string, requestTimeoutMs: number): BatchManagementClient {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const batch = require("@azure/arm-batch") as typeof import("@azure/arm-batch");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const identity = require("@azure/identity") as typeof import("@azure/identity");
    const endpoint = armEndpoint.replace(/\/+$/, "");
    return new batch.BatchManagementClient(new identity.DefaultAzureCredential(), subscriptionId, {
        endpoint,
        credentialScopes: [`${endpoint}/.default`],
        apiVersion: BATCH_API_VERSION,
        retryOptions: { maxRetries: 0 },
        additionalPolicies: [{ position: "perRetry", policy: requestTimeoutPolicy(requestTimeoutMs) }],
    });
}

/** One call with the provider's retries: a 403 is final (a missing right doesn't come back by waiting). */
export function callBatch<T>(retry: BatchRetryOptions, operation: string, region: string, fn: () => Promise<T>): Promise<T> {
    return retryWithBackoff(fn, {
        operation,
        ...retry,
        isRetryable: (err) => statusCodeOf(err) !== 403 && isRetryable(err),
        jitter: (ms) => ms * (0.5 + Math.random() / 2),
        fix: () => `Azure Resource Manager kept failing; check Azure's status for Batch in ${region} and rerun \`pulumi up\``,
    });
}

/**
 * The error a provider throws: a network failure says Resource Manager can't be
 * reached (never a Batch problem); an answer from Batch says its status, code and
 * message, with the fix `fixFor` gives for it. Anything else passes through.
 */
export function explainBatchFailure(name: string, operation: string, armEndpoint: string, err: unknown,
    fixFor: (status: number, errorCode: string) => string): unknown {
    const cause = isRetryExhausted(err) ? err.lastError : err;
    const code = networkFailureCodeOf(cause);
    if (code !== undefined) {
        const reason = code.startsWith("PROXY_")
            ? `a proxy or gateway answered HTTP ${code.slice("PROXY_".length)} instead of Azure: ${messageOf(responseTextOf(cause) ?? cause).split(/\r?\n/)[0]}`
            : `${code}: ${messageOf(cause).split(/\r?\n/)[0]}`;
        return namedError(name,
            `${operation}: can't reach Azure Resource Manager at ${armEndpoint} (${reason}). ` +
                "Fix: check the network path from where pulumi runs to Resource Manager, and the proxy in HTTPS_PROXY/NO_PROXY if one is set.", err);
    }
    const status = statusCodeOf(cause);
    if (status === undefined) return err;
    const errorCode = typeof (cause as { code?: unknown }).code === "string" ? (cause as { code: string }).code : "";
    const said = `Batch answered ${status}${errorCode ? ` ${errorCode}` : ""}: ${messageOf(cause).split(/\r?\n/)[0]}`;
    return namedError(name, `${operation}: ${said}. Fix: ${fixFor(status, errorCode)}.`, err);
}
