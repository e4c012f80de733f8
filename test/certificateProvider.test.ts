// The provider's behaviour against an in-memory stand-in for the Key Vault
// certificate client (the emulator suite covers the real SDK over HTTP).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { CertificatePolicy } from "@azure/keyvault-certificates";
import {
    makeCertificateProvider,
    type CertificateClientLike,
    type CertificateInputs,
    type CertificateOutputs,
    type CertificateProviderOptions,
} from "../components/certificateProvider";
import type { CertificateSpec } from "../components/types";
import { certificateSpec } from "./fixtures/certificates";

const VAULT = "https://kv1.vault.azure.net/";

const spec: CertificateSpec = certificateSpec({ dnsNames: ["batch.example.com"], tags: { env: "dev" } });

const inputs: CertificateInputs = { vaultUri: VAULT, certificate: spec, purgeOnDelete: false };

interface StoredCert {
    versions: { version: string; thumbprint: Uint8Array; expiresOn: Date }[];
    policy: CertificatePolicy;
    tags: Record<string, string>;
}

function restError(statusCode: number, message: string): Error & { statusCode: number } {
    return Object.assign(new Error(message), { name: "RestError", statusCode });
}

/** In-memory certificate client with switches for the failure modes under test. */
class FakeVault {
    live = new Map<string, StoredCert>();
    deleted = new Map<string, StoredCert>();
    calls: string[] = [];
    forbiddenLeft = 0;
    issuance: "complete" | "pending" | "fail" = "complete";
    conflictOnCreate = false;
    purgeProtected = false;

    client(): CertificateClientLike {
        const fake: Partial<Record<keyof CertificateClientLike, unknown>> = {
            beginCreateCertificate: async (name: string, policy: CertificatePolicy, options: { tags?: Record<string, string> }) => {
                this.record("create", name);
                if (this.deleted.has(name)) {
                    throw restError(409, `Certificate ${name} is currently in a deleted but recoverable state`);
                }
                if (this.conflictOnCreate) {
                    throw restError(409, "There was a conflict: a pending operation exists");
                }
                if (this.issuance === "fail") {
                    throw new Error("Issuer returned: policy not accepted");
                }
                const done = this.issuance === "complete";
                if (done) {
                    const cert = this.live.get(name) ?? { versions: [], policy, tags: {} };
                    cert.versions.push({
                        version: crypto.randomBytes(16).toString("hex"),
                        thumbprint: crypto.randomBytes(20),
                        expiresOn: new Date(Date.UTC(2027, 0, 1)),
                    });
                    cert.policy = policy;
                    cert.tags = { ...(options.tags ?? {}) };
                    this.live.set(name, cert);
                }
                return poller(done);
            },
            getCertificate: async (name: string) => {
                this.record("get", name);
                const cert = this.live.get(name);
                if (cert === undefined) {
                    throw restError(404, `A certificate with (name/id) ${name} was not found in this key vault`);
                }
                const latest = cert.versions[cert.versions.length - 1];
                return {
                    name,
                    policy: cert.policy,
                    properties: { version: latest.version, x509Thumbprint: latest.thumbprint, expiresOn: latest.expiresOn, tags: cert.tags },
                };
            },
            getDeletedCertificate: async (name: string) => {
                this.record("getDeleted", name);
                if (!this.deleted.has(name)) {
                    throw restError(404, `Deleted certificate ${name} not found`);
                }
                return { name };
            },
            beginRecoverDeletedCertificate: async (name: string) => {
                this.record("recover", name);
                const cert = this.deleted.get(name);
                assert.ok(cert, "recover called for a certificate that is not deleted");
                this.deleted.delete(name);
                this.live.set(name, cert);
                return poller(true);
            },
            updateCertificatePolicy: async (name: string, policy: CertificatePolicy) => {
                this.record("updatePolicy", name);
                const cert = this.live.get(name);
                if (cert === undefined) {
                    throw restError(404, `certificate ${name} not found`);
                }
                cert.policy = policy;
                return policy;
            },
            updateCertificateProperties: async (name: string, _version: string, options: { tags?: Record<string, string> }) => {
                this.record("updateProperties", name);
                const cert = this.live.get(name);
                if (cert === undefined) {
                    throw restError(404, `certificate ${name} not found`);
                }
                cert.tags = { ...(options.tags ?? {}) };
                return {};
            },
            beginDeleteCertificate: async (name: string) => {
                this.record("delete", name);
                const cert = this.live.get(name);
                if (cert === undefined) {
                    throw restError(404, `certificate ${name} not found`);
                }
                this.live.delete(name);
                this.deleted.set(name, cert);
                return poller(true);
            },
            purgeDeletedCertificate: async (name: string) => {
                this.record("purge", name);
                if (this.purgeProtected) {
                    throw restError(403, "Operation 'purge' is not allowed because purge protection is enabled for this vault");
                }
                if (!this.deleted.delete(name)) {
                    throw restError(404, `Deleted certificate ${name} not found`);
                }
            },
        };
        return fake as unknown as CertificateClientLike;
    }

    private record(op: string, name: string): void {
        this.calls.push(`${op}:${name}`);
        if (this.forbiddenLeft > 0) {
            this.forbiddenLeft--;
            throw restError(403, "Forbidden: the caller does not have permission");
        }
    }
}

function poller(done: boolean): unknown {
    return {
        poll: async () => undefined,
        isDone: () => done,
        getOperationState: () => ({ isStarted: true, isCompleted: done }),
        getResult: () => undefined,
    };
}

/** Short bounds and a fake clock: bounded waits are checked without waiting. */
function testOptions(): Partial<CertificateProviderOptions> & { elapsed: () => number } {
    let t = 0;
    return {
        createTimeoutMs: 30_000,
        deleteTimeoutMs: 10_000,
        pollIntervalMs: 1_000,
        retry: { maxAttempts: 5, maxTotalWaitMs: 60_000, initialDelayMs: 1_000, maxDelayMs: 8_000 },
        sleep: async (ms: number) => {
            t += ms;
        },
        now: () => t,
        elapsed: () => t,
    };
}

function setup(): { vault: FakeVault; provider: ReturnType<typeof makeCertificateProvider>; clock: ReturnType<typeof testOptions> } {
    const vault = new FakeVault();
    const clock = testOptions();
    const provider = makeCertificateProvider(() => vault.client(), clock);
    return { vault, provider, clock };
}

async function created(provider: ReturnType<typeof makeCertificateProvider>): Promise<{ id: string; outs: CertificateOutputs }> {
    const result = await provider.create(inputs);
    assert.ok(result.outs);
    return { id: result.id, outs: result.outs };
}

void test("create: outputs are the versionless IDs, version, uppercase thumbprint and ISO expiry the vault reports", async () => {
    const { vault, provider } = setup();
    const { id, outs } = await created(provider);
    const stored = vault.live.get("authcert");
    assert.ok(stored);
    const latest = stored.versions[0];
    assert.equal(id, "https://kv1.vault.azure.net/certificates/authcert");
    assert.equal(outs.certificateId, "https://kv1.vault.azure.net/certificates/authcert");
    assert.equal(outs.secretId, "https://kv1.vault.azure.net/secrets/authcert");
    assert.equal(outs.version, latest.version);
    assert.equal(outs.thumbprint, Buffer.from(latest.thumbprint).toString("hex").toUpperCase());
    assert.match(outs.thumbprint, /^[0-9A-F]{40}$/);
    assert.equal(outs.expiresOn, "2027-01-01T00:00:00.000Z");
    assert.equal(outs.name, "authcert");
    assert.deepEqual(outs.certificate, spec);
    assert.equal(stored.policy.exportable, true);
    assert.deepEqual(stored.tags, { env: "dev" });
});

void test("create: 403 while the role assignment propagates is retried, then succeeds", async () => {
    const { vault, provider, clock } = setup();
    vault.forbiddenLeft = 2;
    const { outs } = await created(provider);
    assert.equal(outs.version.length, 32);
    assert.ok(clock.elapsed() >= 1_000, "waited before retrying");
});

void test("create: 403 that never clears ends within the retry bound with the RBAC fix", async () => {
    const { vault, provider, clock } = setup();
    vault.forbiddenLeft = 1_000;
    await assert.rejects(provider.create(inputs), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /create certificate "authcert" in https:\/\/kv1\.vault\.azure\.net\/: still failing with HTTP 403 after 5 attempt/);
        assert.match(err.message, /Key Vault Certificates Officer/);
        return true;
    });
    assert.ok(clock.elapsed() <= 60_000);
    assert.equal(vault.calls.filter((c) => c === "create:authcert").length, 5);
});

void test("create: an issuance a CA never completes ends after the bounded wait, naming the issuer and the fix", async () => {
    const { vault, provider, clock } = setup();
    vault.issuance = "pending";
    await assert.rejects(provider.create({ ...inputs, certificate: { ...spec, issuer: "DigiCertIssuer" } }), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /issuance still in progress after 30 s \(issuer: DigiCertIssuer\)/);
        assert.match(err.message, /az keyvault certificate pending delete/);
        return true;
    });
    assert.equal(clock.elapsed(), 30_000);
});

void test("create: a failed issuance is a clear error, not a raw poller error", async () => {
    const { vault, provider } = setup();
    vault.issuance = "fail";
    await assert.rejects(provider.create(inputs), /create certificate "authcert" in .*: issuance failed \(Issuer returned: policy not accepted\)\. Fix: check issuer "Self"/);
});

void test("create: an unresolvable vault host is \"can't reach the vault\" with the network fix, never an issuance failure", async () => {
    const { vault, provider } = setup();
    const client = vault.client();
    const dns = Object.assign(new Error("getaddrinfo ENOTFOUND kv1.vault.azure.net"), { name: "RestError", code: "ENOTFOUND" });
    const unreachable = makeCertificateProvider(() => ({ ...client, beginCreateCertificate: () => Promise.reject(dns) }), testOptions());
    await assert.rejects(unreachable.create(inputs), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.equal(
            err.message,
            'create certificate "authcert" in https://kv1.vault.azure.net/: can\'t reach the vault at https://kv1.vault.azure.net/ (ENOTFOUND: getaddrinfo ENOTFOUND kv1.vault.azure.net). ' +
                "Fix: check the network path from where pulumi runs to the vault: DNS (the vault's private DNS zone), its firewall, and the proxy in HTTPS_PROXY/NO_PROXY if one is set",
        );
        return true;
    });
    // The ordinary provider is untouched by the failing one.
    assert.ok((await provider.create(inputs)).outs);
});

void test("create over a soft-deleted name recovers it and issues a version with the stack's policy", async () => {
    const { vault, provider } = setup();
    const first = await created(provider);
    await provider.delete!(first.id, first.outs);
    assert.ok(vault.deleted.has("authcert"));

    const renewed = { ...spec, subject: "CN=renamed.example.com" };
    const again = await provider.create({ ...inputs, certificate: renewed });
    assert.ok(again.outs);
    assert.deepEqual(vault.calls.slice(-5), ["create:authcert", "getDeleted:authcert", "recover:authcert", "create:authcert", "get:authcert"]);
    assert.equal(vault.deleted.has("authcert"), false);
    assert.notEqual(again.outs.version, first.outs.version, "a new version was issued after recovery");
    assert.equal(vault.live.get("authcert")?.policy.subject, "CN=renamed.example.com");
});

void test("create: 409 without a soft-deleted certificate is a clear error", async () => {
    const { vault, provider } = setup();
    vault.conflictOnCreate = true;
    await assert.rejects(provider.create(inputs), /Key Vault answered 409 Conflict .*Another operation on this certificate is pending/);
});

void test("read: a certificate deleted out of band reads as gone (empty id), so `pulumi up` recreates it", async () => {
    const { vault, provider } = setup();
    const { id, outs } = await created(provider);
    vault.live.delete("authcert");
    const read = await provider.read!(id, outs);
    assert.equal(read.id, "");
});

void test("read: picks up a renewal done by Key Vault (new version and thumbprint, same IDs)", async () => {
    const { vault, provider } = setup();
    const { id, outs } = await created(provider);
    vault.live.get("authcert")?.versions.push({ version: "f".repeat(32), thumbprint: Buffer.alloc(20, 0xab), expiresOn: new Date(Date.UTC(2028, 0, 1)) });
    const read = await provider.read!(id, outs);
    assert.equal(read.id, id);
    assert.equal(read.props?.version, "f".repeat(32));
    assert.equal(read.props?.thumbprint, "AB".repeat(20));
    assert.equal(read.props?.secretId, outs.secretId);
});

void test("diff: vault or name change replaces; policy, tags and purge flag update in place; nothing changed means no changes", async () => {
    const { provider } = setup();
    const { id, outs } = await created(provider);
    const diff = (news: CertificateInputs) => provider.diff!(id, outs, news);

    assert.deepEqual(await diff(inputs), { changes: false, replaces: [] });
    assert.deepEqual(await diff({ ...inputs, vaultUri: "https://KV1.vault.azure.net" }), { changes: false, replaces: [] }, "trailing slash and case are not a change");
    assert.deepEqual((await diff({ ...inputs, vaultUri: "https://kv2.vault.azure.net/" })).replaces, ["vaultUri"]);
    assert.deepEqual((await diff({ ...inputs, certificate: { ...spec, name: "other" } })).replaces, ["certificate"]);
    for (const changed of [
        { ...spec, renewal: { lifetimePercentage: 80 } },
        { ...spec, renewal: { daysBeforeExpiry: 60 } },
        { ...spec, tags: { env: "prod" } },
        { ...spec, validityInMonths: 6 },
        { ...spec, contentType: "application/x-pem-file" as const },
    ]) {
        assert.deepEqual(await diff({ ...inputs, certificate: changed }), { changes: true, replaces: [] }, JSON.stringify(changed));
    }
    assert.deepEqual(await diff({ ...inputs, purgeOnDelete: true }), { changes: true, replaces: [] });
    assert.deepEqual(await diff({ ...inputs, certificate: { ...spec, tags: { env: "dev" } } }), { changes: false, replaces: [] });
});

void test("update: a policy change updates the policy, a tag change the properties, and neither issues a new version", async () => {
    const { vault, provider } = setup();
    const { id, outs } = await created(provider);
    const news = { ...inputs, certificate: { ...spec, renewal: { lifetimePercentage: 75 }, tags: { env: "prod" } } };
    const before = vault.calls.length;
    const result = await provider.update!(id, outs, news);
    assert.deepEqual(vault.calls.slice(before), ["updatePolicy:authcert", "updateProperties:authcert", "get:authcert"]);
    assert.equal(vault.live.get("authcert")?.versions.length, 1);
    assert.equal(result.outs?.version, outs.version);
    assert.deepEqual(vault.live.get("authcert")?.policy.lifetimeActions, [{ lifetimePercentage: 75, action: "AutoRenew" }]);
    assert.deepEqual(vault.live.get("authcert")?.tags, { env: "prod" });

    const tagsOnly = vault.calls.length;
    await provider.update!(id, result.outs!, { ...news, certificate: { ...news.certificate, tags: { env: "test" } } });
    assert.deepEqual(vault.calls.slice(tagsOnly), ["updateProperties:authcert", "get:authcert"]);
});

void test("update: a certificate deleted out of band gives a clear 404 error with the fix", async () => {
    const { vault, provider } = setup();
    const { id, outs } = await created(provider);
    vault.live.delete("authcert");
    await assert.rejects(
        provider.update!(id, outs, { ...inputs, certificate: { ...spec, validityInMonths: 6 } }),
        /Key Vault answered 404, the certificate no longer exists .*pulumi refresh/,
    );
});

void test("delete: soft delete only by default; purge only when purgeOnDelete", async () => {
    const { vault, provider } = setup();
    const a = await created(provider);
    await provider.delete!(a.id, a.outs);
    assert.ok(vault.deleted.has("authcert"), "soft-deleted, recoverable");
    assert.equal(vault.calls.includes("purge:authcert"), false);

    const { vault: vault2, provider: provider2 } = setup();
    const b = await provider2.create({ ...inputs, purgeOnDelete: true });
    await provider2.delete!(b.id, b.outs!);
    assert.equal(vault2.deleted.has("authcert"), false, "purged");
});

void test("delete: already gone is fine; purge protection is a clear error", async () => {
    const { vault, provider } = setup();
    const a = await provider.create({ ...inputs, purgeOnDelete: true });
    vault.live.delete("authcert");
    await provider.delete!(a.id, a.outs!); // no throw: deleted and purged out of band

    const b = await provider.create({ ...inputs, purgeOnDelete: true });
    vault.purgeProtected = true;
    await assert.rejects(provider.delete!(b.id, b.outs!), /purge protection, so the certificate stays soft-deleted.*purgeCertificatesOnDelete to false/);
});

void test("serialization: the provider closure serializes, stays small, requires the SDK at run time, and still works", async () => {
    const provider = makeCertificateProvider();
    const serialized = await pulumi.runtime.serializeFunction(() => provider);
    const text = serialized.text;
    assert.ok(text.length < 150_000, `serialized provider is ${text.length} characters`);
    assert.match(text, /require\("@azure\/keyvault-certificates"\)/);
    assert.match(text, /require\("@azure\/identity"\)/);
    // Captured SDK or Pulumi internals would show up as their class bodies.
    for (const marker of ["class CertificateClient", "class DefaultAzureCredential", "class RestError", "ComponentResource", "grpc"]) {
        assert.equal(text.includes(marker), false, `serialized text contains ${marker}`);
    }
    // Load the serialized module as the dynamic provider host would, and use it.
    const module = { exports: {} as { handler?: () => typeof provider } };
    new Function("exports", "module", "require", text)(module.exports, module, require);
    const revived = module.exports.handler?.();
    assert.ok(revived?.diff);
    const { outs } = await created(setup().provider);
    assert.deepEqual(await revived.diff("id", outs, inputs), { changes: false, replaces: [] });
    assert.deepEqual((await revived.diff("id", outs, { ...inputs, vaultUri: "https://kv2.vault.azure.net/" })).replaces, ["vaultUri"]);
});

void test("KeyVaultCertificate registers as pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate with exactly its inputs", async () => {
    const registered: { type: string; inputs: Record<string, unknown> }[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, inputs: args.inputs as Record<string, unknown> });
                return { id: "https://kv1.vault.azure.net/certificates/authcert", state: args.inputs };
            },
            call: () => ({}),
        },
        "batch-cert-rotation",
        "test",
        false,
    );
    const { KeyVaultCertificate } = await import("../components/certificate");
    const cert = new KeyVaultCertificate("authcert", { vaultUri: VAULT, certificate: spec, purgeOnDelete: false });
    await new Promise<void>((resolve) => cert.urn.apply(() => resolve()));
    assert.equal(registered.length, 1);
    assert.equal(registered[0].type, "pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate");
    const { __provider, ...rest } = registered[0].inputs;
    assert.equal(typeof __provider, "string");
    assert.deepEqual(rest, { vaultUri: VAULT, certificate: spec, purgeOnDelete: false });
    assert.doesNotMatch(JSON.stringify(registered[0].inputs), /PRIVATE KEY/);
});
