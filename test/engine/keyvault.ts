// The loopback Key Vault endpoint for the engine suite, reached by the real
// certificate resource, running in Pulumi's dynamic-provider process, the way
// it reaches Azure: through HTTPS_PROXY, the test CA in NODE_EXTRA_CA_CERTS and
// DefaultAzureCredential's AZURE_TOKEN_CREDENTIALS with the stand-in `az` on
// PATH (test/support/loopbackNetwork.ts). Nothing in the shipped code knows.
import { type EndpointOptions, type KeyVaultEndpoint, startKeyVaultEndpoint } from "../keyvault/endpoint";
import { type LoopbackNetwork, startLoopbackNetwork } from "../support/loopbackNetwork";

export interface EngineKeyVault {
    endpoint: KeyVaultEndpoint;
    network: LoopbackNetwork;
    /** For openSession: everything but PATH (the harness puts the stand-in `az` on it). */
    env: Record<string, string>;
    close(): Promise<void>;
}

// The provider as shipped polls at Azure's pace (every 2 s): the recorded lags
// before an issuance completes or a delete shows would cost seconds per
// certificate here, and are exercised by the unit suites instead.
const ENGINE_ENDPOINT: EndpointOptions = { pendingPolls: 0, deletedLagPolls: 0, recoveredLagPolls: 0 };

export async function startEngineKeyVault(options: EndpointOptions = {}, network_: { routeVaults?: boolean } = {}): Promise<EngineKeyVault> {
    const endpoint = await startKeyVaultEndpoint({ ...ENGINE_ENDPOINT, ...options });
    const network = await startLoopbackNetwork(endpoint, network_);
    return {
        endpoint,
        network,
        env: network.env,
        close: async () => {
            await network.close();
            await endpoint.close();
        },
    };
}

/** The vault host a stack's certificates live under, from its vault URI output. */
export function vaultHostOf(vaultUri: string): string {
    return new URL(vaultUri).host;
}
