// TEST ONLY: the environment that lets a process reach the loopback Key Vault
// endpoint the way any deployment reaches a vault, with nothing in the shipped
// code that knows about tests:
// - HTTPS_PROXY: the loopback proxy tunnels *.vault.azure.net to the endpoint
//   (NO_PROXY keeps the engine's own loopback gRPC traffic direct);
// - NODE_EXTRA_CA_CERTS: the test CA that signed the endpoint's certificate,
//   as a TLS-inspecting proxy's CA would be trusted;
// - AZURE_TOKEN_CREDENTIALS=AzureCliCredential: DefaultAzureCredential's own
//   switch, with the stand-in `az` first on PATH answering the endpoint's token
//   (so nothing probes the instance metadata address or a sign-in host).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyVaultEndpoint } from "../keyvault/endpoint";
import type { ArmEndpoint } from "./armEndpoint";
import { type LoopbackProxy, startLoopbackProxy } from "./loopbackProxy";

export const STAND_IN_AZ_DIR = join(__dirname, "az");

/** Every public-cloud vault host to the endpoint. */
export function routeVaultsTo(proxy: LoopbackProxy, endpoint: KeyVaultEndpoint): void {
    proxy.routePattern(VAULT_HOST_PATTERN, Number(new URL(endpoint.url).port));
}

export interface LoopbackNetwork {
    /** Variables for the process that runs the provider (merge PATH with care: see `pathWith`). */
    env: Record<string, string>;
    proxy: LoopbackProxy;
    /** `path` with the stand-in `az` in front. */
    pathWith(path: string): string;
    close(): Promise<void>;
}

/** The public cloud's vault hosts, which the endpoint's certificate covers. */
export const VAULT_HOST_PATTERN = /^[a-z0-9-]+\.vault\.azure\.net$/i;

/**
 * `routeVaults: false` starts with no vault reachable: every vault host is answered as a name that doesn't resolve.
 * `arm`: the loopback Resource Manager, reached as management.azure.com.
 */
export async function startLoopbackNetwork(endpoint: KeyVaultEndpoint, { routeVaults = true, arm }: { routeVaults?: boolean; arm?: ArmEndpoint } = {}): Promise<LoopbackNetwork> {
    const proxy = await startLoopbackProxy();
    if (routeVaults) routeVaultsTo(proxy, endpoint);
    if (arm) proxy.route("management.azure.com", Number(new URL(arm.url).port));
    const dir = mkdtempSync(join(tmpdir(), "loopback-net-"));
    const caFile = join(dir, "test-ca.pem");
    writeFileSync(caFile, [endpoint.caPem, arm?.caPem ?? ""].join("\n"));
    return {
        env: {
            HTTPS_PROXY: proxy.url,
            NO_PROXY: "127.0.0.1,localhost,::1",
            NODE_EXTRA_CA_CERTS: caFile,
            AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
            LOOPBACK_AZ_TOKEN: endpoint.token,
        },
        proxy,
        pathWith: (path) => [STAND_IN_AZ_DIR, path].filter((p) => p !== "").join(":"),
        close: async () => {
            await proxy.close();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
