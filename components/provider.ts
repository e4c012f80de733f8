// The component as a Pulumi package's provider: the engine calls `construct`
// for a `batch-cert-rotation:index:CertRotationPool` declared in any language
// (YAML, Python, Go, .NET through their generated SDKs), and this runs the
// same code as the TypeScript front door: `new CertRotationPool(...)`, whose
// validation refuses bad input before any resource is registered. The schema
// it serves is written from the configuration's definition (packageSchema.ts).

import * as pulumi from "@pulumi/pulumi";
import { main, type ConstructResult, type Provider } from "@pulumi/pulumi/provider";
import { COMPONENT_TYPE } from "./azureFacts";
import { CertRotationPool, type CertRotationPoolArgs, type Deployer } from "./certRotationPool";
import { configSchema } from "./config/schema";
import type { StackConfigInput } from "./inputs";
import { PACKAGE_NAME, packageSchema, STACK_ONLY_KEYS } from "./packageSchema";
import { ValidationError } from "./validation";

/** The configuration's keys the component takes as its arguments (the Batch account is passed differently). */
const CONFIG_ARGS = Object.keys(configSchema.shape ?? {}).filter((k) => !STACK_ONLY_KEYS.includes(k));

/**
 * Configuration decides which resources exist and what they are called, so
 * it must be known when the component runs (in TypeScript its types are
 * plain, never Inputs). A value that is the output of another resource is
 * refused in one line, as validation refuses a wrong one.
 */
function plainConfig(inputs: pulumi.Inputs): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    for (const key of CONFIG_ARGS) {
        const value: unknown = inputs[key];
        if (pulumi.Output.isInstance(value) || pulumi.isUnknown(value)) {
            throw new ValidationError([`${key}: must be a plain value known when the program runs, not the output of another ` +
                "resource (it decides which resources exist and what they are named)"]);
        }
        if (value !== undefined) config[key] = value;
    }
    return config;
}

/** The component's own required arguments; SDKs and YAML require them too, but a request may come from anywhere. */
const OWN_REQUIRED: Readonly<Record<string, string>> = {
    location: "the Azure region of the identity and the vault",
    resourceGroupName: "the resource group that receives the identity and the vault",
    batchAccount: "the Batch account's name and resourceGroupName",
};

/** The component's arguments from a construct request: configuration plain, the rest as Inputs. */
export function argsFromInputs(inputs: pulumi.Inputs): CertRotationPoolArgs {
    const missing = Object.entries(OWN_REQUIRED).filter(([key]) => inputs[key] === undefined || inputs[key] === null);
    if (missing.length > 0) throw new ValidationError(missing.map(([key, what]) => `${key}: is required (${what})`));
    const account = pulumi.output(inputs.batchAccount as pulumi.Input<{ name: string; resourceGroupName: string }>);
    const deployer = inputs.deployer === undefined ? undefined
        : pulumi.output(inputs.deployer as pulumi.Input<Deployer>);
    return {
        ...(plainConfig(inputs) as Omit<StackConfigInput, "batchAccount" | "createdBatchAccount">),
        location: inputs.location as pulumi.Input<string>,
        resourceGroupName: inputs.resourceGroupName as pulumi.Input<string>,
        batchAccount: { name: account.apply((a) => a.name), resourceGroupName: account.apply((a) => a.resourceGroupName) },
        ...(deployer === undefined ? {} : {
            deployer: {
                objectId: deployer.apply((d) => d.objectId),
                tenantId: deployer.apply((d) => d.tenantId),
                principalType: deployer.apply((d) => d.principalType),
            },
        }),
    };
}

export class CertRotationPoolProvider implements Provider {
    constructor(readonly version: string) {}

    async getSchema(): Promise<string> {
        return JSON.stringify(packageSchema(this.version));
    }

    async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<ConstructResult> {
        if (type !== COMPONENT_TYPE) throw new Error(`${PACKAGE_NAME}: unknown resource type ${type}`);
        const pool = new CertRotationPool(name, argsFromInputs(inputs), options);
        return {
            urn: pool.urn,
            state: {
                identityId: pool.identityId,
                identityClientId: pool.identityClientId,
                identityPrincipalId: pool.identityPrincipalId,
                vaultId: pool.vaultId,
                vaultName: pool.vaultName,
                vaultUri: pool.vaultUri,
                certificates: pool.certificates,
                poolName: pool.poolName,
                poolId: pool.poolId,
                osFamily: pool.osFamily,
                keyVaultExtension: pool.keyVaultExtension,
                pools: pool.pools,
            },
        };
    }
}

/** Serves the provider on the port the engine reads from stdout; `args` are the plugin's command-line arguments. */
export function serve(version: string, args: string[]): Promise<void> {
    return main(new CertRotationPoolProvider(version), args);
}
