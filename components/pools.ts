// The pools of one component, as pure data: `pool:` or `pools:` as a list of
// what each pool is called and holds, which of its settings replace it and
// which update it in place, and the parts of its body that come from config
// alone. Pure: nothing here registers a resource (poolResource.ts does).

import type { StartTaskSpec, UserAccountSpec } from "./config/poolSettings";
import type { PoolReplacementKey } from "./naming";
import { buildScaleSettings, type AutoScale, type FixedScale } from "./pool";
import type { CertificateSpec, KeyVaultExtensionSpec, OsFamily, PoolSpec } from "./types";
import type { ResolvedPool } from "./validation";

export interface PlannedPool {
    /** The key under `pools:`; undefined for `pool:`. */
    key?: string;
    /** The Pulumi resource name: `<component>-pool` for `pool:` (today's, so existing stacks keep their pool), `<component>-pool-<key>` otherwise. */
    resourceName: string;
    /** What a derived Azure pool name starts with: two pools with equal settings still get different names. */
    nameBase: string;
    spec: PoolSpec;
    osFamily: OsFamily;
    certificates: CertificateSpec[];
    extension: KeyVaultExtensionSpec;
}

export function planPools(componentName: string, poolSet: readonly ResolvedPool[]): PlannedPool[] {
    return poolSet.map((pool) => ({
        ...pool,
        resourceName: pool.key === undefined ? `${componentName}-pool` : `${componentName}-pool-${pool.key}`,
        nameBase: pool.key === undefined ? componentName : `${componentName}-${pool.key}`,
    }));
}

// ------------------------------------------------------- replace or update

export type PoolChange = "replaces" | "updates in place";

/**
 * Every pool property the program sets, and what a change to it does (Batch
 * docs "batch-pool-update-properties", API 2024-07-01): with nodes running only
 * the start task, scale settings, metadata and application packages change;
 * everything else needs an empty pool, so it replaces the pool. docs/pools.md
 * carries this table, and a test holds the two, replaceOnChanges and the
 * derived name to it.
 */
export const POOL_SETTINGS: readonly { property: string; config: string; change: PoolChange }[] = [
    { property: "vmSize", config: "vmSize", change: "replaces" },
    { property: "deploymentConfiguration", config: "image, nodeAgentSkuId, keyVaultExtension, certificates (the extension and what it observes)", change: "replaces" },
    { property: "identity", config: "identity", change: "replaces" },
    { property: "networkConfiguration", config: "network.subnetId, network.publicIPAddresses, network.ipAddressIds", change: "replaces" },
    { property: "targetNodeCommunicationMode", config: "network.nodeCommunicationMode", change: "replaces" },
    { property: "userAccounts", config: "userAccounts", change: "replaces" },
    { property: "mountConfiguration", config: "(not set by this program)", change: "replaces" },
    { property: "taskSlotsPerNode", config: "taskSlotsPerNode", change: "replaces" },
    { property: "taskSchedulingPolicy", config: "nodeFillType", change: "replaces" },
    { property: "startTask", config: "startTask", change: "updates in place" },
    { property: "scaleSettings", config: "targetDedicatedNodes, targetLowPriorityNodes, resizeTimeout, autoScale", change: "updates in place" },
    { property: "metadata", config: "metadata", change: "updates in place" },
];

/** The pool's arguments that decide its derived name and its replacement (passwords excluded: they never change). */
export interface ReplacingProperties {
    vmSize: string;
    deploymentConfiguration: unknown;
    identity: { userAssignedIdentities: string[] };
    networkConfiguration?: unknown;
    targetNodeCommunicationMode?: unknown;
    userAccounts?: readonly UserAccountBody[];
    mountConfiguration?: unknown;
    taskSlotsPerNode?: number;
    taskSchedulingPolicy?: { nodeFillType: string };
}

/**
 * The derived name's hash input. vmSize, deploymentConfiguration and the
 * identity keep the shape they had before the other settings joined, and the
 * others are left out when absent (or, for the fill type, at the program's
 * default `Pack`), so a stack that sets none of them keeps its pool's name.
 */
export function replacementKey(p: ReplacingProperties): PoolReplacementKey {
    const network = p.networkConfiguration === undefined && p.targetNodeCommunicationMode === undefined ? undefined
        : { networkConfiguration: p.networkConfiguration, targetNodeCommunicationMode: p.targetNodeCommunicationMode };
    return {
        vmSize: p.vmSize,
        deploymentConfiguration: p.deploymentConfiguration,
        identityIds: p.identity.userAssignedIdentities,
        network,
        userAccounts: p.userAccounts === undefined || p.userAccounts.length === 0 ? undefined : p.userAccounts,
        mountConfiguration: p.mountConfiguration,
        taskSlotsPerNode: p.taskSlotsPerNode,
        taskSchedulingPolicy: p.taskSchedulingPolicy?.nodeFillType === "Pack" ? undefined : p.taskSchedulingPolicy,
    };
}

// ------------------------------------------------- body parts from config

export interface StartTaskBody {
    commandLine: string;
    environmentSettings?: { name: string; value: string }[];
    userIdentity?: { autoUser: { scope: "Pool"; elevationLevel: "Admin" } };
    waitForSuccess: boolean;
    maxTaskRetryCount: number;
}

export function buildStartTask(task: StartTaskSpec): StartTaskBody {
    const env = Object.entries(task.environment ?? {});
    return {
        commandLine: task.commandLine,
        ...(env.length === 0 ? {} : { environmentSettings: env.map(([name, value]) => ({ name, value })) }),
        // Pool scope: the auto-user tasks share, so what the start task installs is theirs to use.
        ...(task.elevated ? { userIdentity: { autoUser: { scope: "Pool", elevationLevel: "Admin" } } } : {}),
        waitForSuccess: task.waitForSuccess,
        maxTaskRetryCount: task.maxTaskRetryCount,
    };
}

/** A user account as Batch takes it, without the password (added where the resource is registered). */
export interface UserAccountBody {
    name: string;
    elevationLevel: "NonAdmin" | "Admin";
    linuxUserConfiguration?: { uid: number; gid: number };
}

export function buildUserAccounts(accounts: readonly UserAccountSpec[]): UserAccountBody[] {
    return accounts.map((a) => ({
        name: a.name,
        elevationLevel: a.elevationLevel,
        ...(a.linux === undefined ? {} : { linuxUserConfiguration: { uid: a.linux.uid, gid: a.linux.gid } }),
    }));
}

export function buildMetadata(metadata: Readonly<Record<string, string>>): { name: string; value: string }[] {
    // Sorted: the engine hands the program config maps with sorted keys, the offline plan in file order,
    // and the request must not depend on which one ran it.
    return Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));
}

/** The pool's settings that follow from its config alone (no other resource's output), each left out when unset. */
export interface ConfigOnlyProperties {
    vmSize: string;
    taskSchedulingPolicy: { nodeFillType: PoolSpec["nodeFillType"] };
    scaleSettings: FixedScale | AutoScale;
    taskSlotsPerNode?: number;
    startTask?: StartTaskBody;
    userAccounts?: UserAccountBody[];
    metadata?: { name: string; value: string }[];
}

export function buildConfigOnlyProperties(spec: PoolSpec): ConfigOnlyProperties {
    return {
        vmSize: spec.vmSize,
        taskSchedulingPolicy: { nodeFillType: spec.nodeFillType },
        scaleSettings: buildScaleSettings(spec),
        ...(spec.taskSlotsPerNode === undefined ? {} : { taskSlotsPerNode: spec.taskSlotsPerNode }),
        ...(spec.startTask === undefined ? {} : { startTask: buildStartTask(spec.startTask) }),
        ...(spec.userAccounts === undefined || spec.userAccounts.length === 0 ? {} : { userAccounts: buildUserAccounts(spec.userAccounts) }),
        ...(spec.metadata === undefined || Object.keys(spec.metadata).length === 0 ? {} : { metadata: buildMetadata(spec.metadata) }),
    };
}
