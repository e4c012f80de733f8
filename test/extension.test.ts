import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildKeyVaultExtension, MSI_ENDPOINT } from "../components/extension";
import { validateConfig } from "../components/validation";
import type { KeyVaultExtensionSpec } from "../components/types";

const URL = "https://testkvwestus2s.vault.azure.net/secrets/authcertforumatesting";
const CLIENT_ID = "b9f6dd56-d2d6-4967-99d7-8062d56fd84c";

function spec(os: "linux" | "windows", extension: Record<string, unknown> = {}): KeyVaultExtensionSpec {
    const pool = os === "linux"
        ? { vmSize: "x", image: { publisher: "canonical", offer: "o", sku: "s" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" }
        : { vmSize: "x", image: { publisher: "microsoftwindowsserver", offer: "windowsserver", sku: "s" }, nodeAgentSkuId: "batch.node.windows amd64" };
    return validateConfig({ certificates: [{ name: "c", subject: "CN=c" }], pool, keyVaultExtension: extension }).config.keyVaultExtension;
}

describe("buildKeyVaultExtension", () => {
    it("shapes Linux settings as the how-to: URL strings, store location beside them", () => {
        const ext = buildKeyVaultExtension({ os: "linux", spec: spec("linux"), msiClientId: CLIENT_ID, observedCertificates: [URL] });
        assert.deepEqual(ext, {
            name: "KVExtensions",
            type: "KeyVaultForLinux",
            publisher: "Microsoft.Azure.KeyVault",
            typeHandlerVersion: "3.0",
            autoUpgradeMinorVersion: true,
            settings: {
                secretsManagementSettings: {
                    pollingIntervalInS: "300",
                    certificateStoreLocation: "/var/lib/waagent/Microsoft.Azure.KeyVault",
                    requireInitialSync: true,
                    observedCertificates: [URL],
                },
                authenticationSettings: { msiEndpoint: "http://169.254.169.254/metadata/identity", msiClientId: CLIENT_ID },
            },
        });
    });

    it("shapes Windows settings as the how-to: one object per certificate with its own store", () => {
        const ext = buildKeyVaultExtension({ os: "windows", spec: spec("windows"), msiClientId: CLIENT_ID, observedCertificates: [URL, `${URL}2`] });
        assert.equal(ext.type, "KeyVaultForWindows");
        assert.deepEqual(ext.settings, {
            secretsManagementSettings: {
                pollingIntervalInS: "300",
                requireInitialSync: true,
                observedCertificates: [
                    { url: URL, certificateStoreLocation: "LocalMachine", keyExportable: true },
                    { url: `${URL}2`, certificateStoreLocation: "LocalMachine", keyExportable: true },
                ],
            },
            authenticationSettings: { msiEndpoint: MSI_ENDPOINT, msiClientId: CLIENT_ID },
        });
    });

    it("carries the troubleshooting switch, polling interval and store name through", () => {
        const ext = buildKeyVaultExtension({
            os: "windows",
            spec: spec("windows", { requireInitialSync: false, pollingIntervalInS: 3600, certificateStoreLocation: "CurrentUser", certificateStoreName: "Root" }),
            msiClientId: CLIENT_ID,
            observedCertificates: [URL],
        });
        assert.deepEqual(ext.settings.secretsManagementSettings, {
            pollingIntervalInS: "3600",
            requireInitialSync: false,
            observedCertificates: [{ url: URL, certificateStoreLocation: "CurrentUser", certificateStoreName: "Root", keyExportable: true }],
        });
    });

    it("sends the polling interval as a string, as the extension expects", () => {
        const ext = buildKeyVaultExtension({ os: "linux", spec: spec("linux", { pollingIntervalInS: 600 }), msiClientId: CLIENT_ID, observedCertificates: [URL] });
        assert.equal(ext.settings.secretsManagementSettings.pollingIntervalInS, "600");
    });
});
