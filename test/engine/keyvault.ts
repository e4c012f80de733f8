// Points the real certificate resource, running in Pulumi's dynamic-provider
// process, at the loopback Key Vault endpoint: the test-only switch of
// components/certificateProvider.ts, reached through the environment only.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    TEST_KEYVAULT_CA_ENV,
    TEST_KEYVAULT_ENDPOINT_ENV,
    TEST_KEYVAULT_TOKEN_ENV,
    TEST_PROVIDER_OPTIONS_ENV,
} from "../../components/certificateProvider";
import type { KeyVaultEndpoint } from "../keyvault/endpoint";

export function keyVaultSwitch(endpoint: KeyVaultEndpoint): Record<string, string> {
    const ca = join(mkdtempSync(join(tmpdir(), "kv-ca-")), "ca.pem");
    writeFileSync(ca, endpoint.caPem);
    return {
        [TEST_KEYVAULT_ENDPOINT_ENV]: endpoint.url,
        [TEST_KEYVAULT_TOKEN_ENV]: endpoint.token,
        [TEST_KEYVAULT_CA_ENV]: ca,
        // Issuance on the endpoint takes a few polls; Azure's pace would make the suite crawl.
        [TEST_PROVIDER_OPTIONS_ENV]: JSON.stringify({ pollIntervalMs: 50 }),
    };
}

/** The vault host a stack's certificates live under, from its vault URI output. */
export function vaultHostOf(vaultUri: string): string {
    return new URL(vaultUri).host;
}
