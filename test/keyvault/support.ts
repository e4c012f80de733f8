// What the endpoint tests share: the endpoint, the provider built on the real
// SDK client through the same code path the env switch uses
// (loopbackClient.ts), short bounds, and a
// secret client that reads what the Key Vault VM extension would read.
import assert from "node:assert/strict";
import { after, afterEach, before } from "node:test";
import { SecretClient } from "@azure/keyvault-secrets";
import type * as pulumi from "@pulumi/pulumi";
import {
    defaultCertificateClientFactory,
    makeCertificateProvider,
    type CertificateInputs,
    type CertificateOutputs,
    type CertificateProviderOptions,
} from "../../components/certificateProvider";
import { startLoopbackNetwork } from "../support/loopbackNetwork";
import type { LoopbackProxy } from "../support/loopbackProxy";
import { startShippedProvider } from "../support/shippedProvider";
import { fixedTokenCredential, loopbackClientFactory, loopbackClientOptions, type LoopbackKeyVault } from "./loopbackClient";
import { KEY_VAULT_API_VERSION } from "../../components/certificatePolicy";
import type { CertificateSpec } from "../../components/types";
import { certificateSpec } from "../fixtures/certificates";
import { startKeyVaultEndpoint, type EndpointOptions, type KeyVaultEndpoint } from "./endpoint";
import { checkAnswers } from "./recorded";

/** The vault as the stack knows it; requests go to the loopback endpoint, IDs keep this host. */
export const VAULT_HOST = "kvcertrotationtest.vault.azure.net";
export const VAULT_URI = `https://${VAULT_HOST}/`;

/** Short bounds: every failure ends within a few seconds. */
export const SHORT_BOUNDS: Partial<CertificateProviderOptions> = {
    createTimeoutMs: 1_500,
    deleteTimeoutMs: 2_000,
    pollIntervalMs: 20,
    requestTimeoutMs: 2_000,
    retry: { maxAttempts: 3, maxTotalWaitMs: 1_500, initialDelayMs: 20, maxDelayMs: 100 },
};

/**
 * `module`: the provider object the tests import, in this process, on a
 * loopback client. `shipped`: the same provider serialized as `pulumi up`
 * serializes it and served by Pulumi's dynamic-provider process, on the SDK's
 * default client, reaching the endpoint through the loopback proxy with the
 * test CA and the stand-in `az` (test/support/loopbackNetwork.ts).
 */
export type ProviderMode = "module" | "shipped";
export const PROVIDER_MODES: readonly ProviderMode[] = ["module", "shipped"];

export interface Harness {
    mode: ProviderMode;
    endpoint: KeyVaultEndpoint;
    loopback: LoopbackKeyVault;
    provider: pulumi.dynamic.ResourceProvider<CertificateInputs, CertificateOutputs>;
    /** `shipped` only: the loopback proxy the provider's process reaches vaults through. */
    proxy?: LoopbackProxy;
    secrets: SecretClient;
    inputs(spec?: Partial<CertificateSpec>, purgeOnDelete?: boolean): CertificateInputs;
    close(): Promise<void>;
}

export async function startHarness(
    endpointOptions: EndpointOptions = {},
    bounds: Partial<CertificateProviderOptions> = SHORT_BOUNDS,
    mode: ProviderMode = "module",
): Promise<Harness> {
    const endpoint = await startKeyVaultEndpoint(endpointOptions);
    // The SDK's own retries stay on (as in production) but wait milliseconds.
    const loopback: LoopbackKeyVault = {
        endpoint: endpoint.url,
        token: endpoint.token,
        caPem: endpoint.caPem,
        sdkRetry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
    };
    const shipped = mode === "shipped" ? await startShipped(endpoint, bounds) : undefined;
    const provider = shipped?.provider ?? makeCertificateProvider(loopbackClientFactory(loopback), bounds);
    const secrets = new SecretClient(VAULT_URI, fixedTokenCredential(endpoint.token), {
        serviceVersion: KEY_VAULT_API_VERSION,
        ...loopbackClientOptions(loopback),
    });
    return {
        mode,
        endpoint,
        loopback,
        proxy: shipped?.network.proxy,
        provider,
        secrets,
        inputs: (spec = {}, purgeOnDelete = false) => ({
            vaultUri: VAULT_URI,
            certificate: certificateSpec({ dnsNames: ["batch.example.com"], tags: { env: "test" }, ...spec }),
            purgeOnDelete,
        }),
        close: async () => {
            await shipped?.close();
            await endpoint.close();
        },
    };
}

/** The provider as `pulumi up` runs it, with the default client and the given bounds serialized into it. */
export async function startShipped(endpoint: KeyVaultEndpoint, bounds: Partial<CertificateProviderOptions>) {
    const network = await startLoopbackNetwork(endpoint);
    const provider = await startShippedProvider(makeCertificateProvider(defaultCertificateClientFactory, bounds), {
        ...network.env,
        PATH: network.pathWith(process.env.PATH ?? ""),
    });
    return {
        provider,
        network,
        close: async () => {
            await provider.close();
            await network.close();
        },
    };
}

/** Runs `fn`, returning its rejection and how long it took. */
export async function timedRejection(fn: () => Promise<unknown>): Promise<{ error: Error; elapsedMs: number }> {
    const started = Date.now();
    try {
        await fn();
    } catch (err) {
        return { error: err instanceof Error ? err : new Error(String(err)), elapsedMs: Date.now() - started };
    }
    throw new Error("expected a rejection, got success");
}

/** Every answer the endpoint gave matches a recorded (or documented) one, and every request the spec. */
export function assertWire(h: Harness): void {
    // Taken and cleared first, so one test's failure does not spill into the next.
    const calls = h.endpoint.calls.splice(0);
    h.endpoint.faults.clear();
    assert.deepEqual(checkAnswers(calls), []);
    assert.deepEqual(
        calls.flatMap((c) => c.specProblems.map((p) => `${c.method} ${c.path}: ${p}`)),
        [],
    );
    for (const call of calls) {
        assert.equal(call.query["api-version"], KEY_VAULT_API_VERSION, `${call.method} ${call.path}`);
        assert.equal(call.vaultHost, VAULT_HOST, "requests carry the stack's vault host");
    }
}

/** One harness for the tests of the enclosing describe block, each test's traffic checked after it by assertWire. */
export function useHarness(bind: (h: Harness) => void, mode: ProviderMode = "module"): void {
    let h: Harness | undefined;
    before(async () => {
        h = await startHarness({}, SHORT_BOUNDS, mode);
        bind(h);
    });
    after(async () => {
        await h?.close();
    });
    afterEach(() => {
        if (h) assertWire(h);
    });
}
