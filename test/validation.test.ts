import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { durationSeconds, validateConfig } from "../components/validation";
import { problems } from "./support/refusal";

function base(): Record<string, unknown> {
    return {
        keyVault: { authorization: "accessPolicy" },
        certificates: [{ name: "authcert", subject: "CN=batch.example.com", validityInMonths: 12, renewal: { daysBeforeExpiry: 30 } }],
        pool: {
            vmSize: "Standard_D2s_v5",
            image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
            nodeAgentSkuId: "batch.node.ubuntu 24.04",
        },
    };
}

/** A deep copy of base() with one path set (or deleted when value is undefined). */
function withField(path: string, value: unknown): Record<string, unknown> {
    const config = base();
    const keys = path.split(".");
    let target = config as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
        const next = target[key] ?? {};
        target[key] = Array.isArray(next) ? [...next] : { ...(next as object) };
        target = target[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (value === undefined) delete target[last];
    else target[last] = value;
    return config;
}

function windows(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        ...base(),
        pool: {
            vmSize: "Standard_D2s_v5",
            image: { publisher: "microsoftwindowsserver", offer: "windowsserver", sku: "2022-datacenter" },
            nodeAgentSkuId: "batch.node.windows amd64",
        },
        ...extra,
    };
}

const cert = (fields: Record<string, unknown>) => [{ name: "authcert", subject: "CN=batch.example.com", ...fields }];

describe("validateConfig rejects bad input naming field, value and rule", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["days past validity x 27", withField("certificates", cert({ validityInMonths: 12, renewal: { daysBeforeExpiry: 400 } })),
            "certificates[0].renewal.daysBeforeExpiry: 400 is outside 1..324 (validityInMonths 12 x 27)"],
        ["both renewal triggers", withField("certificates", cert({ renewal: { daysBeforeExpiry: 30, lifetimePercentage: 80 } })),
            'certificates[0].renewal: {"daysBeforeExpiry":30,"lifetimePercentage":80} sets both daysBeforeExpiry and lifetimePercentage; Key Vault takes exactly one trigger'],
        ["no renewal trigger", withField("certificates", cert({ renewal: {} })),
            "certificates[0].renewal: is required (one of daysBeforeExpiry or lifetimePercentage)"],
        ["lifetime percentage 100", withField("certificates", cert({ renewal: { lifetimePercentage: 100 } })),
            "certificates[0].renewal.lifetimePercentage: 100 is outside 1..99"],
        ["fractional validity", withField("certificates", cert({ validityInMonths: 1.5 })),
            "certificates[0].validityInMonths: 1.5 must be a whole number"],
        ["RSA 1024", withField("certificates", cert({ keySize: 1024 })),
            "certificates[0].keySize: 1024 is not one of 2048, 3072, 4096"],
        ["unknown key type", withField("certificates", cert({ keyType: "DSA" })),
            'certificates[0].keyType: "DSA" is not one of RSA, RSA-HSM, EC, EC-HSM'],
        ["curve on RSA", withField("certificates", cert({ curve: "P-256" })),
            'certificates[0].curve: "P-256" applies to EC keys only; remove it or set keyType: EC'],
        ["key size on EC", withField("certificates", cert({ keyType: "EC", keySize: 2048 })),
            "certificates[0].keySize: 2048 applies to RSA keys only; for EC keys set curve"],
        ["HSM key on a standard vault", withField("certificates", cert({ keyType: "RSA-HSM" })),
            'certificates[0].keyType: "RSA-HSM" needs an HSM-backed vault; set keyVault.sku: premium or use RSA/EC'],
        ["certificate name with underscore", withField("certificates", [{ name: "auth_cert", subject: "CN=x" }]),
            'certificates[0].name: "auth_cert" must be 1-127 characters of letters, digits and \'-\''],
        ["duplicate certificate names", withField("certificates", [{ name: "a", subject: "CN=a" }, { name: "A", subject: "CN=b" }]),
            'certificates[1].name: "A" repeats certificates[0].name; certificate names must be unique in a vault'],
        ["empty certificate list", withField("certificates", []),
            "certificates: [] is empty; the pool needs at least one certificate to observe"],
        ["subject not X.500", withField("certificates", cert({ subject: "batch.example.com" })),
            'certificates[0].subject: "batch.example.com" must be an X.500 distinguished name such as CN=batch.example.com'],
        ["unknown content type", withField("certificates", cert({ contentType: "application/json" })),
            'certificates[0].contentType: "application/json" is not one of application/x-pkcs12, application/x-pem-file'],
        ["vault name too short", withField("keyVault.name", "kv"), 'keyVault.name: "kv" must be 3-24 characters long'],
        ["vault name with --", withField("keyVault.name", "kv--batch"), 'keyVault.name: "kv--batch" must not contain consecutive hyphens (\'--\')'],
        ["vault name starting with a digit", withField("keyVault.name", "1vault"),
            'keyVault.name: "1vault" must start with a letter, end with a letter or digit, and contain only letters, digits and \'-\''],
        ["vault name other than the adopted vault's", withField("keyVault", { name: "other",
            id: "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/testkv" }),
            'keyVault.name: "other" does not match the vault named in keyVault.id (testkv); give one or the other'],
        ["retention 5 days", withField("keyVault.softDeleteRetentionInDays", 5), "keyVault.softDeleteRetentionInDays: 5 is outside 7..90"],
        ["unknown authorization", withField("keyVault.authorization", "acl"), 'keyVault.authorization: "acl" is not one of accessPolicy, rbac'],
        ["purge protection as a string", withField("keyVault.purgeProtection", "true"),
            'keyVault.purgeProtection: "true" must be true or false (a YAML boolean, not a string)'],
        ["purge on delete with purge protection", withField("keyVault.purgeCertificatesOnDelete", true),
            "keyVault.purgeCertificatesOnDelete: true can't be honoured while keyVault.purgeProtection is true (a protected vault refuses purges); turn one of them off"],
        ["pool name with a space", withField("pool.name", "my pool"), 'pool.name: "my pool" must be 1-64 characters of letters, digits, \'-\' and \'_\''],
        ["Windows SKU on a Linux image", withField("pool.nodeAgentSkuId", "batch.node.windows amd64"),
            'pool.nodeAgentSkuId: "batch.node.windows amd64" does not match the Linux image canonical/ubuntu-24_04-lts/server; use batch.node.windows amd64 for Windows images and a batch.node.<distro> SKU for Linux ones'],
        ["resize timeout under 5 minutes", withField("pool.resizeTimeout", "PT2M"), 'pool.resizeTimeout: "PT2M" is shorter than the minimum of 5 minutes (PT5M)'],
        ["resize timeout not ISO 8601", withField("pool.resizeTimeout", "15m"), 'pool.resizeTimeout: "15m" is not an ISO 8601 duration such as PT15M'],
        ["unknown node fill type", withField("pool.nodeFillType", "Fill"), 'pool.nodeFillType: "Fill" is not one of Pack, Spread'],
        ["missing vm size", withField("pool.vmSize", undefined), "pool.vmSize: is required (an Azure VM size such as Standard_D2s_v5)"],
        ["polling interval zero", withField("keyVaultExtension", { pollingIntervalInS: 0 }),
            "keyVaultExtension.pollingIntervalInS: 0 is outside 1..2147483647"],
        ["polling interval not whole", withField("keyVaultExtension", { pollingIntervalInS: "5m" }),
            'keyVaultExtension.pollingIntervalInS: "5m" must be a whole number'],
        ["requireInitialSync as a string", withField("keyVaultExtension", { requireInitialSync: "false" }),
            'keyVaultExtension.requireInitialSync: "false" must be true or false (a YAML boolean, not a string)'],
        ["relative Linux store", withField("keyVaultExtension", { certificateStoreLocation: "certs" }),
            'keyVaultExtension.certificateStoreLocation: "certs" must be an absolute path on a Linux pool, such as /var/lib/waagent/Microsoft.Azure.KeyVault'],
        ["path as a Windows store", windows({ keyVaultExtension: { certificateStoreLocation: "/var/lib/certs" } }),
            'keyVaultExtension.certificateStoreLocation: "/var/lib/certs" is not one of LocalMachine, CurrentUser'],
        ["store name on Linux", withField("keyVaultExtension", { certificateStoreName: "My" }),
            'keyVaultExtension.certificateStoreName: "My" applies to Windows pools only; remove it'],
        // Deliberately changed: the nearest known key instead of the value and every known key.
        ["misspelt key", withField("keyVault.purgeProtecton", true),
            'keyVault.purgeProtecton: unknown key; did you mean "purgeProtection"?'],
        ["key in the wrong case", withField("pool.vmsize", "Standard_D2s_v5"),
            'pool.vmsize: unknown key; did you mean "vmSize"?'],
        ["misspelt top-level key", { ...base(), keyVaultExtention: { pollingIntervalInS: 300 } },
            'keyVaultExtention: unknown key; did you mean "keyVaultExtension"?'],
        ["misspelt key in a list item", withField("certificates", cert({ validityInMonth: 12 })),
            'certificates[0].validityInMonth: unknown key; did you mean "validityInMonths"?'],
        ["unknown key near no known one", withField("pool.image", {
            publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", galleryImageId: "/subscriptions/x/images/y" }),
            "pool.image.galleryImageId: unknown key; expected one of publisher, offer, sku, version"],
        ["renewal window no longer than the polling interval (days)",
            { ...withField("certificates", cert({ renewal: { daysBeforeExpiry: 1 } })), keyVaultExtension: { pollingIntervalInS: 86400 } },
            "keyVaultExtension.pollingIntervalInS: 86400 is not shorter than the renewal window of certificates[0] " +
            "(renewal.daysBeforeExpiry 1: 86400 s); a node can keep an expired certificate until its next poll: poll more often or renew earlier"],
        ["renewal window no longer than the polling interval (percentage)",
            { ...withField("certificates", cert({ validityInMonths: 1, renewal: { lifetimePercentage: 99 } })), keyVaultExtension: { pollingIntervalInS: 86400 } },
            "keyVaultExtension.pollingIntervalInS: 86400 is not shorter than the renewal window of certificates[0] " +
            "(renewal.lifetimePercentage 99 leaves 1% of validityInMonths 1, counting 28-day months: 24192 s); " +
            "a node can keep an expired certificate until its next poll: poll more often or renew earlier"],
        ["renewal window of the default trigger", { ...base(), certificates: [{ name: "c", subject: "CN=c", validityInMonths: 1 }],
            keyVaultExtension: { pollingIntervalInS: "500000" } },
            "keyVaultExtension.pollingIntervalInS: 500000 is not shorter than the renewal window of certificates[0] " +
            "(renewal.lifetimePercentage 80 leaves 20% of validityInMonths 1, counting 28-day months: 483840 s); " +
            "a node can keep an expired certificate until its next poll: poll more often or renew earlier"],
        ["identity ID of another type", withField("identity", { id: "/subscriptions/x/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm" }),
            'identity.id: "/subscriptions/x/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm" must be a user-assigned identity resource ID: /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>'],
        ["uppercase Batch account", withField("batchAccount", { name: "MyBatch", resourceGroupName: "rg" }),
            'batchAccount.name: "MyBatch" must be 3-24 lowercase letters and digits'],
        ["issuer Unknown", withField("certificates", cert({ issuer: "Unknown" })),
            'certificates[0].issuer: "Unknown" means manual issuance, which Key Vault never renews automatically; use Self or a DigiCert/GlobalSign issuer'],
    ];
    for (const [title, config, message] of cases) {
        it(title, () => assert.deepEqual(problems(config), [message]));
    }

    it("reports every problem at once", () => {
        const config = withField("certificates", cert({ keySize: 1024, validityInMonths: 0 }));
        assert.deepEqual(problems(config), [
            "certificates[0].validityInMonths: 0 is outside 1..120",
            "certificates[0].keySize: 1024 is not one of 2048, 3072, 4096",
        ]);
    });

    it("keyVault.existingAccessPolicies needs an adopted access-policy vault; recover a created one", () => {
        const adopted = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-shared";
        assert.deepEqual(problems(withField("keyVault.existingAccessPolicies", ["deployer"])), [
            'keyVault.existingAccessPolicies: ["deployer"] applies only to a vault adopted by keyVault.id (a vault the stack creates has no policies of its own)',
        ]);
        assert.deepEqual(problems({ ...base(), keyVault: { id: adopted, authorization: "rbac", existingAccessPolicies: ["identity"] } }), [
            'keyVault.existingAccessPolicies: ["identity"] applies only with authorization: accessPolicy (an RBAC vault is granted by role assignments)',
        ]);
        assert.doesNotThrow(() => validateConfig({ ...base(), keyVault: { id: adopted, existingAccessPolicies: ["deployer", "identity"] } }));
        assert.match(problems({ ...base(), keyVault: { id: adopted, existingAccessPolicies: ["owner"] } })[0] ?? "", /^keyVault\.existingAccessPolicies\[0\]: "owner" is not one of identity, deployer$/);
        assert.deepEqual(problems({ ...base(), keyVault: { id: adopted, recover: true } }), [
            "keyVault.recover: true applies only to a vault the stack creates; an adopted vault (keyVault.id) is recovered by its owner",
        ]);
    });

    it("never prints an unknown key's value", () => {
        assert.deepEqual(problems(withField("keyVault.pasword", "s3cr3t-value")), [
            "keyVault.pasword: unknown key; expected one of name, id, authorization, purgeProtection, softDeleteRetentionInDays, sku, purgeCertificatesOnDelete, network, existingAccessPolicies, lock, recover, certificateContacts",
        ]);
    });

    it("checks relations even when a neighbouring field is wrong", () => {
        assert.deepEqual(problems({
            ...withField("pool.targetDedicatedNodes", -1),
            certificates: cert({ keyType: "EC-HSM", validityInMonths: 0, renewal: { daysBeforeExpiry: 1 } }),
            keyVaultExtension: { pollingIntervalInS: 100000 },
        }), [
            "certificates[0].validityInMonths: 0 is outside 1..120",
            'certificates[0].keyType: "EC-HSM" needs an HSM-backed vault; set keyVault.sku: premium or use RSA/EC',
            "pool.targetDedicatedNodes: -1 is outside 0..10000",
            "keyVaultExtension.pollingIntervalInS: 100000 is not shorter than the renewal window of certificates[0] " +
            "(renewal.daysBeforeExpiry 1: 86400 s); a node can keep an expired certificate until its next poll: poll more often or renew earlier",
        ]);
    });

    it("accepts a renewal window just longer than the polling interval", () => {
        const config = { ...withField("certificates", cert({ renewal: { daysBeforeExpiry: 1 } })), keyVaultExtension: { pollingIntervalInS: 86399 } };
        assert.equal(validateConfig(config).config.keyVaultExtension.pollingIntervalInS, 86399);
    });

    it("reports a missing pool and certificates", () => {
        assert.deepEqual(problems({}), [
            "certificates: is required (a list of at least one certificate)",
            "pool: is required (a pool, or several under pools)",
        ]);
    });
});

describe("validateConfig defaults and warnings", () => {
    it("applies secure and how-to defaults", () => {
        const { config, warnings } = validateConfig({ ...base(), certificates: [{ name: "c", subject: "CN=c" }] });
        assert.deepEqual(warnings, []);
        assert.equal(config.osFamily, "linux");
        assert.deepEqual(config.keyVault, {
            name: undefined, id: undefined, authorization: "accessPolicy", purgeProtection: true, softDeleteRetentionInDays: 90,
            sku: "standard", purgeCertificatesOnDelete: false, network: undefined, existingAccessPolicies: undefined, lock: false, recover: false,
            certificateContacts: undefined,
        });
        assert.deepEqual(config.certificates[0], {
            name: "c", subject: "CN=c", dnsNames: [], validityInMonths: 12, renewal: { lifetimePercentage: 80 }, emailWarning: undefined, keyType: "RSA",
            keySize: 2048, curve: undefined, contentType: "application/x-pkcs12", issuer: "Self", tags: {}, acls: undefined,
        });
        assert.deepEqual(config.keyVaultExtension, {
            pollingIntervalInS: 300, requireInitialSync: true, certificateStoreLocation: "/var/lib/waagent/Microsoft.Azure.KeyVault",
            certificateStoreName: undefined, accounts: undefined, linkOnRenewal: undefined, keyExportable: undefined, name: "KVExtensions", typeHandlerVersion: "3.0",
            autoUpgradeMinorVersion: true,
        });
        assert.equal(config.pool?.resizeTimeout, "PT15M");
        assert.equal(config.pool?.nodeFillType, "Pack");
        assert.equal(config.pool?.image.version, "latest");
        // Batch's own network, and the communication mode that outlives 2026-03-31.
        assert.deepEqual(config.pool?.network, { subnetId: undefined, publicIPAddresses: "batchManaged", ipAddressIds: undefined, nodeCommunicationMode: "Simplified" });
    });

    it("gives Windows pools LocalMachine and exportable keys", () => {
        const { config } = validateConfig(windows());
        assert.equal(config.osFamily, "windows");
        assert.equal(config.keyVaultExtension.certificateStoreLocation, "LocalMachine");
        assert.equal(config.keyVaultExtension.keyExportable, true);
    });

    it("accepts its own output again (the component re-validates what the stack resolved)", () => {
        const first = validateConfig(windows()).config;
        const again = validateConfig({
            keyVault: first.keyVault, certificates: first.certificates, pool: first.pool,
            keyVaultExtension: first.keyVaultExtension, tags: first.tags,
        }).config;
        assert.deepEqual(again, first);
    });

    it("treats the project default {} for batchAccount and identity as absent", () => {
        const { config } = validateConfig({ ...base(), batchAccount: {}, identity: {} });
        assert.equal(config.batchAccount, undefined);
        assert.equal(config.identity, undefined);
    });

    it("warns, without failing, on what Azure may refuse", () => {
        const { warnings } = validateConfig({
            ...base(),
            pool: {
                vmSize: "STANDARD_DS2_V2",
                image: { publisher: "canonical", offer: "ubuntuserver", sku: "20.04-lts" },
                nodeAgentSkuId: "batch.node.ubuntu 20.04",
            },
            certificates: cert({ issuer: "MyDigiCert" }),
        });
        assert.deepEqual(warnings, [
            'certificates[0].issuer: "MyDigiCert" must name a DigiCert or GlobalSign issuer configured in the vault: only those and Self renew automatically',
            'pool.vmSize: "STANDARD_DS2_V2" is a size of the D/Ds/Dv2/Dsv2/Ls families: retirement announced on 2026-05-15, no date given; ' +
            "use a current general-purpose size such as Standard_D2s_v5 (or Standard_L8s_v3 for storage-optimized) (https://github.com/Azure/Batch/issues/140)",
            'pool.nodeAgentSkuId: "batch.node.ubuntu 20.04" is the Ubuntu 20.04 node agent, unsupported by Azure since 2025-04-23 (end of Batch support); ' +
            "use batch.node.ubuntu 24.04 with canonical/ubuntu-24_04-lts/server (https://github.com/Azure/Batch/issues/174)",
        ]);
    });

    it("warns when a Windows polling interval is outside what newer extensions accept", () => {
        const { warnings } = validateConfig(windows({ keyVaultExtension: { pollingIntervalInS: 60 } }));
        assert.deepEqual(warnings, [
            "keyVaultExtension.pollingIntervalInS: 60 is outside 300..3600, which KeyVaultForWindows 4.x refuses",
        ]);
    });

    it("accepts the how-to's string polling interval", () => {
        assert.equal(validateConfig(withField("keyVaultExtension", { pollingIntervalInS: "300" })).config.keyVaultExtension.pollingIntervalInS, 300);
    });
});

describe("the definition's building blocks", () => {
    it("resolve a map of objects at <path>.<key>, for keys such as pools", async () => {
        const { At, mapOf, object, int } = await import("../components/config/kit");
        const pools = mapOf(object({ size: int({ docs: { description: "" }, range: [1, 3], default: 1 }) }, { docs: { description: "" } }),
            { docs: { description: "" }, default: {} });
        const report = { problems: [] as string[], warnings: [] as string[] };
        const resolved = pools.resolve({ linux: {}, windows: { size: 9, sise: 1 } }, new At("pools", report));
        assert.deepEqual(resolved, { linux: { size: 1 }, windows: { size: 1 } });
        assert.deepEqual(report.problems, [
            'pools.windows.sise: unknown key; did you mean "size"?',
            "pools.windows.size: 9 is outside 1..3",
        ]);
    });
});

describe("durationSeconds", () => {
    for (const [text, seconds] of [["PT15M", 900], ["PT5M", 300], ["PT1H30M", 5400], ["P1D", 86400], ["PT90S", 90]] as const) {
        it(`${text} is ${seconds} s`, () => assert.equal(durationSeconds(text), seconds));
    }
    for (const text of ["15M", "PT", "P", "PT5X", ""]) {
        it(`${JSON.stringify(text)} is not a duration`, () => assert.equal(durationSeconds(text), undefined));
    }
});

describe("retired node agent SKUs", () => {
    it("warn in validation for every node agent the policy pack flags, or fail where Azure refuses them", async () => {
        const { LIFECYCLE } = await import("../components/lifecycle");
        const { ruleByName } = await import("../policy/rules");
        const rule = ruleByName("pool-node-agent-sku-not-retired");
        const skus = ["batch.node.ubuntu 22.04", "batch.node.ubuntu 20.04", "batch.node.ubuntu 18.04", "batch.node.ubuntu 16.04",
            "batch.node.ubuntu 14.04", "batch.node.centos 7", "batch.node.centos 8", "batch.node.debian 8", "batch.node.debian 9", "batch.node.debian 10"];
        for (const sku of skus) {
            const fact = LIFECYCLE.find((f) => f.subject === "nodeAgentSkuId" && f.test(sku));
            assert.ok(fact, `${sku} has a lifecycle row`);
            assert.ok(rule.description.includes(sku), `the policy rule names ${sku}`);
            const config = withField("pool.nodeAgentSkuId", sku);
            const prefix = `pool.nodeAgentSkuId: ${JSON.stringify(sku)} is `;
            if (fact.after === "refused" && fact.date !== undefined && fact.date < "2026-12-02") {
                assert.ok(problems(config).some((p) => p.startsWith(prefix)), sku);
            } else {
                const { warnings } = validateConfig(config, { today: new Date("2026-12-02") });
                assert.ok(warnings.some((w) => w.startsWith(prefix)), `${sku}: ${warnings.join("; ")}`);
            }
        }
    });
});
