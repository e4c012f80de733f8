// A pool's settings that Batch changes while nodes run (scale, metadata, start
// task), kept up to date with Batch's own PATCH (poolSettingsProvider.ts).
// The azure-native pool sets them at create and ignores them afterwards: its
// update is a PUT of the whole body, which Batch refuses on a pool with nodes.
import * as pulumi from "@pulumi/pulumi";
import { CERTIFICATE_MODULE, POOL_SETTINGS_RESOURCE } from "./azureFacts";
import { makePoolSettingsProvider, type UpdatableSettings } from "./poolSettingsProvider";

export interface BatchPoolSettingsArgs {
    /** The pool's ARM ID. */
    poolId: pulumi.Input<string>;
    /** Resource Manager of the pool's cloud. */
    armEndpoint: pulumi.Input<string>;
    settings: UpdatableSettings;
}

// One provider object for all instances: its closure is what Pulumi serializes.
const provider = makePoolSettingsProvider();

/** Type token: `pulumi-nodejs:dynamic/batch-cert-rotation:BatchPoolSettings`. */
export class BatchPoolSettings extends pulumi.dynamic.Resource {
    public readonly poolId!: pulumi.Output<string>;
    public readonly settings!: pulumi.Output<UpdatableSettings>;

    constructor(name: string, args: BatchPoolSettingsArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { poolId: args.poolId, armEndpoint: args.armEndpoint, settings: args.settings }, opts, CERTIFICATE_MODULE, POOL_SETTINGS_RESOURCE);
    }
}
