import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    KEY_VAULT_API_VERSION,
    buildCertificatePolicy,
    renderCertificateCreateRequest,
    stripVersion,
    versionOf,
    versionlessCertificateId,
    versionlessSecretId,
} from "../components/certificatePolicy";
import type { CertificateSpec } from "../components/types";
import { certificateSpec } from "./fixtures/certificates";
import { fixturePath } from "./fixtures";

const rsaSpec = certificateSpec({
    dnsNames: ["batch.example.com", "www.batch.example.com"],
    tags: { team: "batch", env: "dev" },
});

const ecSpec: CertificateSpec = {
    ...rsaSpec,
    name: "eccert",
    dnsNames: [],
    renewal: { lifetimePercentage: 80 },
    keyType: "EC",
    keySize: undefined,
    curve: "P-384",
    contentType: "application/x-pem-file",
    tags: {},
};

type Spec = {
    info: { version: string };
    paths: Record<string, Record<string, unknown>>;
    definitions: Record<string, { properties?: Record<string, { $ref?: string; type?: string; items?: { $ref?: string } }> }>;
};

// The spec of the version the client is pinned to; fixturePath names the SOURCES file when it is missing.
function loadSpec(): Spec {
    return JSON.parse(fs.readFileSync(fixturePath("specs", `keyvault-${KEY_VAULT_API_VERSION}`, "certificates.json"), "utf8")) as Spec;
}

/** Every key in `value` must be a property the spec defines for `definition`, recursively. */
function assertMatchesDefinition(value: unknown, definition: string, where: string): void {
    const defs = loadSpec().definitions;
    const def = defs[definition];
    assert.ok(def, `${where}: spec has no definition ${definition}`);
    if (def.properties === undefined || typeof value !== "object" || value === null || Array.isArray(value)) {
        return;
    }
    for (const [key, child] of Object.entries(value)) {
        const prop = def.properties[key];
        assert.ok(prop, `${where}.${key}: not a property of ${definition} in the ${KEY_VAULT_API_VERSION} spec`);
        const ref = prop.$ref ?? prop.items?.$ref;
        if (ref !== undefined && ref.startsWith("#/definitions/")) {
            const target = ref.slice("#/definitions/".length);
            for (const item of Array.isArray(child) ? child : [child]) {
                assertMatchesDefinition(item, target, `${where}.${key}`);
            }
        }
    }
}

void test("create request: POST {vault}/certificates/{name}/create?api-version=2025-07-01 from the vault URI, with or without a trailing slash", () => {
    for (const vaultUri of ["https://kv1.vault.azure.net/", "https://kv1.vault.azure.net"]) {
        const req = renderCertificateCreateRequest(vaultUri, rsaSpec);
        assert.equal(req.method, "POST");
        assert.equal(req.url, "https://kv1.vault.azure.net/certificates/authcert/create?api-version=2025-07-01");
    }
    // Sovereign clouds keep their own suffix.
    assert.equal(
        renderCertificateCreateRequest("https://kv1.vault.azure.cn/", rsaSpec).url,
        "https://kv1.vault.azure.cn/certificates/authcert/create?api-version=2025-07-01",
    );
});

void test("the rendered api-version is the one the provider's client is pinned to, the SDK's default, and the spec's version", () => {
    assert.equal(KEY_VAULT_API_VERSION, "2025-07-01");
    // The SDK does not export its default; its models module states it.
    const models = fs.readFileSync(path.join(path.dirname(require.resolve("@azure/keyvault-certificates")), "certificatesModels.js"), "utf8");
    assert.equal(/LATEST_API_VERSION = "([^"]+)"/.exec(models)?.[1], KEY_VAULT_API_VERSION, "the SDK's default moved: re-check the spec and the endpoint before following it");
    const spec = loadSpec();
    assert.equal(spec.info.version, KEY_VAULT_API_VERSION);
    assert.ok(spec.paths["/certificates/{certificate-name}/create"]?.post, "the spec has the create operation");
});

void test("create request body is the wire format of CertificateCreateParameters (RSA, days before expiry, PKCS#12)", () => {
    const { body } = renderCertificateCreateRequest("https://kv1.vault.azure.net/", rsaSpec);
    assert.deepEqual(body, {
        policy: {
            key_props: { exportable: true, kty: "RSA", key_size: 2048, reuse_key: false },
            secret_props: { contentType: "application/x-pkcs12" },
            x509_props: {
                subject: "CN=batch.example.com",
                sans: { dns_names: ["batch.example.com", "www.batch.example.com"] },
                validity_months: 12,
            },
            lifetime_actions: [{ trigger: { days_before_expiry: 30 }, action: { action_type: "AutoRenew" } }],
            issuer: { name: "Self" },
            attributes: { enabled: true },
        },
        attributes: { enabled: true },
        tags: { env: "dev", team: "batch" },
    });
    assertMatchesDefinition(body, "CertificateCreateParameters", "body");
});

void test("create request body for EC keys carries crv, not key_size, and a lifetime percentage trigger", () => {
    const body = renderCertificateCreateRequest("https://kv1.vault.azure.net/", ecSpec).body as { policy: Record<string, unknown> };
    assert.deepEqual(body.policy.key_props, { exportable: true, kty: "EC", crv: "P-384", reuse_key: false });
    assert.deepEqual(body.policy.lifetime_actions, [{ trigger: { lifetime_percentage: 80 }, action: { action_type: "AutoRenew" } }]);
    assert.deepEqual(body.policy.x509_props, { subject: "CN=batch.example.com", validity_months: 12 }, "no empty sans");
    assert.deepEqual(body.policy.secret_props, { contentType: "application/x-pem-file" });
    assert.equal("tags" in body, false, "no empty tags object");
    assertMatchesDefinition(body, "CertificateCreateParameters", "body");
});

void test("tags render in sorted order so two plans of the same config are byte-identical", () => {
    const a = renderCertificateCreateRequest("https://kv1.vault.azure.net/", { ...rsaSpec, tags: { b: "2", a: "1" } });
    const b = renderCertificateCreateRequest("https://kv1.vault.azure.net/", { ...rsaSpec, tags: { a: "1", b: "2" } });
    assert.equal(JSON.stringify(a), JSON.stringify(b));
});

void test("SDK policy: exportable key, AutoRenew action, same values as the wire body", () => {
    const policy = buildCertificatePolicy(rsaSpec);
    assert.equal(policy.exportable, true);
    assert.equal(policy.keyType, "RSA");
    assert.equal(policy.keySize, 2048);
    assert.equal(policy.keyCurveName, undefined);
    assert.equal(policy.issuerName, "Self");
    assert.equal(policy.contentType, "application/x-pkcs12");
    assert.equal(policy.validityInMonths, 12);
    assert.equal(policy.subject, "CN=batch.example.com");
    assert.deepEqual(policy.subjectAlternativeNames, { dnsNames: ["batch.example.com", "www.batch.example.com"] });
    assert.deepEqual(policy.lifetimeActions, [{ daysBeforeExpiry: 30, action: "AutoRenew" }]);

    const ec = buildCertificatePolicy(ecSpec);
    assert.equal(ec.keyCurveName, "P-384");
    assert.equal(ec.keySize, undefined);
    assert.equal(ec.subjectAlternativeNames, undefined);
    assert.deepEqual(ec.lifetimeActions, [{ lifetimePercentage: 80, action: "AutoRenew" }]);
});

void test("an e-mail warning is a second lifetime action, EmailContacts, after AutoRenew, in both shapes", () => {
    const warned: CertificateSpec = { ...rsaSpec, emailWarning: { daysBeforeExpiry: 7 } };
    assert.deepEqual(buildCertificatePolicy(warned).lifetimeActions, [
        { daysBeforeExpiry: 30, action: "AutoRenew" },
        { daysBeforeExpiry: 7, action: "EmailContacts" },
    ]);
    const body = renderCertificateCreateRequest("https://kv1.vault.azure.net/", { ...ecSpec, emailWarning: { lifetimePercentage: 95 } }).body as
        { policy: Record<string, unknown> };
    assert.deepEqual(body.policy.lifetime_actions, [
        { trigger: { lifetime_percentage: 80 }, action: { action_type: "AutoRenew" } },
        { trigger: { lifetime_percentage: 95 }, action: { action_type: "EmailContacts" } },
    ]);
    assertMatchesDefinition(body, "CertificateCreateParameters", "body");
});

void test("a spec missing its key size or curve fails naming the field", () => {
    assert.throws(() => buildCertificatePolicy({ ...rsaSpec, keySize: undefined }), /authcert.*keySize: missing for keyType RSA/);
    assert.throws(() => buildCertificatePolicy({ ...ecSpec, curve: undefined }), /eccert.*curve: missing for keyType EC/);
});

void test("versionless IDs are built from the vault URI, never from a hard-coded suffix", () => {
    assert.equal(versionlessSecretId("https://kv1.vault.azure.net/", "authcert"), "https://kv1.vault.azure.net/secrets/authcert");
    assert.equal(versionlessSecretId("https://kv1.vault.usgovcloudapi.net", "authcert"), "https://kv1.vault.usgovcloudapi.net/secrets/authcert");
    assert.equal(versionlessCertificateId("https://kv1.vault.azure.net/", "authcert"), "https://kv1.vault.azure.net/certificates/authcert");
    assert.equal(versionlessSecretId("https://127.0.0.1:8443", "c1"), "https://127.0.0.1:8443/secrets/c1");
    assert.throws(() => versionlessSecretId("", "c1"), /vaultUri: empty/);
});

void test("stripVersion drops only the version segment", () => {
    assert.equal(
        stripVersion("https://kv1.vault.azure.net/secrets/authcert/0123456789abcdef0123456789abcdef"),
        "https://kv1.vault.azure.net/secrets/authcert",
    );
    assert.equal(stripVersion("https://kv1.vault.azure.net/certificates/authcert"), "https://kv1.vault.azure.net/certificates/authcert");
    assert.equal(stripVersion("https://127.0.0.1:8443/secrets/c1/abc"), "https://127.0.0.1:8443/secrets/c1");
    assert.equal(versionOf("https://kv1.vault.azure.net/secrets/authcert/abc"), "abc");
    assert.equal(versionOf("https://kv1.vault.azure.net/secrets/authcert"), undefined);
    assert.throws(() => stripVersion("secrets/authcert"), /not an absolute URL/);
    assert.throws(() => stripVersion("https://kv1.vault.azure.net/secrets"), /has no \{collection\}\/\{name\}/);
});
