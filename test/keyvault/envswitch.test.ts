// The test-only switch the engine suite uses: with the three environment
// variables set, the provider's default factory (what the real resource runs
// in Pulumi's dynamic-provider process) talks to the loopback endpoint with a
// fixed token; unset, it is the Azure client as before.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    TEST_KEYVAULT_CA_ENV,
    TEST_KEYVAULT_ENDPOINT_ENV,
    TEST_KEYVAULT_TOKEN_ENV,
    TEST_PROVIDER_OPTIONS_ENV,
    loopbackClientOptions,
    loopbackKeyVaultFromEnv,
    makeCertificateProvider,
} from "../../components/certificateProvider";
import { certificateSpec } from "../fixtures/certificates";
import { startKeyVaultEndpoint, type KeyVaultEndpoint } from "./endpoint";

const NAMES = [TEST_KEYVAULT_ENDPOINT_ENV, TEST_KEYVAULT_TOKEN_ENV, TEST_KEYVAULT_CA_ENV, TEST_PROVIDER_OPTIONS_ENV];

describe("the test-only Key Vault switch (environment variables)", () => {
    let endpoint: KeyVaultEndpoint;
    let dir: string;
    const saved = new Map(NAMES.map((n) => [n, process.env[n]]));
    before(async () => {
        endpoint = await startKeyVaultEndpoint();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kv-switch-"));
        fs.writeFileSync(path.join(dir, "ca.pem"), endpoint.caPem);
    });
    after(async () => {
        for (const [n, v] of saved) {
            if (v === undefined) delete process.env[n];
            else process.env[n] = v;
        }
        fs.rmSync(dir, { recursive: true, force: true });
        await endpoint.close();
    });

    it("exports the variable names the engine suite sets", () => {
        assert.deepEqual(NAMES, [
            "BATCH_CERT_ROTATION_TEST_KEYVAULT_ENDPOINT",
            "BATCH_CERT_ROTATION_TEST_KEYVAULT_TOKEN",
            "BATCH_CERT_ROTATION_TEST_KEYVAULT_CA",
            "BATCH_CERT_ROTATION_TEST_PROVIDER_OPTIONS",
        ]);
    });

    it("is off unless set; half set is an error naming all three; only a loopback https address is accepted", () => {
        assert.equal(loopbackKeyVaultFromEnv({}), undefined);
        assert.throws(() => loopbackKeyVaultFromEnv({ [TEST_KEYVAULT_ENDPOINT_ENV]: endpoint.url }), new RegExp(`${TEST_KEYVAULT_TOKEN_ENV} and ${TEST_KEYVAULT_CA_ENV}`));
        for (const bad of ["https://kv1.vault.azure.net", "http://127.0.0.1:1", "https://10.0.0.1:443"]) {
            assert.throws(() => loopbackClientOptions({ endpoint: bad, token: "t", caPem: endpoint.caPem }), /must be https:\/\/ on a loopback address/);
        }
    });

    it("set: the default factory's client reaches the endpoint with the fixed token, keeps the vault's URL, and the short waits apply", async () => {
        process.env[TEST_KEYVAULT_ENDPOINT_ENV] = endpoint.url;
        process.env[TEST_KEYVAULT_TOKEN_ENV] = endpoint.token;
        process.env[TEST_KEYVAULT_CA_ENV] = path.join(dir, "ca.pem");
        process.env[TEST_PROVIDER_OPTIONS_ENV] = JSON.stringify({ createTimeoutMs: 800, pollIntervalMs: 10, retry: { maxAttempts: 2, initialDelayMs: 10 } });
        const provider = makeCertificateProvider();
        const inputs = { vaultUri: "https://kvswitch.vault.azure.net/", certificate: certificateSpec({ name: "switched" }), purgeOnDelete: false };
        const result = await provider.create(inputs);
        assert.equal(result.outs?.secretId, "https://kvswitch.vault.azure.net/secrets/switched");
        assert.ok(endpoint.calls.length > 0 && endpoint.calls.every((c) => c.vaultHost === "kvswitch.vault.azure.net"));
        assert.ok(endpoint.calls.filter((c) => c.authorized).length > 0);

        endpoint.faults.neverComplete("slow");
        const started = Date.now();
        await assert.rejects(provider.create({ ...inputs, certificate: certificateSpec({ name: "slow" }) }), /issuance still in progress after 1 s/);
        assert.ok(Date.now() - started < 5_000, "the environment's short bounds were used");
    });
});
