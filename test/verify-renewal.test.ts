// Issue 9, behaviour 2, last clause: after a renewal, `npm run verify` reports
// a node that still holds the old thumbprint as `stale`. The renewal is
// SIMULATED (the loopback Key Vault endpoint's `renew`, as AutoRenew would
// issue a new version; Azure's own renewal can't be recorded). Batch is the
// verify tests' fake (official example bodies); Key Vault is the loopback
// endpoint shaped by Azure's recorded answers. The command is spawned as a
// user runs it, with its test-only transport (verify/testOverrides.ts)
// carrying its Key Vault requests to the endpoint.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KEY_VAULT_API_VERSION } from "../components/certificatePolicy";
import { makeCertificateProvider, type CertificateOutputs } from "../components/certificateProvider";
import { loopbackClientFactory, type LoopbackKeyVault } from "./keyvault/loopbackClient";
import { sampleOutputs, startFakeAzure, TEST_TOKEN, type FakeAzure } from "./fixtures/batch-data-plane/fakeAzure";
import { certificateSpec } from "./fixtures/certificates";
import { startKeyVaultEndpoint, type KeyVaultEndpoint } from "./keyvault/endpoint";
import { checkAnswers } from "./keyvault/recorded";
import { spawnVerify } from "./support/verifyCommand";
import { ExitCode } from "../verify/errors";
import { TEST_ENV } from "../verify/main";

const work = mkdtempSync(join(tmpdir(), "verify-renewal-"));
/** The vault and certificate sampleOutputs() names. */
const VAULT_HOST = "myvault.vault.azure.net";
const VAULT_URI = `https://${VAULT_HOST}/`;
const NAME = "selfSignedCert01";

/** `AABB...` -> `AA:BB:...`, as `openssl x509 -fingerprint` prints it on the node. */
function colons(thumbprint: string): string {
    return (thumbprint.match(/../g) ?? []).join(":");
}

describe("verify after a (simulated) renewal on the loopback Key Vault endpoint", () => {
    let endpoint: KeyVaultEndpoint;
    let loopback: LoopbackKeyVault;
    let fake: FakeAzure | undefined;
    before(async () => {
        // Verify's transport sends no vault-host header: its requests address the outputs' vault.
        endpoint = await startKeyVaultEndpoint({ token: TEST_TOKEN, defaultVaultHost: VAULT_HOST, pendingPolls: 0 });
        loopback = { endpoint: endpoint.url, token: TEST_TOKEN, caPem: endpoint.caPem, sdkRetry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 50 } };
    });
    after(async () => {
        await fake?.close();
        await endpoint.close();
    });

    it("a node holding the pre-renewal thumbprint is stale; nodes with the new one are healthy", async () => {
        const provider = makeCertificateProvider(loopbackClientFactory(loopback), { pollIntervalMs: 20 });
        const created = await provider.create({ vaultUri: VAULT_URI, certificate: certificateSpec({ name: NAME, subject: "CN=batch.example.com" }), purgeOnDelete: false });
        const outs = created.outs as CertificateOutputs;
        const renewed = await endpoint.renew(NAME, VAULT_HOST);
        assert.notEqual(renewed.thumbprint, outs.thumbprint);
        endpoint.calls.splice(0);

        // Node 1 has not polled since the renewal; nodes 0 and 2 have.
        fake = await startFakeAzure({
            task: (i, names) => ({
                stdout: names.map((n) => `CERT ${n} sha1 Fingerprint=${colons(i === 1 ? outs.thumbprint : renewed.thumbprint)}`).join("\n") + "\n",
                exitCode: 0,
            }),
        });
        const file = join(work, "outputs.json");
        writeFileSync(file, JSON.stringify(sampleOutputs({ certificates: { [NAME]: { certificateId: outs.certificateId, secretId: outs.secretId } } })));
        const caFile = join(work, "loopback-ca.pem");
        writeFileSync(caFile, endpoint.caPem);

        const run = await spawnVerify(["--outputs", file, "--check-files", "--json"], {
            [TEST_ENV.batchUrl]: fake.url,
            [TEST_ENV.keyVaultUrl]: endpoint.url,
            [TEST_ENV.token]: TEST_TOKEN,
            // The endpoint's per-run CA, trusted by this child process only.
            NODE_EXTRA_CA_CERTS: caFile,
        });
        assert.equal(run.code, ExitCode.NodesFailed, run.stderr);
        const doc = JSON.parse(run.stdout) as {
            counts: Record<string, number>;
            nodes: { nodeId: string; verdict: string; reason: string; certificates: { name: string; keyVaultVersion: string; keyVaultThumbprint: string; nodeThumbprints: string[]; matchesCurrent: boolean }[] }[];
        };
        assert.deepEqual(doc.counts, { healthy: 2, pending: 0, stale: 1, failed: 0 });
        assert.deepEqual(
            doc.nodes.map((n) => n.verdict),
            ["healthy", "stale", "healthy"],
        );
        const stale = doc.nodes[1];
        assert.deepEqual(stale.certificates.map((c) => [c.name, c.keyVaultVersion, c.keyVaultThumbprint, c.nodeThumbprints, c.matchesCurrent]), [
            [NAME, renewed.version, renewed.thumbprint, [outs.thumbprint], false],
        ]);
        assert.ok(stale.reason.includes(`${NAME} holds ${outs.thumbprint} but Key Vault's current version ${renewed.version} is ${renewed.thumbprint}`), stale.reason);

        // Verify read the vault as the provider writes it: the pinned api-version, answers shaped as recorded, requests per the spec.
        const reads = endpoint.calls.filter((c) => c.authorized);
        assert.ok(reads.some((c) => c.method === "GET" && c.path === `/certificates/${NAME}/` && c.status === 200), JSON.stringify(endpoint.calls.map((c) => [c.method, c.path, c.status])));
        for (const call of endpoint.calls) {
            assert.equal(call.query["api-version"], KEY_VAULT_API_VERSION);
            assert.equal(call.vaultHost, VAULT_HOST);
        }
        assert.deepEqual(checkAnswers(endpoint.calls), []);
        assert.deepEqual(endpoint.calls.flatMap((c) => c.specProblems), []);
    });
});
