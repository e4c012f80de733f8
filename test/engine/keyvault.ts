// The Azure the engine suite's program reaches itself, not through azure-native:
// the loopback Key Vault endpoint (the certificate resource) and the loopback
// Resource Manager (Batch's PATCH of a pool's updatable settings), reached by
// the real dynamic resources, running in Pulumi's dynamic-provider process,
// the way they reach Azure: through HTTPS_PROXY, the test CAs in
// NODE_EXTRA_CA_CERTS and DefaultAzureCredential's AZURE_TOKEN_CREDENTIALS with
// the stand-in `az` on PATH (test/support/loopbackNetwork.ts). Resource Manager
// serves the same model of Azure as the azure-native stand-in
// (STANDIN_AZURE_MODEL). Nothing in the shipped code knows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EndpointOptions, type KeyVaultEndpoint, startKeyVaultEndpoint } from "../keyvault/endpoint";
import { type ArmEndpoint, startArmEndpoint } from "../support/armEndpoint";
import { type LoopbackNetwork, startLoopbackNetwork } from "../support/loopbackNetwork";

export interface EngineAzure {
    endpoint: KeyVaultEndpoint;
    arm: ArmEndpoint;
    network: LoopbackNetwork;
    /** For openSession: everything but PATH (the harness puts the stand-in `az` on it), the model's file included. */
    env: Record<string, string>;
    close(): Promise<void>;
}

// The provider as shipped polls at Azure's pace (every 2 s): the recorded lags
// before an issuance completes or a delete shows would cost seconds per
// certificate here, and are exercised by the unit suites instead.
const ENGINE_ENDPOINT: EndpointOptions = { pendingPolls: 0, deletedLagPolls: 0, recoveredLagPolls: 0 };

export async function startEngineAzure(options: EndpointOptions = {}, network_: { routeVaults?: boolean } = {}): Promise<EngineAzure> {
    const endpoint = await startKeyVaultEndpoint({ ...ENGINE_ENDPOINT, ...options });
    const dir = mkdtempSync(join(tmpdir(), "engine-azure-"));
    const model = join(dir, "azure-model.json");
    const arm = await startArmEndpoint(model, endpoint.token);
    const network = await startLoopbackNetwork(endpoint, { ...network_, arm });
    return {
        endpoint,
        arm,
        network,
        env: { ...network.env, STANDIN_AZURE_MODEL: model },
        close: async () => {
            await network.close();
            await arm.close();
            await endpoint.close();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** The vault host a stack's certificates live under, from its vault URI output. */
export function vaultHostOf(vaultUri: string): string {
    return new URL(vaultUri).host;
}
