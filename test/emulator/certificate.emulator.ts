// The certificate provider against Lowkey Vault through the real SDK over HTTPS.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import type { CertificateClientLike, CertificateInputs, CertificateOutputs } from "../../components/certificateProvider";
import {
    SECRET_MARKERS,
    certificateClient,
    emulatorProvider,
    secretClient,
    selfSignedSpec,
    uniqueName,
    vaultUrl,
} from "./support";

const PKCS8_SHROUDED_KEY_BAG = Buffer.from("060b2a864886f70d010c0a0102", "hex"); // OID 1.2.840.113549.1.12.10.1.2
const KEY_BAG = Buffer.from("060b2a864886f70d010c0a0101", "hex"); // OID 1.2.840.113549.1.12.10.1.1

async function create(inputs: CertificateInputs): Promise<{ id: string; outs: CertificateOutputs }> {
    const result = await emulatorProvider().create(inputs);
    assert.ok(result.outs, "create returned outputs");
    return { id: result.id, outs: result.outs };
}

function assertNothingSecret(value: unknown, what: string): void {
    const text = JSON.stringify(value);
    for (const marker of SECRET_MARKERS) {
        assert.doesNotMatch(text, marker, `${what} contains key material`);
    }
}

for (const contentType of ["application/x-pkcs12", "application/x-pem-file"] as const) {
    void test(`create (${contentType}): outputs match the vault, and the versionless secret URL serves the certificate with its private key`, async () => {
        const name = uniqueName(contentType.endsWith("pkcs12") ? "pfx" : "pem");
        const inputs: CertificateInputs = { vaultUri: vaultUrl(), certificate: selfSignedSpec(name, { contentType }), purgeOnDelete: true };
        const { id, outs } = await create(inputs);

        const cert = await certificateClient().getCertificate(name);
        assert.equal(id, `${vaultUrl()}/certificates/${name}`);
        assert.equal(outs.certificateId, `${vaultUrl()}/certificates/${name}`);
        assert.equal(outs.secretId, `${vaultUrl()}/secrets/${name}`);
        assert.equal(outs.version, cert.properties.version);
        assert.equal(outs.thumbprint, Buffer.from(cert.properties.x509Thumbprint ?? []).toString("hex").toUpperCase());
        assert.equal(outs.expiresOn, cert.properties.expiresOn?.toISOString());
        assert.deepEqual(cert.policy?.lifetimeActions, [{ daysBeforeExpiry: 30, action: "AutoRenew" }]);
        assert.equal(cert.policy?.exportable, true);

        // What the Key Vault VM extension does: GET the versionless secret URL.
        const secret = await secretClient().getSecret(name);
        assert.equal(secret.properties.contentType, contentType);
        assert.equal(secret.properties.version, outs.version, "versionless secret URL serves the current version");
        const value = secret.value ?? "";
        if (contentType === "application/x-pkcs12") {
            const pfx = Buffer.from(value, "base64");
            assert.equal(pfx[0], 0x30, "base64 of a DER PFX (ASN.1 SEQUENCE)");
            assert.ok(pfx.includes(PKCS8_SHROUDED_KEY_BAG) || pfx.includes(KEY_BAG), "the PFX carries a private key bag");
        } else {
            assert.match(value, /-----BEGIN (RSA )?PRIVATE KEY-----/);
            const pem = value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
            assert.ok(pem, "PEM carries the certificate");
            const x509 = new crypto.X509Certificate(pem);
            assert.equal(x509.fingerprint.replace(/:/g, ""), outs.thumbprint, "the secret is the certificate the outputs describe");
        }

        assertNothingSecret(outs, "outputs");
        assertNothingSecret(inputs, "inputs");
        await emulatorProvider().delete!(id, outs);
    });
}

void test("policy or tag change: diff says update (not replace) and update issues no new version", async () => {
    const name = uniqueName("upd");
    const inputs: CertificateInputs = { vaultUri: vaultUrl(), certificate: selfSignedSpec(name), purgeOnDelete: true };
    const provider = emulatorProvider();
    const { id, outs } = await create(inputs);
    assert.deepEqual(await provider.diff!(id, outs, inputs), { changes: false, replaces: [] }, "a redeploy changes nothing");

    const news: CertificateInputs = { ...inputs, certificate: { ...inputs.certificate, renewal: { lifetimePercentage: 80 }, tags: { suite: "emulator", owner: "batch" } } };
    assert.deepEqual(await provider.diff!(id, outs, news), { changes: true, replaces: [] });
    const updated = await provider.update!(id, outs, news);

    const client = certificateClient();
    const versions: string[] = [];
    for await (const v of client.listPropertiesOfCertificateVersions(name)) {
        versions.push(v.version ?? "");
    }
    assert.equal(versions.length, 1, "no new version");
    assert.equal(updated.outs?.version, outs.version);
    const cert = await client.getCertificate(name);
    assert.deepEqual(cert.policy?.lifetimeActions, [{ lifetimePercentage: 80, action: "AutoRenew" }]);
    assert.deepEqual(cert.properties.tags, { suite: "emulator", owner: "batch" });
    assert.deepEqual(await provider.diff!(id, updated.outs!, { ...news, vaultUri: `${vaultUrl()}/` }), { changes: false, replaces: [] }, "a trailing slash is the same vault");
    await provider.delete!(id, updated.outs!);
});

void test("read after the certificate is deleted out of band reports it gone", async () => {
    const name = uniqueName("gone");
    const { id, outs } = await create({ vaultUri: vaultUrl(), certificate: selfSignedSpec(name), purgeOnDelete: true });
    const poller = await certificateClient().beginDeleteCertificate(name);
    await poller.pollUntilDone();
    const read = await emulatorProvider().read!(id, outs);
    assert.equal(read.id, "");
    await certificateClient().purgeDeletedCertificate(name);
});

void test("delete is a soft delete; creating again under the soft-deleted name recovers it and issues a new version", async () => {
    const name = uniqueName("soft");
    const inputs: CertificateInputs = { vaultUri: vaultUrl(), certificate: selfSignedSpec(name), purgeOnDelete: false };
    const provider = emulatorProvider();
    const first = await create(inputs);
    await provider.delete!(first.id, first.outs);

    const client = certificateClient();
    const deleted: string[] = [];
    for await (const d of client.listDeletedCertificates()) {
        deleted.push(d.name ?? "");
    }
    assert.ok(deleted.includes(name), "listed among deleted certificates (recoverable)");

    const again = await create(inputs);
    assert.equal(again.outs.secretId, first.outs.secretId);
    assert.notEqual(again.outs.version, first.outs.version, "recovered, then reissued with the stack's policy");
    const versions: string[] = [];
    for await (const v of client.listPropertiesOfCertificateVersions(name)) {
        versions.push(v.version ?? "");
    }
    assert.ok(versions.includes(first.outs.version), "the recovered history is kept");
    await provider.delete!(again.id, { ...again.outs, purgeOnDelete: true });
});

void test("bad answers end in clear errors within the bounds: 404 on update, 403 that never clears, a create that never completes", async () => {
    const name = uniqueName("bad");
    const inputs: CertificateInputs = { vaultUri: vaultUrl(), certificate: selfSignedSpec(name), purgeOnDelete: true };
    const { id, outs } = await create(inputs);
    await certificateClient().beginDeleteCertificate(name).then((p) => p.pollUntilDone());
    await certificateClient().purgeDeletedCertificate(name);

    const started = Date.now();
    await assert.rejects(
        emulatorProvider().update!(id, outs, { ...inputs, certificate: { ...inputs.certificate, validityInMonths: 6 } }),
        /Key Vault answered 404, the certificate no longer exists .*pulumi refresh/,
    );

    // The emulator always grants access, so a 403 is injected in the test's own client.
    const forbidden = (client: CertificateClientLike): CertificateClientLike => ({
        ...bind(client),
        beginCreateCertificate: async () => {
            throw Object.assign(new Error("Forbidden: caller lacks certificates/create"), { statusCode: 403 });
        },
    });
    await assert.rejects(emulatorProvider(forbidden).create({ ...inputs, certificate: selfSignedSpec(uniqueName("rbac")) }), /HTTP 403 after 3 attempt.*Key Vault Certificates Officer/);

    // An issuance that stays inProgress (as a CA request would): the real create, then a poller that never finishes.
    const neverDone = (client: CertificateClientLike): CertificateClientLike => ({
        ...bind(client),
        beginCreateCertificate: async (...args: Parameters<CertificateClientLike["beginCreateCertificate"]>) => {
            const real = await client.beginCreateCertificate(...args);
            return Object.assign(Object.create(real) as typeof real, { isDone: () => false, poll: async () => undefined });
        },
    });
    const pendingName = uniqueName("pending");
    await assert.rejects(
        emulatorProvider(neverDone).create({ ...inputs, certificate: selfSignedSpec(pendingName, { issuer: "Self" }) }),
        /issuance still in progress after 5 s \(issuer: Self\)/,
    );
    assert.ok(Date.now() - started < 60_000, "all three failures ended within the bounds");
    await certificateClient().beginDeleteCertificate(pendingName).then((p) => p.pollUntilDone());
    await certificateClient().purgeDeletedCertificate(pendingName);
});

function bind(client: CertificateClientLike): CertificateClientLike {
    return {
        beginCreateCertificate: client.beginCreateCertificate.bind(client),
        getCertificate: client.getCertificate.bind(client),
        getCertificateOperation: client.getCertificateOperation.bind(client),
        getDeletedCertificate: client.getDeletedCertificate.bind(client),
        beginRecoverDeletedCertificate: client.beginRecoverDeletedCertificate.bind(client),
        updateCertificatePolicy: client.updateCertificatePolicy.bind(client),
        updateCertificateProperties: client.updateCertificateProperties.bind(client),
        beginDeleteCertificate: client.beginDeleteCertificate.bind(client),
        purgeDeletedCertificate: client.purgeDeletedCertificate.bind(client),
    };
}
