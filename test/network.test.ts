// Private networks and on-node access (issue 10): the config's rules with
// their messages, the pool's and the vault's network bodies as the Batch
// 2024-07-01 and Key Vault 2024-11-01 specs shape them, the extension's ACLs
// and accounts, and the private endpoint with its DNS as component children
// ordered before the certificates and the pool.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildKeyVaultExtension } from "../components/extension";
import { buildPoolNetworkSettings, buildVaultNetworkAcls, privateDnsZoneForRegion, type VaultNetworkSpec } from "../components/network";
import type { KeyVaultExtensionSpec } from "../components/types";
import { ValidationError, validateConfig } from "../components/validation";
import { configFromValues } from "../tools/plan/config";
import { planLoaded } from "../tools/plan/run";
import type { PlanDocument } from "../policy/planDocument";

const SUB = "00000000-0000-0000-0000-000000000000";
const VNET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-batch`;
const NODES = `${VNET}/subnets/nodes`;
const ENDPOINTS = `${VNET}/subnets/endpoints`;
const OTHER_VNET_SUBNET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/endpoints`;
const PUBLIC_IP = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/publicIPAddresses/batch-ip-1`;

type Config = Record<string, unknown>;

const LINUX_POOL = {
    vmSize: "Standard_D2s_v5",
    image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" },
    nodeAgentSkuId: "batch.node.ubuntu 24.04",
};
const WINDOWS_POOL = {
    vmSize: "Standard_D2s_v5",
    image: { publisher: "microsoftwindowsserver", offer: "windowsserver", sku: "2022-datacenter" },
    nodeAgentSkuId: "batch.node.windows amd64",
};

function config(fields: { pool?: Config; keyVault?: Config; certificate?: Config; keyVaultExtension?: Config } = {}): Config {
    return {
        keyVault: { authorization: "rbac", ...fields.keyVault },
        certificates: [{ name: "authcert", subject: "CN=batch.example.com", ...fields.certificate }],
        pool: { ...LINUX_POOL, ...fields.pool },
        ...(fields.keyVaultExtension ? { keyVaultExtension: fields.keyVaultExtension } : {}),
    };
}

function problems(c: Config): string[] {
    try {
        validateConfig(c);
    } catch (err) {
        assert.ok(err instanceof ValidationError, String(err));
        return err.problems;
    }
    return assert.fail("expected the configuration to be rejected");
}

const inNodes = { network: { subnetId: NODES, publicIPAddresses: "none" } };

describe("network and access configuration: bad input names field, value and rule", () => {
    const cases: [string, Config, string][] = [
        ["a subnet ID that is a vnet ID", config({ pool: { network: { subnetId: VNET } } }),
            `pool.network.subnetId: "${VNET}" must be a subnet resource ID: ` +
            "/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>"],
        ["an unknown public IP mode", config({ pool: { network: { publicIPAddresses: "off" } } }),
            'pool.network.publicIPAddresses: "off" is not one of none, batchManaged, userManaged'],
        ["no public IPs without a subnet", config({ pool: { network: { publicIPAddresses: "none" } } }),
            'pool.network.publicIPAddresses: "none" needs pool.network.subnetId: Batch offers this only in a virtual network you provide'],
        ["userManaged without addresses", config({ pool: { network: { subnetId: NODES, publicIPAddresses: "userManaged" } } }),
            "pool.network.ipAddressIds: is required (one or more public IP resource IDs with publicIPAddresses: userManaged)"],
        ["addresses without userManaged", config({ pool: { network: { subnetId: NODES, ipAddressIds: [PUBLIC_IP] } } }),
            `pool.network.ipAddressIds: ${JSON.stringify([PUBLIC_IP])} applies only with publicIPAddresses: userManaged (here batchManaged); ` +
            "remove it or set publicIPAddresses: userManaged"],
        ["an unknown communication mode", config({ pool: { network: { nodeCommunicationMode: "Default" } } }),
            'pool.network.nodeCommunicationMode: "Default" is not one of Simplified, Classic'],
        ["a misspelt network key", config({ pool: { network: { subnetID: NODES } } }),
            'pool.network.subnetID: unknown key; did you mean "subnetId"?'],
        ["public access disabled without an endpoint", config({ pool: inNodes, keyVault: { network: { publicNetworkAccess: "Disabled" } } }),
            'keyVault.network.publicNetworkAccess: "Disabled" needs keyVault.network.privateEndpoint: with public access off, a private endpoint is the only way in'],
        ["a /32 IP rule", config({ pool: inNodes, keyVault: { network: { ipRules: ["203.0.113.7/32"] } } }),
            'keyVault.network.ipRules[0]: "203.0.113.7/32" is a /31 or /32 range, which Key Vault refuses; give the address without a prefix'],
        ["an IPv6 rule", config({ pool: inNodes, keyVault: { network: { ipRules: ["2001:db8::/32"] } } }),
            'keyVault.network.ipRules[0]: "2001:db8::/32" must be an IPv4 address or CIDR range such as 203.0.113.0/24 (Key Vault has no IPv6 rules)'],
        ["a Deny vault and a pool outside any subnet", config({ keyVault: { network: { ipRules: ["203.0.113.0/24"] } } }),
            "pool.network.subnetId: is required (the vault denies by default (keyVault.network), and nodes outside a subnet reach it " +
            "from Batch's public addresses, which no vault rule can name)"],
        ["allowed subnets that leave the pool out", config({ pool: inNodes, keyVault: { network: { allowedSubnetIds: [ENDPOINTS], ipRules: ["203.0.113.0/24"] } } }),
            `pool.network.subnetId: "${NODES}" is not in keyVault.network.allowedSubnetIds, and the vault denies by default: ` +
            "add it, or give the vault a private endpoint in its network"],
        ["a private endpoint in another virtual network",
            config({ pool: inNodes, keyVault: { network: { privateEndpoint: { subnetId: OTHER_VNET_SUBNET }, publicNetworkAccess: "Disabled", deployerInNetwork: true } } }),
            `pool.network.subnetId: "${NODES}" is not in the private endpoint's virtual network ` +
            `(/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub), which is the only one the created DNS zone ` +
            "is linked to; the vault would refuse these nodes: put the endpoint in this network or give privateDnsZoneId"],
        ["a vault network on an adopted vault",
            config({ pool: inNodes, keyVault: { id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-adopted`, network: {} } }),
            "keyVault.network: can't be applied to an adopted vault (keyVault.id): configure its firewall and endpoints where the vault is managed"],
        ["ACLs on a Windows pool", config({ pool: WINDOWS_POOL, certificate: { acls: [{ user: "batchtask" }] } }),
            'certificates[0].acls: [{"user":"batchtask"}] applies to Linux pools only (the Linux extension\'s ACLs), and only Windows pools observe ' +
            "this certificate; on Windows use keyVaultExtension.accounts"],
        ["an ACL naming nobody", config({ certificate: { acls: [{}] } }),
            "certificates[0].acls[0]: is required (user and/or group)"],
        ["an ACL user that isn't a Linux name", config({ certificate: { acls: [{ user: "batch task" }] } }),
            'certificates[0].acls[0].user: "batch task" must be a Linux user name'],
        ["accounts on a Linux pool", config({ keyVaultExtension: { accounts: ["batchtask"] } }),
            'keyVaultExtension.accounts: ["batchtask"] applies to Windows pools only; remove it'],
        ["linkOnRenewal on a Linux pool", config({ keyVaultExtension: { linkOnRenewal: true } }),
            "keyVaultExtension.linkOnRenewal: true applies to Windows pools only; remove it"],
        ["certificateStoreName on a Linux pool", config({ keyVaultExtension: { certificateStoreName: "My" } }),
            'keyVaultExtension.certificateStoreName: "My" applies to Windows pools only; remove it'],
    ];
    for (const [title, c, expected] of cases) {
        it(title, () => assert.deepEqual(problems(c), [expected]));
    }

    it("warns on Classic communication until its retirement on 2026-03-31 and refuses it after", () => {
        const classic = config({ pool: { network: { nodeCommunicationMode: "Classic" } } });
        const source = "https://learn.microsoft.com/azure/batch/simplified-compute-node-communication";
        assert.deepEqual(validateConfig(classic, { today: new Date("2026-03-31T23:59:59Z") }).warnings, [
            'pool.network.nodeCommunicationMode: "Classic" is classic node communication: retirement on 2026-03-31; after that day Azure refuses it; ' +
            `use Simplified (the default: outbound-only, no inbound ports to open) (${source})`,
        ]);
        assert.deepEqual(problems(classic), [
            'pool.network.nodeCommunicationMode: "Classic" is classic node communication, refused by Azure since 2026-03-31 (retirement); ' +
            `use Simplified (the default: outbound-only, no inbound ports to open) (${source})`,
        ]);
    });

    it("warns when the vault would refuse the deployer, unless the deployment runs inside the network", () => {
        const denied = validateConfig(config({ pool: inNodes, keyVault: { network: {} } }));
        assert.deepEqual(denied.warnings, [
            'keyVault.network: {"defaultAction":"Deny","ipRules":[]} would refuse the deployer, who creates and renews the certificates ' +
            "(403 ForbiddenByFirewall): add the deployer's address to ipRules or run it inside the network, then set deployerInNetwork: true",
        ]);
        const privateOnly = validateConfig(config({
            pool: inNodes,
            keyVault: { network: { privateEndpoint: { subnetId: ENDPOINTS }, publicNetworkAccess: "Disabled", ipRules: ["203.0.113.0/24"] } },
        }));
        assert.match(privateOnly.warnings.join("\n"), /publicNetworkAccess":"Disabled"\} would refuse the deployer.*run the deployment inside the network/);
        assert.deepEqual(validateConfig(config({ pool: inNodes, keyVault: { network: { ipRules: ["203.0.113.0/24"] } } })).warnings, []);
        assert.deepEqual(validateConfig(config({ pool: inNodes, keyVault: { network: { deployerInNetwork: true } } })).warnings, []);
    });

    it("accepts a private setup with defaults filled in", () => {
        const { config: resolved, warnings } = validateConfig(config({
            pool: inNodes,
            keyVault: { network: { privateEndpoint: { subnetId: ENDPOINTS }, publicNetworkAccess: "Disabled", deployerInNetwork: true } },
            certificate: { acls: [{ user: "batchtask" }, { group: "batch" }] },
        }));
        assert.deepEqual(warnings, []);
        assert.deepEqual(resolved.keyVault.network, {
            defaultAction: "Deny",
            bypass: "AzureServices",
            allowedSubnetIds: undefined,
            ipRules: [],
            privateEndpoint: { subnetId: ENDPOINTS, privateDnsZoneId: undefined },
            publicNetworkAccess: "Disabled",
            deployerInNetwork: true,
        });
        assert.deepEqual(resolved.pool?.network, { subnetId: NODES, publicIPAddresses: "none", ipAddressIds: undefined, nodeCommunicationMode: "Simplified" });
    });
});

describe("network bodies", () => {
    const poolNetwork = (network: Partial<Parameters<typeof buildPoolNetworkSettings>[0]>) => buildPoolNetworkSettings({
        publicIPAddresses: "batchManaged", nodeCommunicationMode: "Simplified", ...network,
    });

    it("leaves networkConfiguration out for Batch's own network, and always says Simplified", () => {
        assert.deepEqual(poolNetwork({}), { targetNodeCommunicationMode: "Simplified" });
    });

    it("renders a subnet without public IPs, and user-managed IPs, as Batch 2024-07-01 NetworkConfiguration", () => {
        assert.deepEqual(poolNetwork({ subnetId: NODES, publicIPAddresses: "none" }), {
            networkConfiguration: { subnetId: NODES, publicIPAddressConfiguration: { provision: "NoPublicIPAddresses" } },
            targetNodeCommunicationMode: "Simplified",
        });
        assert.deepEqual(poolNetwork({ subnetId: NODES, publicIPAddresses: "userManaged", ipAddressIds: [PUBLIC_IP], nodeCommunicationMode: "Classic" }), {
            networkConfiguration: { subnetId: NODES, publicIPAddressConfiguration: { provision: "UserManaged", ipAddressIds: [PUBLIC_IP] } },
            targetNodeCommunicationMode: "Classic",
        });
        assert.deepEqual(poolNetwork({ subnetId: NODES }).networkConfiguration, { subnetId: NODES });
    });

    const vaultNetwork: VaultNetworkSpec = {
        defaultAction: "Deny", bypass: "AzureServices", ipRules: ["203.0.113.0/24"], publicNetworkAccess: "Enabled", deployerInNetwork: false,
    };

    it("lets the pools' subnets through the vault's firewall by default, and none behind a private endpoint", () => {
        assert.deepEqual(buildVaultNetworkAcls(vaultNetwork, [NODES, NODES]), {
            defaultAction: "Deny", bypass: "AzureServices", ipRules: [{ value: "203.0.113.0/24" }], virtualNetworkRules: [{ id: NODES }],
        });
        assert.deepEqual(buildVaultNetworkAcls({ ...vaultNetwork, privateEndpoint: { subnetId: ENDPOINTS } }, [NODES]).virtualNetworkRules, []);
        assert.deepEqual(buildVaultNetworkAcls({ ...vaultNetwork, allowedSubnetIds: [ENDPOINTS] }, [NODES]).virtualNetworkRules, [{ id: ENDPOINTS }]);
    });

    it("picks the private DNS zone from the region's cloud, sovereign clouds included", () => {
        assert.equal(privateDnsZoneForRegion("westeurope"), "privatelink.vaultcore.azure.net");
        assert.equal(privateDnsZoneForRegion("China North 3"), "privatelink.vaultcore.azure.cn");
        assert.equal(privateDnsZoneForRegion("usgovvirginia"), "privatelink.vaultcore.usgovcloudapi.net");
        assert.equal(privateDnsZoneForRegion("usdodeast"), "privatelink.vaultcore.usgovcloudapi.net");
    });
});

describe("access on the node", () => {
    const spec = (os: "linux" | "windows", extra: Partial<KeyVaultExtensionSpec> = {}): KeyVaultExtensionSpec => ({
        name: "KVExtensions", typeHandlerVersion: "3.0", autoUpgradeMinorVersion: true, pollingIntervalInS: 300, requireInitialSync: true,
        certificateStoreLocation: os === "linux" ? "/var/lib/waagent/Microsoft.Azure.KeyVault" : "LocalMachine",
        ...(os === "windows" ? { keyExportable: true } : {}),
        ...extra,
    });
    const urls = ["https://kv.vault.azure.net/secrets/a", "https://kv.vault.azure.net/secrets/b"];

    it("Linux: turns ACLs on and lists objects once any certificate has one", () => {
        const ext = buildKeyVaultExtension({ os: "linux", spec: spec("linux"), msiClientId: "c", observedCertificates: urls, acls: [[{ user: "batchtask" }], undefined] });
        assert.deepEqual(ext.settings.secretsManagementSettings, {
            pollingIntervalInS: "300",
            certificateStoreLocation: "/var/lib/waagent/Microsoft.Azure.KeyVault",
            requireInitialSync: true,
            aclEnabled: true,
            observedCertificates: [{ url: urls[0], acls: [{ user: "batchtask" }] }, { url: urls[1] }],
        });
    });

    it("Linux: keeps the how-to's bare URLs without ACLs", () => {
        const ext = buildKeyVaultExtension({ os: "linux", spec: spec("linux"), msiClientId: "c", observedCertificates: urls, acls: [[], undefined] });
        assert.deepEqual(ext.settings.secretsManagementSettings.observedCertificates, urls);
        assert.equal("aclEnabled" in ext.settings.secretsManagementSettings, false);
    });

    it("Windows: names the accounts on every certificate, the store and linkOnRenewal", () => {
        const ext = buildKeyVaultExtension({
            os: "windows", spec: spec("windows", { accounts: ["batchtask"], certificateStoreName: "My", linkOnRenewal: true }),
            msiClientId: "c", observedCertificates: urls.slice(0, 1),
        });
        assert.deepEqual(ext.settings.secretsManagementSettings, {
            pollingIntervalInS: "300",
            requireInitialSync: true,
            linkOnRenewal: true,
            observedCertificates: [{ url: urls[0], certificateStoreLocation: "LocalMachine", certificateStoreName: "My", accounts: ["batchtask"], keyExportable: true }],
        });
    });
});

describe("the vault's private endpoint in the plan", () => {
    async function planOf(keyVaultNetwork: Config, location = "westeurope"): Promise<PlanDocument> {
        return planLoaded(configFromValues("batch-cert-rotation", "net", "<test>", {
            "azure-native:location": location,
            "batch-cert-rotation:keyVault": { authorization: "rbac", network: keyVaultNetwork },
            "batch-cert-rotation:certificates": [{ name: "authcert", subject: "CN=batch.example.com", acls: [{ user: "batchtask" }] }],
            "batch-cert-rotation:pool": { ...LINUX_POOL, ...inNodes },
        }));
    }
    const byType = (p: PlanDocument, type: string) => p.resources.filter((r) => r.type === type);
    const one = (p: PlanDocument, type: string) => {
        const found = byType(p, type);
        assert.equal(found.length, 1, `one ${type}`);
        return found[0];
    };

    it("creates the endpoint, the zone, its link and the zone group before the certificates and the pool", async () => {
        const p = await planOf({ privateEndpoint: { subnetId: ENDPOINTS }, publicNetworkAccess: "Disabled", deployerInNetwork: true });
        const endpoint = one(p, "azure-native:network:PrivateEndpoint");
        const zone = one(p, "azure-native:privatedns:PrivateZone");
        const link = one(p, "azure-native:privatedns:VirtualNetworkLink");
        const group = one(p, "azure-native:network:PrivateDnsZoneGroup");
        const component = one(p, "batch-cert-rotation:index:CertRotationPool");
        for (const r of [endpoint, zone, link, group]) assert.equal(r.parent, component.urn, `${r.name} is a child of the component`);
        for (const dependent of [one(p, "pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate"), one(p, "azure-native:batch:Pool")]) {
            for (const r of [endpoint, zone, link, group]) assert.ok(dependent.dependsOn.includes(r.urn), `${dependent.name} waits for ${r.name}`);
        }
        assert.equal(zone.inputs.privateZoneName, "privatelink.vaultcore.azure.net");
        assert.deepEqual(link.inputs.virtualNetwork, { id: VNET });
        assert.deepEqual(endpoint.request?.body.properties && (endpoint.request.body.properties as Config).privateLinkServiceConnections,
            [{ name: "certpool-net-vault-endpoint", properties: { groupIds: ["vault"], privateLinkServiceId: (p.outputs as Config).vaultId } }]);
        assert.deepEqual(group.request?.body, {
            properties: { privateDnsZoneConfigs: [{ name: "vault", properties: { privateDnsZoneId: (zone.request?.url ?? "").replace(/^https:\/\/[^/]+|\?.*$/g, "") } }] },
        });
        const vault = one(p, "azure-native:keyvault:Vault").inputs.properties as Config;
        assert.deepEqual(vault.networkAcls, { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] });
        assert.equal(vault.publicNetworkAccess, "Disabled");
        assert.deepEqual(p.warnings, []);
    });

    it("uses the sovereign cloud's zone where the vault's URI says so", async () => {
        const p = await planOf({ privateEndpoint: { subnetId: ENDPOINTS }, deployerInNetwork: true }, "chinanorth3");
        assert.equal(one(p, "azure-native:privatedns:PrivateZone").inputs.privateZoneName, "privatelink.vaultcore.azure.cn");
    });

    it("registers in a zone the user brings, creating neither zone nor link", async () => {
        const zoneId = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
        const p = await planOf({ privateEndpoint: { subnetId: ENDPOINTS, privateDnsZoneId: zoneId }, deployerInNetwork: true });
        assert.equal(byType(p, "azure-native:privatedns:PrivateZone").length, 0);
        assert.equal(byType(p, "azure-native:privatedns:VirtualNetworkLink").length, 0);
        assert.deepEqual(one(p, "azure-native:network:PrivateDnsZoneGroup").inputs.privateDnsZoneConfigs, [{ name: "vault", privateDnsZoneId: zoneId }]);
    });

    it("lets the pool's subnet through a firewall without an endpoint, and renders the pool's network", async () => {
        const p = await planOf({ ipRules: ["203.0.113.0/24"] });
        assert.equal(byType(p, "azure-native:network:PrivateEndpoint").length, 0);
        const vault = one(p, "azure-native:keyvault:Vault").inputs.properties as Config;
        assert.deepEqual(vault.networkAcls, { defaultAction: "Deny", bypass: "AzureServices", ipRules: [{ value: "203.0.113.0/24" }], virtualNetworkRules: [{ id: NODES }] });
        const pool = one(p, "azure-native:batch:Pool");
        const body = pool.request?.body.properties as Config;
        assert.equal(body.targetNodeCommunicationMode, "Simplified");
        assert.equal((body.networkConfiguration as Config).subnetId, NODES);
        assert.deepEqual((body.networkConfiguration as Config).publicIPAddressConfiguration, { provision: "NoPublicIPAddresses" });
    });

    it("gives the pool a new name when its network changes", async () => {
        // Planned before Classic's retirement (2026-03-31), when a stack could still ask for it.
        const name = async (network: Config) => one(await planLoaded(configFromValues("batch-cert-rotation", "net", "<test>", {
            "azure-native:location": "westeurope",
            "batch-cert-rotation:certificates": [{ name: "authcert", subject: "CN=batch.example.com" }],
            "batch-cert-rotation:pool": { ...LINUX_POOL, network },
        }), undefined, new Date("2026-03-01")), "azure-native:batch:Pool").inputs.poolName;
        const base = await name({ subnetId: NODES, publicIPAddresses: "none" });
        assert.notEqual(await name({ subnetId: ENDPOINTS, publicIPAddresses: "none" }), base);
        assert.notEqual(await name({ subnetId: NODES }), base);
        assert.notEqual(await name({ subnetId: NODES, publicIPAddresses: "none", nodeCommunicationMode: "Classic" }), base);
        assert.equal(await name({ subnetId: NODES, publicIPAddresses: "none" }), base);
    });
});
