import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildKeyVaultExtension, MSI_ENDPOINT } from "../components/extension";
import { ValidationError, validateConfig } from "../components/validation";
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

describe("typeHandlerVersion decides the settings", () => {
    const windowsPool = (image: Record<string, unknown> = { publisher: "microsoftwindowsserver", offer: "windowsserver", sku: "2022-datacenter" }) =>
        ({ vmSize: "Standard_D2s_v5", image, nodeAgentSkuId: "batch.node.windows amd64" });
    const linuxPool = { vmSize: "Standard_D2s_v5", image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" };
    const configOf = (pool: Record<string, unknown>, extension: Record<string, unknown>) =>
        ({ certificates: [{ name: "c", subject: "CN=c" }], pool, keyVaultExtension: extension });
    function problems(raw: Record<string, unknown>): string[] {
        try {
            validateConfig(raw);
        } catch (err) {
            assert.ok(err instanceof ValidationError);
            return err.problems;
        }
        return assert.fail("expected the configuration to be refused");
    }

    it("renders KeyVaultForWindows 4.0 without the settings 4.x dropped, and accepts its own output again", () => {
        const { config } = validateConfig(configOf(windowsPool(), { typeHandlerVersion: "4.0", pollingIntervalInS: 3600 }));
        const ext = buildKeyVaultExtension({ os: "windows", spec: config.keyVaultExtension, msiClientId: CLIENT_ID, observedCertificates: [URL] });
        assert.equal(ext.typeHandlerVersion, "4.0");
        assert.deepEqual(ext.settings.secretsManagementSettings, {
            pollingIntervalInS: "3600",
            observedCertificates: [{ url: URL, certificateStoreLocation: "LocalMachine" }],
        });
        // The stack hands the resolved settings to the component, which validates them again.
        assert.deepEqual(validateConfig(configOf(windowsPool(), config.keyVaultExtension)).config.keyVaultExtension, config.keyVaultExtension);
    });

    const refusals: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
        ["requireInitialSync under Windows 4.0", windowsPool(), { typeHandlerVersion: "4.0", requireInitialSync: false },
            'keyVaultExtension.requireInitialSync: false is not a KeyVaultForWindows 4.x setting (typeHandlerVersion "4.0"); remove it, or use typeHandlerVersion 3.0'],
        ["keyExportable under Windows 4.1", windowsPool(), { typeHandlerVersion: "4.1", keyExportable: true },
            'keyVaultExtension.keyExportable: true is not a KeyVaultForWindows 4.x setting (typeHandlerVersion "4.1"); remove it, or use typeHandlerVersion 3.0'],
        ["linkOnRenewal under Windows 4.0", windowsPool(), { typeHandlerVersion: "4.0", linkOnRenewal: true },
            'keyVaultExtension.linkOnRenewal: true is not a KeyVaultForWindows 4.x setting (typeHandlerVersion "4.0"); remove it, or use typeHandlerVersion 3.0'],
        ["a 60 s poll under Windows 4.0", windowsPool(), { typeHandlerVersion: "4.0", pollingIntervalInS: 60 },
            'keyVaultExtension.pollingIntervalInS: 60 is outside 300..3600 (KeyVaultForWindows 4.x, typeHandlerVersion "4.0")'],
        ["a two-hour poll under Windows 4.0", windowsPool(), { typeHandlerVersion: "4.0", pollingIntervalInS: 7200 },
            'keyVaultExtension.pollingIntervalInS: 7200 is outside 300..3600 (KeyVaultForWindows 4.x, typeHandlerVersion "4.0")'],
        ["Windows Server 2019 under Windows 4.0", windowsPool({ publisher: "microsoftwindowsserver", offer: "windowsserver", sku: "2019-datacenter" }),
            { typeHandlerVersion: "4.0" },
            'pool.image.sku: "2019-datacenter" is not Windows Server 2022 or 2025, the only ones KeyVaultForWindows 4.x supports; ' +
            "use 2022-datacenter or 2025-datacenter, or typeHandlerVersion 3.0"],
        ["KeyVaultForLinux 4.0", linuxPool, { typeHandlerVersion: "4.0" },
            'keyVaultExtension.typeHandlerVersion: "4.0" is KeyVaultForLinux 4.x, which this program does not render: 4.x changes the settings ' +
            "(ACLs always on, no aclEnabled or customSymbolicLinkName, object-form observedCertificates) and Batch support for it is unconfirmed; use 3.0"],
        ["an extension major this program doesn't know", linuxPool, { typeHandlerVersion: "2.0" },
            'keyVaultExtension.typeHandlerVersion: "2.0" is not a version whose settings this program renders (KeyVaultForLinux 3.x; KeyVaultForWindows 3.x or 4.x)'],
    ];
    for (const [title, pool, extension, expected] of refusals) {
        it(`refuses ${title}, naming field, value and rule`, () => assert.deepEqual(problems(configOf(pool, extension)), [expected]));
    }

    it("accepts Windows Server 2025 under 4.0 and warns on an image whose Windows version it can't know", () => {
        assert.deepEqual(validateConfig(configOf(windowsPool({ publisher: "microsoftwindowsserver", offer: "windowsserver", sku: "2025-datacenter" }),
            { typeHandlerVersion: "4.0" })).warnings, []);
        assert.deepEqual(validateConfig(configOf(windowsPool({ publisher: "contoso", offer: "windows-batch", sku: "hardened" }),
            { typeHandlerVersion: "4.0" })).warnings, [
            'pool.image: "contoso/windows-batch/hardened" can\'t be checked offline to be Windows Server 2022 or 2025, the only ones KeyVaultForWindows 4.x supports',
        ]);
    });

    it("keeps 3.0 the default on both OSes, with the how-to's settings", () => {
        assert.equal(spec("linux").typeHandlerVersion, "3.0");
        assert.equal(spec("windows").typeHandlerVersion, "3.0");
        assert.equal(spec("windows").requireInitialSync, true);
        assert.equal(spec("windows").keyExportable, true);
    });
});
