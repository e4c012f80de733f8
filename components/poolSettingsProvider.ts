// The dynamic provider behind BatchPoolSettings: the pool settings Batch
// changes on a running pool (scale, metadata, start task), sent as Batch's own
// Pool - Update, a PATCH of just those properties. azure-native updates a pool
// with a PUT of the whole body, which Batch refuses on a pool with nodes
// (400 PropertyCannotBeUpdated on deploymentConfiguration, even unchanged:
// Azure/Batch#153, Azure/terraform-provider-azapi#263); Terraform's azurerm
// does what this does (internal/services/batch/batch_pool_resource.go: PATCH
// of the updatable properties, and no scale change while a resize runs).
//
// Pulumi runs this from its closure serialization, as the certificate
// provider: SDKs are require()d inside function bodies, and only plain data,
// arrays, functions and plain named Errors are used (components/retry.ts says
// why). Tests run it as shipped (test/poolSettings.test.ts).
import type * as pulumi from "@pulumi/pulumi";
import type { BatchManagementClient, Pool } from "@azure/arm-batch";
import { canonicalJson } from "./json";
import { type BatchRetryOptions, batchManagementClient, callBatch, explainBatchFailure } from "./batchManagement";
import { isNamedError, namedError, statusCodeOf } from "./retry";


/** The three properties Batch updates on a pool with nodes that this program sets (batch-pool-update-properties.md). */
export const PATCHED_POOL_PROPERTIES = ["scaleSettings", "metadata", "startTask"] as const;

export interface UpdatableSettings {
    scaleSettings: unknown;
    metadata?: { name: string; value: string }[];
    startTask?: unknown;
}

export interface PoolSettingsInputs {
    /** The pool's ARM ID (the azure-native pool's `id`). */
    poolId: string;
    /** Resource Manager of the pool's cloud, e.g. `https://management.azure.com`. */
    armEndpoint: string;
    settings: UpdatableSettings;
}

export type PoolSettingsOutputs = PoolSettingsInputs;

/** The calls the provider makes; a real BatchManagementClient's `pool` satisfies it. */
export type PoolClientLike = Pick<BatchManagementClient["poolOperations"], "get" | "update">;

export interface PoolSettingsProviderOptions {
    /** Longest wait for a resize in progress to end before a scale change. */
    resizeWaitMs: number;
    pollIntervalMs: number;
    /** Longest wait for one HTTP answer. */
    requestTimeoutMs: number;
    retry: BatchRetryOptions;
}

export const DEFAULT_POOL_SETTINGS_OPTIONS: PoolSettingsProviderOptions = {
    // A resize waits at most its resizeTimeout (PT15M by default) before Batch stops it.
    resizeWaitMs: 20 * 60_000,
    pollIntervalMs: 10_000,
    requestTimeoutMs: 60_000,
    retry: { maxAttempts: 8, maxTotalWaitMs: 5 * 60_000, initialDelayMs: 5_000, maxDelayMs: 60_000 },
};

export type PoolClientFactory = (armEndpoint: string, subscriptionId: string, options: PoolSettingsProviderOptions) => PoolClientLike;

export interface PoolIdParts {
    subscriptionId: string;
    resourceGroupName: string;
    accountName: string;
    poolName: string;
}

export function parsePoolId(id: string): PoolIdParts {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Batch\/batchAccounts\/([^/]+)\/pools\/([^/]+)$/i.exec(id);
    if (!m) throw new Error(`${JSON.stringify(id)} is not a Batch pool's ARM ID (/subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.Batch/batchAccounts/<a>/pools/<p>)`);
    return { subscriptionId: m[1], resourceGroupName: m[2], accountName: m[3], poolName: m[4] };
}

/** The pool operations of Batch's management client (batchManagement.ts). */
export function defaultPoolClientFactory(armEndpoint: string, subscriptionId: string, options: PoolSettingsProviderOptions): PoolClientLike {
    return batchManagementClient(armEndpoint, subscriptionId, options.requestTimeoutMs).poolOperations;
}

/**
 * Whether `actual` says what `wanted` says: every field `wanted` sets has the
 * same value there. Azure's answer adds its defaults (a start task's user
 * identity, a resize timeout), which are not a difference.
 */
export function covers(actual: unknown, wanted: unknown): boolean {
    if (Array.isArray(wanted)) {
        return Array.isArray(actual) && actual.length === wanted.length && wanted.every((w, i) => covers(actual[i], w));
    }
    if (typeof wanted === "object" && wanted !== null) {
        if (typeof actual !== "object" || actual === null) return false;
        return Object.entries(wanted).every(([k, w]) => w === undefined || covers((actual as Record<string, unknown>)[k], w));
    }
    return actual === wanted;
}

/** What Azure holds for the three properties, each in the shape the PATCH carries. */
function currentSettings(pool: Pool): Record<string, unknown> {
    return { scaleSettings: pool.scaleSettings, metadata: pool.metadata ?? [], startTask: pool.startTask };
}

/**
 * The PATCH body that brings the pool to `wanted`: only the properties whose
 * value differs. Metadata left out of the configuration is cleared (an empty
 * list); a start task left out stays as it is, since Pool - Update leaves an
 * omitted start task unchanged.
 */
export function patchFor(current: Record<string, unknown>, wanted: UpdatableSettings): Partial<UpdatableSettings> {
    const patch: Partial<UpdatableSettings> = {};
    if (!covers(current.scaleSettings, wanted.scaleSettings)) patch.scaleSettings = wanted.scaleSettings;
    const metadata = wanted.metadata ?? [];
    if (!covers(current.metadata, metadata) || (current.metadata as unknown[] | undefined ?? []).length !== metadata.length) patch.metadata = metadata;
    if (wanted.startTask !== undefined && !covers(current.startTask, wanted.startTask)) patch.startTask = wanted.startTask;
    return patch;
}

/** The settings as Azure holds them where they differ from `wanted`, `wanted`'s own form where they agree (so refresh shows only drift). */
export function observedSettings(current: Record<string, unknown>, wanted: UpdatableSettings): UpdatableSettings {
    const patch = patchFor(current, wanted);
    const observed: UpdatableSettings = { ...wanted };
    if ("scaleSettings" in patch) observed.scaleSettings = current.scaleSettings;
    if ("metadata" in patch) observed.metadata = current.metadata as UpdatableSettings["metadata"];
    if ("startTask" in patch) observed.startTask = current.startTask;
    return observed;
}

export function makePoolSettingsProvider(
    clientFactory: PoolClientFactory = defaultPoolClientFactory,
    options: Partial<PoolSettingsProviderOptions> = {},
): pulumi.dynamic.ResourceProvider<PoolSettingsInputs, PoolSettingsOutputs> {
    const resolve = (): PoolSettingsProviderOptions => ({ ...DEFAULT_POOL_SETTINGS_OPTIONS, ...options });

    async function apply(inputs: PoolSettingsInputs): Promise<PoolSettingsOutputs> {
        const opts = resolve();
        const id = parsePoolId(inputs.poolId);
        const where = `pool "${id.poolName}" in Batch account "${id.accountName}"`;
        const client = clientFactory(inputs.armEndpoint, id.subscriptionId, opts);
        try {
            const pool: Pool = await call(opts, `read ${where}`, () => client.get(id.resourceGroupName, id.accountName, id.poolName));
            const patch = patchFor(currentSettings(pool), inputs.settings);
            if (Object.keys(patch).length === 0) return inputs;
            if ("scaleSettings" in patch) await waitForSteady(client, id, pool, opts, where);
            await call(opts, `update ${where}`, () => client.update(id.resourceGroupName, id.accountName, id.poolName, patch as Pool));
            return inputs;
        } catch (err) {
            throw explain(`update ${where}`, inputs.armEndpoint, Object.keys(inputs.settings), err);
        }
    }

    return {
        async create(inputs) {
            return { id: `${inputs.poolId}/updatableSettings`, outs: await apply(inputs) };
        },

        async read(id, props) {
            if (props === undefined) {
                throw new Error(`read ${id}: no prior state to read from; declare the pool in the program and run \`pulumi up\` instead`);
            }
            const opts = resolve();
            const pool = parsePoolId(props.poolId);
            const where = `pool "${pool.poolName}" in Batch account "${pool.accountName}"`;
            const client = clientFactory(props.armEndpoint, pool.subscriptionId, opts);
            try {
                const current: Pool = await call(opts, `read ${where}`, () => client.get(pool.resourceGroupName, pool.accountName, pool.poolName));
                return { id, props: { ...props, settings: observedSettings(currentSettings(current), props.settings) } };
            } catch (err) {
                // The pool is gone (deleted out of band): so are its settings.
                if (statusCodeOf(err) === 404) return { id: "", props: undefined };
                throw explain(`read ${where}`, props.armEndpoint, [], err);
            }
        },

        async diff(_id, olds, news) {
            // Another pool is another object; delete is a no-op, so the order doesn't matter.
            if (olds.poolId.toLowerCase() !== news.poolId.toLowerCase()) return { changes: true, replaces: ["poolId"], deleteBeforeReplace: false };
            const changes = canonicalJson(olds.settings) !== canonicalJson(news.settings) || olds.armEndpoint !== news.armEndpoint;
            return { changes, replaces: [] };
        },

        async update(_id, _olds, news) {
            return { outs: await apply(news) };
        },

        // The settings go with the pool: nothing to delete.
        async delete() {},
    };
}

function call<T>(opts: PoolSettingsProviderOptions, operation: string, fn: () => Promise<T>): Promise<T> {
    return callBatch(opts.retry, operation, "the pool's region", fn);
}

async function waitForSteady(client: PoolClientLike, id: PoolIdParts, pool: Pool, opts: PoolSettingsProviderOptions, where: string): Promise<void> {
    const started = Date.now();
    let state = pool.allocationState;
    while (state === "Resizing") {
        if (Date.now() - started >= opts.resizeWaitMs) {
            throw namedError("PoolResizingError",
                `update ${where}: a resize has been in progress for over ${Math.round(opts.resizeWaitMs / 1000)} s, and Batch changes the scale ` +
                    "of a pool only when no resize runs. Fix: wait for it to end (`az batch pool show --pool-id " + id.poolName +
                    " --query allocationState`) or stop it (`az batch pool stop-resize --pool-id " + id.poolName + "`), then rerun `pulumi up`.",
                undefined);
        }
        await new Promise((resolve) => setTimeout(resolve, opts.pollIntervalMs));
        const latest: Pool = await call(opts, `read ${where}`, () => client.get(id.resourceGroupName, id.accountName, id.poolName));
        state = latest.allocationState;
    }
}

/** Every error leaving the provider names the pool, what was changed, the cause and the fix, in one line. */
function explain(operation: string, armEndpoint: string, properties: string[], err: unknown): unknown {
    if (isNamedError(err, "PoolResizingError")) return err;
    const changing = properties.length > 0 ? ` (${properties.join(", ")})` : "";
    return explainBatchFailure("PoolSettingsError", `${operation}${changing}`, armEndpoint, err, (status, errorCode) =>
        errorCode === "PropertyCannotBeUpdated"
            ? "this setting changes only on a pool without nodes; scale the pool to 0 first, or change a setting that replaces the pool"
            : status === 404 ? "the pool no longer exists (deleted outside Pulumi); run `pulumi refresh`, then `pulumi up` to create it again"
                : status === 403 || status === 401 ? "the deployer needs the right to update pools (Contributor on the Batch account, or a role with Microsoft.Batch/batchAccounts/pools/write)"
                    : "check the pool's settings against Batch's rules and rerun `pulumi up`");
}
