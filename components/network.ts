// The network parts of the pool's and the vault's bodies, as pure functions of
// resolved values (the shapes of Batch 2024-07-01 NetworkConfiguration and Key
// Vault 2024-11-01 NetworkRuleSet), so what Azure receives is tested without Pulumi.

import { effectiveAllowedSubnets, type PoolNetworkSpec, type VaultNetworkSpec } from "./config/network";

export { effectiveAllowedSubnets, virtualNetworkOf } from "./config/network";
export type { PoolNetworkSpec, VaultNetworkSpec } from "./config/network";

export type IpAddressProvisioningType = "BatchManaged" | "UserManaged" | "NoPublicIPAddresses";

export interface NetworkConfiguration {
    subnetId?: string;
    publicIPAddressConfiguration?: { provision: IpAddressProvisioningType; ipAddressIds?: string[] };
}

export interface PoolNetworkSettings {
    /** Absent when the pool joins no subnet and keeps Batch-managed IPs: Batch's default, and the how-to's body. */
    networkConfiguration?: NetworkConfiguration;
    targetNodeCommunicationMode: "Simplified" | "Classic";
}

const PROVISIONING: Record<PoolNetworkSpec["publicIPAddresses"], IpAddressProvisioningType> = {
    none: "NoPublicIPAddresses",
    batchManaged: "BatchManaged",
    userManaged: "UserManaged",
};

export function buildPoolNetworkSettings(network: PoolNetworkSpec): PoolNetworkSettings {
    const provision = PROVISIONING[network.publicIPAddresses];
    const publicIPAddressConfiguration = provision === "BatchManaged" ? undefined : {
        provision,
        ...(provision === "UserManaged" ? { ipAddressIds: [...(network.ipAddressIds ?? [])] } : {}),
    };
    const networkConfiguration: NetworkConfiguration | undefined =
        network.subnetId === undefined && publicIPAddressConfiguration === undefined ? undefined : {
            ...(network.subnetId === undefined ? {} : { subnetId: network.subnetId }),
            ...(publicIPAddressConfiguration === undefined ? {} : { publicIPAddressConfiguration }),
        };
    return {
        ...(networkConfiguration === undefined ? {} : { networkConfiguration }),
        targetNodeCommunicationMode: network.nodeCommunicationMode,
    };
}

export interface VaultNetworkAcls {
    defaultAction: "Allow" | "Deny";
    bypass: "AzureServices" | "None";
    ipRules: { value: string }[];
    virtualNetworkRules: { id: string }[];
}

/** The vault's firewall; `poolSubnets` are every pool's subnets, the default for the virtual network rules. */
export function buildVaultNetworkAcls(network: VaultNetworkSpec, poolSubnets: readonly string[]): VaultNetworkAcls {
    return {
        defaultAction: network.defaultAction,
        bypass: network.bypass,
        ipRules: network.ipRules.map((value) => ({ value })),
        virtualNetworkRules: effectiveAllowedSubnets(network, poolSubnets).map((id) => ({ id })),
    };
}

/**
 * The Key Vault DNS suffix of the cloud a region belongs to: sovereign regions
 * carry their cloud in their name (chinanorth3, usgovvirginia, usdodeast).
 */
export function vaultDnsSuffixForRegion(location: string): string {
    const region = location.toLowerCase().replace(/\s/g, "");
    if (region.startsWith("china")) return "vault.azure.cn";
    if (region.startsWith("usgov") || region.startsWith("usdod")) return "vault.usgovcloudapi.net";
    return "vault.azure.net";
}

/**
 * The private DNS zone for vaults in a region's cloud. From the region, which
 * configuration gives, not from the vault's URI: the zone's name is a URL
 * parameter, and azure-native's preview of a vault update doesn't know the URI,
 * so a zone named from it would show as replaced on every vault update.
 * Azure's zone table maps `vault.<suffix>` to `privatelink.vaultcore.<suffix>`.
 */
export function privateDnsZoneForRegion(location: string): string {
    return `privatelink.vaultcore.${vaultDnsSuffixForRegion(location).replace(/^vault\./, "")}`;
}

/** Resource Manager's endpoint for a region's cloud, as vaultDnsSuffixForRegion tells the clouds apart. */
export function armEndpointForRegion(location: string): string {
    switch (vaultDnsSuffixForRegion(location)) {
        case "vault.azure.cn":
            return "https://management.chinacloudapi.cn";
        case "vault.usgovcloudapi.net":
            return "https://management.usgovcloudapi.net";
        default:
            return "https://management.azure.com";
    }
}
