// The seven behaviours of the certificate resource, through the provider's
// own functions and the real SDK client over HTTPS to the loopback Key Vault
// endpoint (answers shaped by Azure's recordings). Renewal here is SIMULATED:
// the endpoint issues a new version under the same name, as AutoRenew would;
// Azure's own renewal can't be recorded or reproduced.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import forge from "node-forge";
import * as pulumi from "@pulumi/pulumi";
import { makeCertificateProvider, type CertificateOutputs } from "../../components/certificateProvider";
import { loopbackCertificateClient, loopbackClientFactory } from "./loopbackClient";
import { assertWire, PROVIDER_MODES, SHORT_BOUNDS, VAULT_HOST, VAULT_URI, startHarness, timedRejection, type Harness, useHarness } from "./support";

const BOUND_MS = 5_000;

function outsOf(result: pulumi.dynamic.CreateResult<CertificateOutputs>): CertificateOutputs {
    assert.ok(result.outs);
    return result.outs;
}

const SECRET_MARKERS = [/PRIVATE KEY/, /MII[A-Za-z0-9+/]{200,}/];

// Every behaviour twice: on the module the tests import, and on the provider as `pulumi up` runs it.
for (const mode of PROVIDER_MODES) {
describe(`certificate provider (${mode}) against the loopback Key Vault endpoint`, () => {
    let h: Harness;
    useHarness((started) => {
        h = started;
    }, mode);

    it("1 create: outputs match the vault's answer; the versionless secret URL serves the PKCS#12 with its private key", async () => {
        const inputs = h.inputs({ name: "create-p12" });
        const outs = outsOf(await h.provider.create(inputs));
        const latest = await loopbackCertificateClient(VAULT_URI, h.loopback).getCertificate("create-p12");
        assert.equal(outs.certificateId, `https://${VAULT_HOST}/certificates/create-p12`);
        assert.equal(outs.secretId, `https://${VAULT_HOST}/secrets/create-p12`);
        assert.equal(outs.version, latest.properties.version);
        assert.equal(outs.thumbprint, Buffer.from(latest.properties.x509Thumbprint ?? []).toString("hex").toUpperCase());
        assert.equal(outs.expiresOn, latest.properties.expiresOn?.toISOString());
        // The thumbprint is the SHA-1 of the certificate the vault serves.
        const cer = Buffer.from(latest.cer ?? []);
        assert.equal(crypto.createHash("sha1").update(cer).digest("hex").toUpperCase(), outs.thumbprint);
        assert.equal(new crypto.X509Certificate(cer).subject, "CN=batch.example.com");
        // The create went out as the plan renders it: POST .../create?api-version=KEY_VAULT_API_VERSION.
        assert.ok(h.endpoint.calls.some((c) => c.method === "POST" && c.path === "/certificates/create-p12/create" && c.status === 202));
        assert.ok(h.endpoint.calls.some((c) => c.kind === "challenge:401"), "the first request carried no token and met the challenge");

        const secret = await h.secrets.getSecret("create-p12");
        assert.equal(secret.properties.contentType, "application/x-pkcs12");
        assert.equal(secret.properties.version, outs.version);
        const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(Buffer.from(secret.value ?? "", "base64").toString("binary")), "");
        const keyBags = p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? [];
        const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
        assert.equal(keyBags.length, 1, "the PFX holds the private key");
        const certPem = forge.pki.certificateToPem(certBags[0].cert as forge.pki.Certificate);
        const keyPem = forge.pki.privateKeyToPem(keyBags[0].key as forge.pki.PrivateKey);
        const x509 = new crypto.X509Certificate(certPem);
        assert.ok(x509.checkPrivateKey(crypto.createPrivateKey(keyPem)), "the key in the PFX is the certificate's");
        assert.equal(x509.fingerprint.replace(/:/g, ""), outs.thumbprint);
        // OpenSSL (what installs it on a node) loads it with an empty password too.
        tls.createSecureContext({ pfx: Buffer.from(secret.value ?? "", "base64"), passphrase: "" });
    });

    it("1 create: a PEM policy gets a PEM secret, key then certificate", async () => {
        const outs = outsOf(await h.provider.create(h.inputs({ name: "create-pem", contentType: "application/x-pem-file" })));
        const secret = await h.secrets.getSecret("create-pem");
        assert.equal(secret.properties.contentType, "application/x-pem-file");
        const value = secret.value ?? "";
        // assert.ok, not assert.match: a failure must not print key material.
        assert.ok(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/.test(value), "PEM secret: PKCS#8 key block, then the certificate");
        const x509 = new crypto.X509Certificate(value.slice(value.indexOf("-----BEGIN CERTIFICATE-----")));
        assert.ok(x509.checkPrivateKey(crypto.createPrivateKey(value)));
        assert.equal(x509.fingerprint.replace(/:/g, ""), outs.thumbprint);
    });

    it("2 renewal (simulated): after a new version, the versionless secret URL serves it and read records its version and thumbprint", async () => {
        const outs = outsOf(await h.provider.create(h.inputs({ name: "renewed" })));
        const renewed = await h.endpoint.renew("renewed", VAULT_HOST);
        assert.notEqual(renewed.version, outs.version);
        const secret = await h.secrets.getSecret("renewed");
        assert.equal(secret.properties.version, renewed.version, "the versionless URL follows the renewal");
        const read = await h.provider.read!(outs.certificateId, outs);
        assert.equal(read.id, outs.certificateId);
        assert.equal(read.props?.version, renewed.version);
        assert.equal(read.props?.thumbprint, renewed.thumbprint);
        assert.notEqual(read.props?.thumbprint, outs.thumbprint);
        assert.equal(read.props?.secretId, outs.secretId, "IDs stay versionless: the pool's request does not change");
    });

    it("3 a changed renewal trigger or tags: diff says update, update changes policy and tags in place, no new version", async () => {
        const inputs = h.inputs({ name: "updated" });
        const outs = outsOf(await h.provider.create(inputs));
        const news = { ...inputs, certificate: { ...inputs.certificate, renewal: { lifetimePercentage: 75 }, tags: { env: "test", team: "batch" } } };
        const diff = await h.provider.diff!(outs.certificateId, outs, news);
        assert.deepEqual(diff, { changes: true, replaces: [] });
        const versionsBefore = h.endpoint.state(VAULT_HOST).versions("updated");
        const updated = await h.provider.update!(outs.certificateId, outs, news);
        assert.equal(updated.outs?.version, outs.version);
        assert.deepEqual(h.endpoint.state(VAULT_HOST).versions("updated"), versionsBefore, "no new version");
        const cert = await loopbackCertificateClient(VAULT_URI, h.loopback).getCertificate("updated");
        assert.deepEqual(JSON.parse(JSON.stringify(cert.policy?.lifetimeActions)), [{ lifetimePercentage: 75, action: "AutoRenew" }]);
        assert.deepEqual(cert.properties.tags, { env: "test", team: "batch" });
        const creates = h.endpoint.calls.filter((c) => c.kind === "create:202");
        assert.equal(creates.length, 1, "only the initial create: the update issued nothing");
        assert.deepEqual(
            // Each provider call makes a new client, so each meets the 401 challenge once: count the answered ones.
            h.endpoint.calls.filter((c) => c.method === "PATCH" && c.status === 200).map((c) => c.path),
            ["/certificates/updated/policy", "/certificates/updated/"],
        );
    });

    it("4 read after an out-of-band delete: reported gone (empty id), so Pulumi creates it again", async () => {
        const outs = outsOf(await h.provider.create(h.inputs({ name: "gone" })));
        await h.endpoint.deleteOutOfBand("gone", VAULT_HOST);
        const read = await h.provider.read!(outs.certificateId, outs);
        assert.deepEqual(read, { id: "", props: undefined });
    });

    it("5 delete is a soft delete; creating again under the soft-deleted name recovers it and issues a new version; purge only with purgeOnDelete", async () => {
        const inputs = h.inputs({ name: "softdel" });
        const first = outsOf(await h.provider.create(inputs));
        await h.provider.delete!(first.certificateId, first);
        assert.deepEqual(h.endpoint.state(VAULT_HOST).deleted.includes("softdel"), true, "soft-deleted, recoverable");
        assert.ok(h.endpoint.calls.some((c) => c.kind === "deleted:404"), "the delete lag (404 under /deletedcertificates) was waited out");
        assert.ok(!h.endpoint.calls.some((c) => c.kind.startsWith("purge:")), "no purge without purgeOnDelete");

        const again = outsOf(await h.provider.create(inputs));
        assert.ok(h.endpoint.calls.some((c) => c.kind === "create:409"), "Key Vault refused the name with 409 first");
        assert.ok(h.endpoint.calls.some((c) => c.kind === "recover:200"), "the provider recovered it");
        assert.ok(h.endpoint.calls.some((c) => c.kind === "certificate:404" && c.method === "GET"), "the recovery lag was waited out");
        assert.notEqual(again.version, first.version, "a new version with the stack's policy");
        assert.deepEqual(h.endpoint.state(VAULT_HOST).live.includes("softdel"), true);

        const purged = outsOf(await h.provider.create(h.inputs({ name: "purged" }, true)));
        await h.provider.delete!(purged.certificateId, purged);
        assert.equal(h.endpoint.state(VAULT_HOST).deleted.includes("purged"), false, "purged");
        assert.ok(h.endpoint.calls.some((c) => c.kind === "purge:204"));
    });

    it("7 nothing secret: outputs and serialized inputs hold no private key, PFX or PEM key block", async () => {
        const inputs = h.inputs({ name: "nosecret" });
        const outs = outsOf(await h.provider.create(inputs));
        const read = await h.provider.read!(outs.certificateId, outs);
        const serialized = JSON.stringify({ inputs, outs, read });
        for (const marker of SECRET_MARKERS) assert.doesNotMatch(serialized, marker);
        for (const value of h.endpoint.issuedSecretValues()) {
            const body = value.replace(/-----[A-Z ]+-----|\s/g, "").slice(0, 64);
            assert.equal(serialized.includes(body), false, "an issued key or PFX appears in state");
        }
        assert.equal(h.endpoint.calls.some((c) => c.path.startsWith("/secrets/")), false, "the provider never reads the secret");
    });
});

describe(`6 (${mode}) bad answers end in a clear error naming cause and fix, within a bounded time`, () => {
    let h: Harness;
    useHarness((started) => {
        h = started;
    }, mode);

    it("403 while a role assignment propagates is retried, then the create succeeds", async () => {
        h.endpoint.faults.inject({ kind: "forbiddenByRbac", times: 2, method: "POST", path: /\/create$/ });
        const outs = outsOf(await h.provider.create(h.inputs({ name: "rbac-ok" })));
        assert.match(outs.thumbprint, /^[0-9A-F]{40}$/);
        assert.equal(h.endpoint.calls.filter((c) => c.kind === "fault:forbiddenByRbac").length, 2);
    });

    it("403 past the retry budget names RBAC propagation and the role", async () => {
        h.endpoint.faults.inject({ kind: "forbiddenByRbac", path: /\/create$/ });
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(h.inputs({ name: "rbac-never" })));
        assert.match(error.message, /create certificate "rbac-never" in https:\/\/kvcertrotationtest\.vault\.azure\.net\/: still failing with HTTP 403 after \d+ attempt/);
        assert.match(error.message, /role assignment .* propagating.*Key Vault Certificates Officer/);
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });

    it("403 ForbiddenByFirewall names the vault, the rule and the fix, and is not retried as propagation", async () => {
        h.endpoint.faults.inject({ kind: "forbiddenByFirewall" });
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(h.inputs({ name: "firewalled" })));
        assert.match(error.message, /the firewall of vault https:\/\/kvcertrotationtest\.vault\.azure\.net\/ refuses this client's address/);
        assert.match(error.message, /ForbiddenByFirewall: Client address is not authorized/);
        assert.match(error.message, /Fix: add the deployer's public IP address to keyVault\.network\.ipRules, or run pulumi from inside the vault's network/);
        assert.doesNotMatch(error.message, /propagat|Certificates Officer|issuance/);
        assert.equal(h.endpoint.calls.filter((c) => c.kind === "fault:forbiddenByFirewall").length, 1, "one attempt: waiting never opens a firewall");
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });

    it("429 honours Retry-After and then succeeds; 429 past the budget names throttling and the fix", async () => {
        h.endpoint.faults.inject({ kind: "throttled", times: 1, retryAfterSeconds: 1, method: "POST", path: /\/create$/ });
        const started = Date.now();
        outsOf(await h.provider.create(h.inputs({ name: "throttled-ok" })));
        assert.ok(Date.now() - started >= 900, "waited for Retry-After");
        assert.equal(h.endpoint.calls.find((c) => c.kind === "fault:throttled")?.responseHeaders["Retry-After"], "1");

        h.endpoint.faults.inject({ kind: "throttled", retryAfterSeconds: 0, method: "POST", path: /\/create$/ });
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(h.inputs({ name: "throttled-never" })));
        assert.match(error.message, /still failing with HTTP 429 .*Fix: Key Vault is throttling this client; wait a minute/);
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });

    it("500 past the budget names Key Vault's server error and the fix", async () => {
        h.endpoint.faults.inject({ kind: "serverError", method: "POST", path: /\/create$/ });
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(h.inputs({ name: "server-error" })));
        assert.match(error.message, /still failing with HTTP 500 .*Fix: Key Vault reported a server error/);
        assert.doesNotMatch(error.message, /issuance failed/);
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });

    it("404 on create names the answer and the fix; 404 on update says it was deleted outside Pulumi", async () => {
        h.endpoint.faults.inject({ kind: "notFound", times: 1, method: "POST", path: /\/create$/ });
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(h.inputs({ name: "not-found" })));
        assert.match(error.message, /create certificate "not-found" in .*: Key Vault answered 404 CertificateNotFound .*Fix: check that the vault and the certificate exist/);
        assert.ok(elapsedMs < BOUND_MS);

        const inputs = h.inputs({ name: "updated-gone" });
        const outs = outsOf(await h.provider.create(inputs));
        await h.endpoint.deleteOutOfBand("updated-gone", VAULT_HOST);
        await assert.rejects(
            h.provider.update!(outs.certificateId, outs, { ...inputs, certificate: { ...inputs.certificate, tags: { env: "other" } } }),
            /Key Vault answered 404, the certificate no longer exists \(deleted outside Pulumi\)\. Fix: run `pulumi refresh`/,
        );
    });

    it("409 with no soft-deleted certificate behind it names the pending operation and how to cancel it", async () => {
        h.endpoint.faults.inject({ kind: "conflict", times: 1, method: "POST", path: /\/create$/ });
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(h.inputs({ name: "conflicted" })));
        assert.match(error.message, /Key Vault answered 409 Conflict .*Another operation on this certificate is pending\. Fix: .*az keyvault certificate pending delete/);
        assert.ok(elapsedMs < BOUND_MS);
    });

    it("a create that never completes ends after the bounded wait, naming the issuer and the fix", async () => {
        h.endpoint.faults.neverComplete("stuck");
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(h.inputs({ name: "stuck" })));
        assert.match(error.message, /create certificate "stuck" in .*: issuance still in progress after \d+ s \(issuer: Self\)\. Fix: check the certificate's pending operation/);
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
        assert.ok(h.endpoint.calls.filter((c) => c.kind === "pending:inProgress").length >= 2);
    });

    it("a soft-deleted name with purge protection: purge on delete is a clear error naming the setting", async () => {
        const protectedHarness = await startHarness({ purgeProtection: true }, SHORT_BOUNDS, mode);
        try {
            const outs = outsOf(await protectedHarness.provider.create(protectedHarness.inputs({ name: "protected" }, true)));
            await assert.rejects(protectedHarness.provider.delete!(outs.certificateId, outs), /purge protection, so the certificate stays soft-deleted.*purgeCertificatesOnDelete to false/);
            assertWire(protectedHarness);
        } finally {
            await protectedHarness.close();
        }
    });

    // The module on a loopback client; the provider as shipped meets real network failures in shipped.test.ts.
    if (mode === "module") {
    it("an unreachable vault (closed port) is reported as such, never as an issuance failure", async () => {
        const closedPort = await new Promise<number>((resolve) => {
            const srv = net.createServer();
            srv.listen(0, "127.0.0.1", () => {
                const { port } = srv.address() as net.AddressInfo;
                srv.close(() => resolve(port));
            });
        });
        const provider = makeCertificateProvider(
            loopbackClientFactory({ ...h.loopback, endpoint: `https://127.0.0.1:${closedPort}` }),
            SHORT_BOUNDS,
        );
        const { error, elapsedMs } = await timedRejection(() => provider.create(h.inputs({ name: "unreachable" })));
        assert.match(
            error.message,
            /^create certificate "unreachable" in https:\/\/kvcertrotationtest\.vault\.azure\.net\/: can't reach the vault at https:\/\/kvcertrotationtest\.vault\.azure\.net\/ \(ECONNREFUSED: .*\)\. Fix: check the network path from where pulumi runs to the vault: DNS \(the vault's private DNS zone\), its firewall, and the proxy in HTTPS_PROXY\/NO_PROXY if one is set$/,
        );
        assert.doesNotMatch(error.message, /issuance failed|issuer/);
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });

    it("a TLS certificate the client does not trust is reported as an unreachable vault too", async () => {
        const other = await startHarness();
        try {
            const provider = makeCertificateProvider(loopbackClientFactory({ ...h.loopback, caPem: other.endpoint.caPem }), SHORT_BOUNDS);
            const { error, elapsedMs } = await timedRejection(() => provider.create(h.inputs({ name: "untrusted" })));
            assert.match(error.message, /can't reach the vault at https:\/\/kvcertrotationtest\.vault\.azure\.net\/ \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_SIGNATURE_FAILURE)/);
            assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
        } finally {
            await other.close();
        }
    });
    }
});
}
