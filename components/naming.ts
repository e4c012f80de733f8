// Deterministic names: the same inputs always give the same name, so a
// redeploy changes nothing, while a change to what forces a pool replacement
// gives the pool a new name (create-before-delete without a name clash).

import { createHash } from "node:crypto";
import { canonicalJson } from "./json";

export { canonicalJson };

export function shortHash(value: unknown, length = 8): string {
    return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, length);
}

function slug(name: string, allowed: RegExp, maxLength: number): string {
    const kept = [...name].filter((ch) => allowed.test(ch)).join("").replace(/-{2,}/g, "-");
    return kept.slice(0, maxLength).replace(/^-+|-+$/g, "");
}

/**
 * A vault name that is stable per project, stack and component, and globally
 * unique enough: a soft-deleted vault keeps its name reserved, so names must
 * not collide across stacks.
 */
export function deriveVaultName(componentName: string, project: string, stack: string): string {
    const suffix = shortHash({ project, stack, componentName }, 6);
    const body = slug(componentName.toLowerCase(), /[a-z0-9-]/, 24 - "kv-".length - suffix.length - 1);
    return body ? `kv-${body}-${suffix}` : `kv-${suffix}`;
}

/** What forces a new pool: anything under deploymentConfiguration, the VM size, the identity and the network. */
export interface PoolReplacementKey {
    vmSize: string;
    deploymentConfiguration: unknown;
    identityIds: string[];
    /** networkConfiguration and targetNodeCommunicationMode: Batch changes them only on an empty pool. */
    network?: unknown;
    /** The same holds for these (components/pools.ts replacementKey; absent ones leave earlier names unchanged). */
    userAccounts?: unknown;
    mountConfiguration?: unknown;
    taskSlotsPerNode?: number;
    taskSchedulingPolicy?: unknown;
}

/** The pool name when it isn't pinned: `<component>-<hash of what forces replacement>`. */
export function derivePoolName(componentName: string, key: PoolReplacementKey): string {
    const hash = shortHash({ ...key, vmSize: key.vmSize.toLowerCase() }, 8);
    const body = slug(componentName, /[a-zA-Z0-9_-]/, 64 - hash.length - 1);
    return body ? `${body}-${hash}` : `pool-${hash}`;
}

/**
 * A name-based (version 5) UUID, as ARM templates' guid(): a role assignment
 * gets the same name on every run, so a redeploy never duplicates it.
 */
export function deterministicGuid(...parts: string[]): string {
    // A fixed namespace of this project's own; any constant works, it only has to never change.
    const namespace = Buffer.from("6f1c2b9e4d3a45f7a8e0c1d2b3a49587", "hex");
    const bytes = createHash("sha1").update(namespace).update(parts.join("|").toLowerCase()).digest().subarray(0, 16);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface ResourceIdParts {
    subscriptionId: string;
    resourceGroupName: string;
    name: string;
}

/** Splits an ARM resource ID of the form /subscriptions/<s>/resourceGroups/<g>/providers/<ns>/<type>/<name>. */
export function parseResourceId(id: string): ResourceIdParts {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)$/i.exec(id);
    if (!m) throw new Error(`${JSON.stringify(id)} is not an ARM resource ID of the form /subscriptions/<s>/resourceGroups/<g>/providers/<namespace>/<type>/<name>`);
    return { subscriptionId: m[1], resourceGroupName: m[2], name: m[3] };
}

/** The subscription segment of any ARM ID below a subscription. */
export function subscriptionOf(id: string): string {
    const m = /^\/subscriptions\/([^/]+)/i.exec(id);
    if (!m) throw new Error(`${JSON.stringify(id)} is not an ARM resource ID below /subscriptions/<id>`);
    return m[1];
}
