// A dynamic provider that calls Resource Manager, as Pulumi ships it, against
// the loopback Resource Manager: its model of Azure in a fresh folder, the
// loopback Key Vault as the token's source, the proxy and CA any deployment
// would use. Shared by the pool settings and the account encryption tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { type KeyVaultEndpoint, startKeyVaultEndpoint } from "../keyvault/endpoint";
import { type ArmEndpoint, startArmEndpoint } from "./armEndpoint";
import { type LoopbackNetwork, startLoopbackNetwork } from "./loopbackNetwork";
import { type ShippedProvider, startShippedProvider } from "./shippedProvider";

export interface ShippedArmProvider<I extends object, O extends object> {
    /** The model file of Azure the loopback Resource Manager answers from. */
    model: string;
    arm: ArmEndpoint;
    provider: ShippedProvider<I, O>;
    close(): Promise<void>;
}

export async function startShippedArmProvider<I extends object, O extends object>(
    made: pulumi.dynamic.ResourceProvider<I, O>, folderPrefix: string,
): Promise<ShippedArmProvider<I, O>> {
    const dir = mkdtempSync(join(tmpdir(), folderPrefix));
    const model = join(dir, "azure-model.json");
    let keyVault: KeyVaultEndpoint | undefined;
    let arm: ArmEndpoint | undefined;
    let network: LoopbackNetwork | undefined;
    let provider: ShippedProvider<I, O> | undefined;
    const close = async (): Promise<void> => {
        await provider?.close();
        await network?.close();
        await arm?.close();
        await keyVault?.close();
        rmSync(dir, { recursive: true, force: true });
    };
    try {
        keyVault = await startKeyVaultEndpoint();
        arm = await startArmEndpoint(model, keyVault.token);
        network = await startLoopbackNetwork(keyVault, { arm });
        provider = await startShippedProvider(made, { ...network.env, PATH: network.pathWith(process.env.PATH ?? "") });
        return { model, arm, provider, close };
    } catch (err) {
        await close();
        throw err;
    }
}
