// The pool's body, as pure functions of resolved values, so the shape Azure
// receives is tested without Pulumi. Field order follows the how-to's request.

import type { ImageReference, PoolSpec, VmExtension } from "./types";

/**
 * What Azure can't change on an existing pool (400 PropertyCannotBeUpdated on
 * deploymentConfiguration), plus the identity, which only reaches nodes created
 * after the pool shrinks to zero, and the network, which Batch changes only on
 * an empty pool: a change to any of them means a new pool.
 */
export const POOL_REPLACE_ON_CHANGES = [
    "vmSize", "deploymentConfiguration", "identity", "networkConfiguration", "targetNodeCommunicationMode",
    // Batch "pool update properties": these too change only on an empty pool (docs/pools.md lists them).
    "userAccounts", "mountConfiguration", "taskSlotsPerNode", "taskSchedulingPolicy",
] as const;

export interface DeploymentConfiguration<S = string> {
    virtualMachineConfiguration: {
        imageReference: ImageReference;
        nodeAgentSkuId: string;
        extensions: VmExtension<S>[];
    };
}

export function buildDeploymentConfiguration<S = string>(pool: PoolSpec, extension: VmExtension<S>): DeploymentConfiguration<S> {
    return {
        virtualMachineConfiguration: {
            imageReference: { ...pool.image },
            nodeAgentSkuId: pool.nodeAgentSkuId,
            extensions: [extension],
        },
    };
}

export interface FixedScale {
    fixedScale: { targetDedicatedNodes: number; targetLowPriorityNodes?: number; resizeTimeout: string };
}

export interface AutoScale {
    autoScale: { formula: string; evaluationInterval?: string };
}

export function buildScaleSettings(pool: PoolSpec): FixedScale | AutoScale {
    // The formula goes to Batch as written: Batch is the one that can evaluate it.
    if (pool.autoScale) {
        const { formula, evaluationInterval } = pool.autoScale;
        return { autoScale: { formula, ...(evaluationInterval === undefined ? {} : { evaluationInterval }) } };
    }
    return {
        fixedScale: {
            // Always set without autoScale (their defaults); the fallbacks are Batch's own.
            targetDedicatedNodes: pool.targetDedicatedNodes ?? 0,
            // Left out at its default so the body stays the how-to's.
            ...((pool.targetLowPriorityNodes ?? 0) > 0 ? { targetLowPriorityNodes: pool.targetLowPriorityNodes } : {}),
            resizeTimeout: pool.resizeTimeout ?? "PT15M",
        },
    };
}
