// `npm run verify` reports each certificate's expiry and next renewal date
// (issue 19, item 6): read with the one call it already makes (certificate
// get, which returns the policy too), computed from the policy's AutoRenew
// trigger, and a renewal date a day past with no newer version is a finding.
// The pure rules first, then the command as a user runs it against the
// loopback Key Vault endpoint (shaped by Azure's recorded answers).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KEY_VAULT_API_VERSION } from "../components/certificatePolicy";
import { makeCertificateProvider, type CertificateOutputs } from "../components/certificateProvider";
import { actionSchedule, scheduleOf, type CurrentCertificate } from "../verify/keyvault";
import { certificateWarnings, RENEWAL_GRACE_MS } from "../verify/verdict";
import { renderTable } from "../verify/render";
import { judgePool } from "../verify/verdict";
import { ExitCode } from "../verify/errors";
import { TEST_ENV } from "../verify/main";
import { loopbackClientFactory } from "./keyvault/loopbackClient";
import { sampleOutputs, startFakeAzure, TEST_TOKEN, type FakeAzure } from "./fixtures/batch-data-plane/fakeAzure";
import { certificateSpec } from "./fixtures/certificates";
import { startKeyVaultEndpoint, type KeyVaultEndpoint } from "./keyvault/endpoint";
import { checkAnswers } from "./keyvault/recorded";
import { spawnVerify } from "./support/verifyCommand";

const NBF = new Date("2026-01-01T00:00:00.000Z");
const EXP = new Date("2027-01-01T00:00:00.000Z"); // 365 days later

describe("the renewal date of a version", () => {
    it("daysBeforeExpiry counts back from the expiry; lifetimePercentage is that share of notBefore..expiry", () => {
        assert.deepEqual(scheduleOf({ daysBeforeExpiry: 30 }, NBF, EXP), { trigger: { daysBeforeExpiry: 30 }, at: "2026-12-02T00:00:00.000Z" });
        assert.deepEqual(scheduleOf({ lifetimePercentage: 80 }, NBF, EXP), { trigger: { lifetimePercentage: 80 }, at: "2026-10-20T00:00:00.000Z" });
        assert.deepEqual(scheduleOf({ lifetimePercentage: 80 }, undefined, EXP), { trigger: { lifetimePercentage: 80 } }, "no start, no date");
        assert.deepEqual(scheduleOf({ daysBeforeExpiry: 30 }, NBF, undefined), { trigger: { daysBeforeExpiry: 30 } });
    });

    it("takes the AutoRenew and EmailContacts actions apart", () => {
        const actions = [{ action: "AutoRenew", lifetimePercentage: 80 }, { action: "EmailContacts", daysBeforeExpiry: 7 }];
        assert.equal(actionSchedule(actions, "AutoRenew", NBF, EXP)?.at, "2026-10-20T00:00:00.000Z");
        assert.equal(actionSchedule(actions, "EmailContacts", NBF, EXP)?.at, "2026-12-25T00:00:00.000Z");
        assert.equal(actionSchedule([{ action: "EmailContacts", lifetimePercentage: 90 }], "AutoRenew", NBF, EXP), undefined);
    });
});

describe("findings about renewal", () => {
    const cert = (fields: Partial<CurrentCertificate>): CurrentCertificate => ({
        name: "authcert", version: "v1", thumbprint: "A".repeat(40), expiresOn: EXP.toISOString(), notBefore: NBF.toISOString(),
        renewal: { trigger: { lifetimePercentage: 80 }, at: "2026-10-20T00:00:00.000Z" }, ...fields,
    });
    const due = Date.parse("2026-10-20T00:00:00.000Z");

    it("before the renewal date and within a day of it: nothing to report", () => {
        assert.deepEqual(certificateWarnings([cert({})], new Date(due - 1)), []);
        assert.deepEqual(certificateWarnings([cert({})], new Date(due + RENEWAL_GRACE_MS - 1)), []);
    });

    it("a day past the renewal date with the same version: overdue, naming the date, the trigger and where to look", () => {
        assert.deepEqual(certificateWarnings([cert({})], new Date(due + RENEWAL_GRACE_MS)), [
            'Key Vault certificate "authcert" version v1 was due for renewal on 2026-10-20T00:00:00.000Z (lifetimePercentage 80) and is still the current ' +
            "version a day later: the renewal failed or is stuck; check its pending operation (az keyvault certificate pending show --vault-name <vault> " +
            "--name authcert) and its issuer, and renew it by hand if need be",
        ]);
    });

    it("expired: the expiry finding alone, not the overdue one as well", () => {
        const warnings = certificateWarnings([cert({})], new Date(EXP.getTime() + 1));
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /expired on 2027-01-01T00:00:00\.000Z: renewal did not happen/);
    });

    it("a policy without AutoRenew is a finding; no policy read, none", () => {
        assert.deepEqual(certificateWarnings([cert({ renewal: null })], NBF), [
            'Key Vault certificate "authcert" has no AutoRenew lifetime action in its policy: Key Vault will not renew it ' +
            "(changed outside the stack? `pulumi up` restores the stack's policy)",
        ]);
        assert.deepEqual(certificateWarnings([cert({ renewal: undefined })], NBF), []);
    });

    it("the table shows expiry and next renewal on the certificate's line", () => {
        const result = judgePool("p", [], [cert({})], "KVExtensions", "KeyVaultForLinux", false, NBF);
        assert.ok(renderTable(result).split("\n").includes(
            `Key Vault authcert: current version v1, thumbprint ${"A".repeat(40)}, expires 2027-01-01T00:00:00.000Z, next renewal 2026-10-20T00:00:00.000Z (lifetimePercentage 80)`,
        ), renderTable(result));
    });
});

describe("npm run verify against the loopback Key Vault endpoint: expiry and next renewal from the vault", () => {
    const work = mkdtempSync(join(tmpdir(), "verify-schedule-"));
    const VAULT_HOST = "myvault.vault.azure.net";
    const VAULT_URI = `https://${VAULT_HOST}/`;
    const NAME = "selfSignedCert01";
    let endpoint: KeyVaultEndpoint;
    let fake: FakeAzure | undefined;
    before(async () => {
        endpoint = await startKeyVaultEndpoint({ token: TEST_TOKEN, defaultVaultHost: VAULT_HOST, pendingPolls: 0 });
    });
    after(async () => {
        await fake?.close();
        await endpoint.close();
    });

    it("reports each certificate's expiry, its AutoRenew date and its e-mail date, with no finding for a fresh version", async () => {
        const loopback = { endpoint: endpoint.url, token: TEST_TOKEN, caPem: endpoint.caPem, sdkRetry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 50 } };
        const provider = makeCertificateProvider(loopbackClientFactory(loopback), { pollIntervalMs: 20 });
        const spec = certificateSpec({ name: NAME, subject: "CN=batch.example.com", renewal: { daysBeforeExpiry: 30 }, emailWarning: { daysBeforeExpiry: 7 } });
        const outs = (await provider.create({ vaultUri: VAULT_URI, certificate: spec, purgeOnDelete: false })).outs as CertificateOutputs;
        endpoint.calls.splice(0);

        fake = await startFakeAzure({});
        const file = join(work, "outputs.json");
        writeFileSync(file, JSON.stringify(sampleOutputs({ certificates: { [NAME]: { certificateId: outs.certificateId, secretId: outs.secretId } } })));
        const caFile = join(work, "loopback-ca.pem");
        writeFileSync(caFile, endpoint.caPem);
        const env = { [TEST_ENV.batchUrl]: fake.url, [TEST_ENV.keyVaultUrl]: endpoint.url, [TEST_ENV.token]: TEST_TOKEN, NODE_EXTRA_CA_CERTS: caFile };

        const run = await spawnVerify(["--outputs", file, "--json"], env);
        assert.equal(run.code, ExitCode.Healthy, run.stderr);
        const doc = JSON.parse(run.stdout) as { keyVault: CurrentCertificate[]; warnings: string[] };
        const [kv] = doc.keyVault;
        assert.equal(kv.expiresOn, outs.expiresOn);
        const expiry = Date.parse(outs.expiresOn);
        assert.deepEqual(kv.renewal, { trigger: { daysBeforeExpiry: 30 }, at: new Date(expiry - 30 * 86_400_000).toISOString() });
        assert.deepEqual(kv.emailWarning, { trigger: { daysBeforeExpiry: 7 }, at: new Date(expiry - 7 * 86_400_000).toISOString() });
        assert.ok(kv.notBefore !== undefined && Date.parse(kv.notBefore) < Date.now());
        assert.deepEqual(doc.warnings, []);

        const table = await spawnVerify(["--outputs", file], env);
        assert.match(table.stdout, new RegExp(`Key Vault ${NAME}: current version ${outs.version}, thumbprint ${outs.thumbprint}, expires ${outs.expiresOn.replace(/\./g, "\\.")}, ` +
            `next renewal ${new Date(expiry - 30 * 86_400_000).toISOString().replace(/\./g, "\\.")} \\(daysBeforeExpiry 30\\)`));

        // The same read-only call as before (certificate get): no policy or other call, the pinned api-version, answers as recorded.
        const authorized = endpoint.calls.filter((c) => c.authorized);
        assert.deepEqual([...new Set(authorized.map((c) => `${c.method} ${c.path} ${c.operationId ?? "?"}`))], [`GET /certificates/${NAME}/ GetCertificate`]);
        for (const call of endpoint.calls) assert.equal(call.query["api-version"], KEY_VAULT_API_VERSION);
        assert.deepEqual(checkAnswers(endpoint.calls), []);
        assert.deepEqual(endpoint.calls.flatMap((c) => c.specProblems), []);
    });
});
