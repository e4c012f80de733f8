// Renewal without a deployment: Lowkey Vault's clock is moved past the
// AutoRenew trigger, Key Vault (emulated) issues a new version, and the
// versionless secret URL the pool observes serves it. Runs after the other
// emulator files (the runner runs files one at a time, in name order),
// because the clock moves for every vault.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { buildKeyVaultExtension } from "../../components/extension";
import type { CertificateInputs } from "../../components/certificateProvider";
import { certificateClient, emulatorProvider, secretClient, selfSignedSpec, shiftTime, uniqueName, vaultUrl } from "./support";

const DAY = 24 * 60 * 60;

async function servedThumbprint(name: string): Promise<string> {
    const secret = await secretClient().getSecret(name);
    const pem = (secret.value ?? "").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
    assert.ok(pem, "the versionless secret serves a PEM certificate");
    return new crypto.X509Certificate(pem).fingerprint.replace(/:/g, "");
}

function poolExtension(secretId: string): string {
    return JSON.stringify(
        buildKeyVaultExtension({
            os: "linux",
            spec: {
                pollingIntervalInS: 300,
                requireInitialSync: true,
                certificateStoreLocation: "/var/lib/waagent/Microsoft.Azure.KeyVault",
                keyExportable: true,
                name: "KVExtensions",
                typeHandlerVersion: "3.0",
                autoUpgradeMinorVersion: true,
            },
            msiClientId: "00000000-0000-0000-0000-000000000001",
            observedCertificates: [secretId],
        }),
    );
}

void test("renewal: past the trigger a new version exists, the versionless secret URL serves it, and the pool request is unchanged", async () => {
    const name = uniqueName("renew");
    const inputs: CertificateInputs = {
        vaultUri: vaultUrl(),
        certificate: selfSignedSpec(name, { contentType: "application/x-pem-file", validityInMonths: 12, renewal: { daysBeforeExpiry: 30 } }),
        purgeOnDelete: true,
    };
    const provider = emulatorProvider();
    const created = await provider.create(inputs);
    const before = created.outs!;
    const extensionBefore = poolExtension(before.secretId);
    assert.equal(await servedThumbprint(name), before.thumbprint);

    // 12 months minus 30 days is about 335 days: 340 days puts the certificate past its AutoRenew trigger.
    await shiftTime(340 * DAY);

    const versions: string[] = [];
    for await (const v of certificateClient().listPropertiesOfCertificateVersions(name)) {
        versions.push(v.version ?? "");
    }
    assert.ok(versions.length >= 2, `a renewal version exists (versions: ${versions.length})`);

    const after = (await provider.read!(created.id, before)).props!;
    assert.notEqual(after.version, before.version, "refresh sees the new version");
    assert.notEqual(after.thumbprint, before.thumbprint, "the new version is a new certificate");
    assert.equal(await servedThumbprint(name), after.thumbprint, "the versionless secret URL now serves the renewed certificate");
    assert.equal(after.secretId, before.secretId);
    assert.equal(poolExtension(after.secretId), extensionBefore, "the pool's extension settings are byte-identical: no redeploy needed");
    assert.deepEqual(await provider.diff!(created.id, after, inputs), { changes: false, replaces: [] }, "a renewal is not drift");
    await provider.delete!(created.id, after);
});
