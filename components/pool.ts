// The pool's body, as pure functions of resolved values, so the shape Azure
// receives is tested without Pulumi. Field order follows the how-to's request.

import type { ImageReference, PoolSpec, VmExtension } from "./types";

/**
 * What Azure can't change on an existing pool (400 PropertyCannotBeUpdated on
 * deploymentConfiguration), plus the identity, which only reaches nodes created
 * after the pool shrinks to zero: a change to any of them means a new pool.
 */
export const POOL_REPLACE_ON_CHANGES = ["vmSize", "deploymentConfiguration", "identity"] as const;

export interface DeploymentConfiguration {
    virtualMachineConfiguration: {
        imageReference: ImageReference;
        nodeAgentSkuId: string;
        extensions: VmExtension[];
    };
}

export function buildDeploymentConfiguration(pool: PoolSpec, extension: VmExtension): DeploymentConfiguration {
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

export function buildScaleSettings(pool: PoolSpec): FixedScale {
    return {
        fixedScale: {
            targetDedicatedNodes: pool.targetDedicatedNodes,
            // Left out at its default so the body stays the how-to's.
            ...(pool.targetLowPriorityNodes > 0 ? { targetLowPriorityNodes: pool.targetLowPriorityNodes } : {}),
            resizeTimeout: pool.resizeTimeout,
        },
    };
}
