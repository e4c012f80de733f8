// EC certificates on the loopback Key Vault endpoint, through the provider's
// functions and the real SDK client: the prod stack's EC P-256 certificate in
// PEM first, then every curve Key Vault offers for certificates in both
// content types, and the policies Key Vault refuses. The checks tie each
// answer to the key that was generated: `cer`, `x5t`, the policy's key_props
// and the secret's key must all describe the same key pair.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as tls from "node:tls";
import forge from "node-forge";
import type { CertificateKeyCurveName, CertificatePolicy } from "@azure/keyvault-certificates";
import type { CertificateOutputs } from "../../components/certificateProvider";
import { loopbackCertificateClient } from "./loopbackClient";
import type { CertificateSpec } from "../../components/types";
import { VAULT_HOST, VAULT_URI, type Harness, useHarness } from "./support";
import { base64url, type EcCurveName } from "./x509";

/** node:crypto's name for each of Key Vault's curves. */
const OPENSSL_CURVE: Record<EcCurveName, string> = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1", "P-256K": "secp256k1" };
const CURVE_BITS: Record<EcCurveName, number> = { "P-256": 256, "P-384": 384, "P-521": 521, "P-256K": 256 };

/** The prod stack's second certificate (Pulumi.prod.yaml), under a test name. */
function prodEcSpec(name: string, overrides: Partial<CertificateSpec> = {}): Partial<CertificateSpec> {
    return {
        name,
        subject: "CN=signing.batch.example.com",
        dnsNames: [],
        validityInMonths: 6,
        renewal: { daysBeforeExpiry: 45 },
        keyType: "EC",
        keySize: undefined,
        curve: "P-256",
        contentType: "application/x-pem-file",
        ...overrides,
    };
}

function thumbprintOf(der: Buffer): string {
    return crypto.createHash("sha1").update(der).digest("hex").toUpperCase();
}

/** The secret as the Key Vault VM extension reads it: PKCS#8 key block, then the certificate. */
function splitPem(value: string): { key: crypto.KeyObject; cert: crypto.X509Certificate } {
    // assert.ok, not assert.match: a failure must not print key material.
    assert.ok(
        /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/.test(value),
        "PEM secret: PKCS#8 key block, then the certificate",
    );
    return { key: crypto.createPrivateKey(value), cert: new crypto.X509Certificate(value.slice(value.indexOf("-----BEGIN CERTIFICATE-----"))) };
}

/**
 * The certificate and key inside a password-less PFX. forge's PKCS#12 reader
 * rejects EC keys, so the bags are walked with its generic ASN.1 and PBE
 * decryption; OpenSSL (tls.createSecureContext) separately checks the MAC
 * and that the key fits the certificate.
 */
function splitPfx(base64: string): { key: crypto.KeyObject; cert: crypto.X509Certificate } {
    const pfx = Buffer.from(base64, "base64");
    tls.createSecureContext({ pfx, passphrase: "" });
    const { asn1, pki } = forge;
    const top = asn1.fromDer(pfx.toString("binary"));
    const children = (node: forge.asn1.Asn1): forge.asn1.Asn1[] => node.value as forge.asn1.Asn1[];
    const octets = (node: forge.asn1.Asn1): string => node.value as string;
    const oidOf = (node: forge.asn1.Asn1): string => asn1.derToOid(octets(node));
    const authSafe = asn1.fromDer(octets(children(children(children(top)[1])[1])[0]));
    let certDer: Buffer | undefined;
    let keyDer: Buffer | undefined;
    for (const info of children(authSafe)) {
        assert.equal(oidOf(children(info)[0]), pki.oids.data, "unencrypted ContentInfo, as Key Vault's PFX has");
        const bags = asn1.fromDer(octets(children(children(info)[1])[0]));
        for (const bag of children(bags)) {
            const [type, value] = children(bag);
            const inner = children(value)[0];
            if (oidOf(type) === pki.oids.certBag) {
                certDer = Buffer.from(octets(children(children(inner)[1])[0]), "binary");
            } else if (oidOf(type) === pki.oids.pkcs8ShroudedKeyBag) {
                const info8 = pki.decryptPrivateKeyInfo(inner, "");
                keyDer = Buffer.from(asn1.toDer(info8).getBytes(), "binary");
            }
        }
    }
    assert.ok(certDer !== undefined && keyDer !== undefined, "the PFX holds a certificate bag and a shrouded key bag");
    return { key: crypto.createPrivateKey({ key: keyDer, format: "der", type: "pkcs8" }), cert: new crypto.X509Certificate(certDer) };
}

describe("EC certificates on the loopback Key Vault endpoint", () => {
    let h: Harness;
    useHarness((started) => {
        h = started;
    });

    it("the prod EC P-256 PEM certificate: created through the provider; cer, x5t, kid and key_props agree with the key; the versionless secret's PEM key is the certificate's", async () => {
        const inputs = h.inputs(prodEcSpec("signingcert"));
        const created = await h.provider.create(inputs);
        const outs = created.outs as CertificateOutputs;
        assert.ok(outs !== undefined);

        const client = loopbackCertificateClient(VAULT_URI, h.loopback);
        const latest = await client.getCertificate("signingcert");
        assert.equal(outs.version, latest.properties.version);
        const cer = Buffer.from(latest.cer ?? []);
        const x509 = new crypto.X509Certificate(cer);
        assert.equal(x509.publicKey.asymmetricKeyType, "ec");
        assert.equal(x509.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
        assert.equal(x509.subject, "CN=signing.batch.example.com");
        assert.ok(x509.verify(x509.publicKey), "self-signed with its own key");
        // Thumbprint: the provider's output, the vault's x5t and the SHA-1 of cer are one value.
        assert.equal(outs.thumbprint, thumbprintOf(cer));
        assert.equal(Buffer.from(latest.properties.x509Thumbprint ?? []).toString("hex").toUpperCase(), outs.thumbprint);
        assert.equal(x509.fingerprint.replace(/:/g, ""), outs.thumbprint);
        assert.equal(latest.keyId, `https://${VAULT_HOST}/keys/signingcert/${outs.version}`);
        assert.equal(latest.secretId, `https://${VAULT_HOST}/secrets/signingcert/${outs.version}`);
        assert.equal(latest.policy?.keyType, "EC");
        assert.equal(latest.policy?.keyCurveName, "P-256");
        assert.equal(latest.policy?.keySize, 256);
        assert.equal(latest.policy?.contentType, "application/x-pem-file");
        const policyCall = h.endpoint.calls.find((c) => c.kind === "certificate:latest");
        const wireKeyProps = ((policyCall?.responseBody as { policy?: { key_props?: unknown } } | undefined)?.policy?.key_props ?? {}) as Record<string, unknown>;
        assert.deepEqual({ kty: wireKeyProps.kty, crv: wireKeyProps.crv, key_size: wireKeyProps.key_size }, { kty: "EC", crv: "P-256", key_size: 256 });

        const secret = await h.secrets.getSecret("signingcert");
        assert.equal(secret.properties.contentType, "application/x-pem-file");
        assert.equal(secret.properties.version, outs.version);
        const { key, cert } = splitPem(secret.value ?? "");
        assert.equal(key.asymmetricKeyType, "ec");
        assert.ok(cert.checkPrivateKey(key), "the PEM key is the certificate's");
        assert.equal(cert.fingerprint.replace(/:/g, ""), outs.thumbprint, "the PEM's certificate is the one the outputs name");
        // The key really signs for the certificate's public key.
        const signature = crypto.sign("sha256", Buffer.from("rotation"), key);
        assert.ok(crypto.verify("sha256", Buffer.from("rotation"), cert.publicKey, signature));

        // Nothing secret in the outputs.
        assert.equal(/PRIVATE KEY/.test(JSON.stringify({ inputs, outs })), false);
    });

    it("renewal (simulated) of the EC PEM certificate: a new EC key and thumbprint under the same name and policy; the versionless secret follows", async () => {
        const outs = (await h.provider.create(h.inputs(prodEcSpec("signing-renewed")))).outs as CertificateOutputs;
        const renewed = await h.endpoint.renew("signing-renewed", VAULT_HOST);
        assert.notEqual(renewed.thumbprint, outs.thumbprint);
        const secret = await h.secrets.getSecret("signing-renewed");
        assert.equal(secret.properties.version, renewed.version);
        const { key, cert } = splitPem(secret.value ?? "");
        assert.ok(cert.checkPrivateKey(key));
        assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1", "the renewal keeps the policy's curve");
        assert.equal(cert.fingerprint.replace(/:/g, ""), renewed.thumbprint);
        assert.equal(base64url(Buffer.from(renewed.thumbprint, "hex")), renewed.x5t);
        const read = await h.provider.read!(outs.certificateId, outs);
        assert.equal(read.props?.thumbprint, renewed.thumbprint);
        assert.equal(read.props?.version, renewed.version);
    });

    for (const curve of ["P-256", "P-384", "P-521", "P-256K"] as const) {
        for (const contentType of ["application/x-pem-file", "application/x-pkcs12"] as const) {
            it(`${curve} in ${contentType}: the secret's key and certificate are the pair the vault describes`, async () => {
                const name = `ec-${curve.toLowerCase()}-${contentType === "application/x-pem-file" ? "pem" : "pfx"}`;
                const outs = (await h.provider.create(h.inputs(prodEcSpec(name, { curve, contentType, dnsNames: ["signing.batch.example.com"] })))).outs as CertificateOutputs;
                const latest = await loopbackCertificateClient(VAULT_URI, h.loopback).getCertificate(name);
                const cer = Buffer.from(latest.cer ?? []);
                assert.equal(thumbprintOf(cer), outs.thumbprint);
                assert.equal(latest.policy?.keyCurveName, curve);
                assert.equal(latest.policy?.keySize, CURVE_BITS[curve]);
                const x509 = new crypto.X509Certificate(cer);
                assert.equal(x509.publicKey.asymmetricKeyDetails?.namedCurve, OPENSSL_CURVE[curve]);
                assert.equal(x509.subjectAltName, "DNS:signing.batch.example.com");
                assert.ok(x509.verify(x509.publicKey));

                const secret = await h.secrets.getSecret(name);
                assert.equal(secret.properties.contentType, contentType);
                const { key, cert } = contentType === "application/x-pem-file" ? splitPem(secret.value ?? "") : splitPfx(secret.value ?? "");
                assert.equal(key.asymmetricKeyDetails?.namedCurve, OPENSSL_CURVE[curve]);
                assert.ok(cert.checkPrivateKey(key), "the secret's key is the certificate's");
                assert.equal(cert.fingerprint.replace(/:/g, ""), outs.thumbprint);
            });
        }
    }

    it("the pending operation's CSR carries the certificate's EC key", async () => {
        const client = loopbackCertificateClient(VAULT_URI, h.loopback);
        const policy: CertificatePolicy = { subject: "CN=csr.example.com", issuerName: "Self", keyType: "EC", keyCurveName: "P-384", exportable: true, contentType: "application/x-pem-file" };
        const poller = await client.beginCreateCertificate("ec-csr", policy, { intervalInMs: 10 });
        const csr = Buffer.from((await client.getCertificateOperation("ec-csr")).getOperationState().certificateOperation?.csr ?? []);
        await poller.pollUntilDone();
        const cert = await client.getCertificate("ec-csr");
        // Node reads no CSRs; compare the CSR's SubjectPublicKeyInfo with the certificate's.
        const spki = new crypto.X509Certificate(Buffer.from(cert.cer ?? [])).publicKey.export({ type: "spki", format: "der" });
        assert.ok(csr.length > 0 && csr.includes(spki), "the CSR carries the certificate's public key");
    });

    it("a curve or key type Key Vault does not take is refused with 400 BadParameter, as Key Vault refuses it", async () => {
        const client = loopbackCertificateClient(VAULT_URI, h.loopback);
        const badCurve: CertificatePolicy = { subject: "CN=x", issuerName: "Self", keyType: "EC", keyCurveName: "P-192" as CertificateKeyCurveName };
        await assert.rejects(client.beginCreateCertificate("ec-bad-curve", badCurve), (err: { statusCode?: number; code?: string; message: string }) => {
            assert.equal(err.statusCode, 400);
            assert.equal(err.code, "BadParameter");
            assert.match(err.message, /P-192.*P-256, P-384, P-521, P-256K/);
            return true;
        });
        const badType = { subject: "CN=x", issuerName: "Self", keyType: "oct" } as unknown as CertificatePolicy;
        await assert.rejects(client.beginCreateCertificate("ec-bad-kty", badType), (err: { statusCode?: number; code?: string }) => err.statusCode === 400 && err.code === "BadParameter");
        assert.deepEqual(h.endpoint.state(VAULT_HOST).versions("ec-bad-curve"), [], "nothing was created");
    });
});
