// The network and on-node access settings of the configuration (issue 10):
// a pool's subnet, public IPs and node communication mode; the vault's
// firewall and private endpoint; who may read a certificate on the node.
// Kept beside schema.ts, which places these fields in its shapes and calls the
// relations below from the root, because they look across the whole
// configuration: which pools exist, which subnets they join, what the vault
// lets in.

import type { OsFamily } from "../types";
import { factAbout } from "../lifecycle";
import { type At, bool, list, object, oneOf, type OutputOf, str } from "./kit";

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const NETWORK_ID = `^/subscriptions/${GUID}/resourceGroups/[^/]+/providers/Microsoft\\.Network/`;
export const SUBNET_ID = new RegExp(`${NETWORK_ID}virtualNetworks/[^/]+/subnets/[^/]+$`, "i");
const PUBLIC_IP_ID = new RegExp(`${NETWORK_ID}publicIPAddresses/[^/]+$`, "i");
const PRIVATE_DNS_ZONE_ID = new RegExp(`${NETWORK_ID}privateDnsZones/[^/]+$`, "i");
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(\d{1,2}))?$/;
/** Linux user and group names as useradd accepts them by default. */
const POSIX_NAME = /^[a-zA-Z_][a-zA-Z0-9_.-]{0,31}$/;

const SUBNET_RULE = "must be a subnet resource ID: " +
    "/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>";

export const PUBLIC_IP_MODES = ["none", "batchManaged", "userManaged"] as const;
export const NODE_COMMUNICATION_MODES = ["Simplified", "Classic"] as const;
/** Checked with the rest of Azure's lifecycle (components/lifecycle.ts); the date is the table's. */
const CLASSIC_RETIREMENT = factAbout("nodeCommunicationMode").date ?? "";

/** The virtual network a subnet belongs to: its ID without `/subnets/<name>`. */
export function virtualNetworkOf(subnetId: string): string {
    return subnetId.replace(/\/subnets\/[^/]+$/i, "");
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

// ----------------------------------------------------------------- pool.network

export const poolNetworkSchema = object({
    subnetId: str({
        docs: {
            description: "The subnet the nodes join (adopted, never created: address space, NSG, route table and NAT gateway " +
                "stay yours). In the Batch account's region and subscription.",
            rule: "`/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>`",
        },
        pattern: [SUBNET_ID, SUBNET_RULE],
    }),
    publicIPAddresses: oneOf(PUBLIC_IP_MODES, {
        docs: {
            description: "Public IPs of the nodes: `none` (outbound access is then the subnet's: a NAT gateway or private " +
                "endpoints), `batchManaged`, or `userManaged` with `ipAddressIds`. `none` and `userManaged` need `subnetId`.",
        },
        default: "batchManaged",
    }),
    ipAddressIds: list(str({
        docs: { description: "A public IP address resource ID." },
        pattern: [PUBLIC_IP_ID,
            "must be a public IP resource ID: /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/publicIPAddresses/<name>"],
    }), {
        docs: { description: "The public IPs Batch gives the nodes (100 nodes per address), with `publicIPAddresses: userManaged` only.", shownDefault: "none" },
        notList: "must be a list of public IP resource IDs",
    }),
    nodeCommunicationMode: oneOf(NODE_COMMUNICATION_MODES, {
        docs: {
            description: `How nodes talk to Batch; Azure retired \`Classic\` on ${CLASSIC_RETIREMENT}, so it is refused ` +
                "([lifecycle](lifecycle.md)).",
        },
        default: "Simplified",
    }),
}, {
    docs: {
        description: "Where the nodes sit on the network. Every field forces a new pool (Batch changes network " +
            "configuration only on an empty pool).",
    },
    default: {},
    relations: [
        (network, at, raw) => {
            const mode = network.publicIPAddresses;
            if (mode === "userManaged" && (network.ipAddressIds ?? []).length === 0) {
                at.key("ipAddressIds").missing("one or more public IP resource IDs with publicIPAddresses: userManaged");
            }
            if (mode !== "userManaged" && raw.ipAddressIds !== undefined) {
                at.key("ipAddressIds").fail(raw.ipAddressIds,
                    `applies only with publicIPAddresses: userManaged (here ${String(mode)}); remove it or set publicIPAddresses: userManaged`);
            }
            if ((mode === "none" || mode === "userManaged") && network.subnetId === undefined && raw.subnetId === undefined) {
                at.key("publicIPAddresses").fail(mode, "needs pool.network.subnetId: Batch offers this only in a virtual network you provide");
            }
        },
    ],
});
export type PoolNetworkSpec = OutputOf<typeof poolNetworkSchema>;

// ------------------------------------------------------------- keyVault.network

const privateEndpointSchema = object({
    subnetId: str({
        docs: {
            description: "The subnet the endpoint's address comes from; its virtual network gets the DNS zone's link.",
            rule: "a subnet resource ID",
        },
        required: "the subnet of the private endpoint",
        pattern: [SUBNET_ID, SUBNET_RULE],
    }),
    privateDnsZoneId: str({
        docs: {
            description: "An existing `privatelink.vaultcore.*` zone to register in (already linked to the nodes' networks). " +
                "Absent: the component creates the zone and links it to the endpoint's virtual network.",
            rule: "`/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/<zone>`",
            shownDefault: "created and linked",
        },
        pattern: [PRIVATE_DNS_ZONE_ID,
            "must be a private DNS zone resource ID: /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/<zone>"],
    }),
}, {
    docs: { description: "A private endpoint for the vault (group `vault`), created before the certificates and the pool." },
});

function ipRuleProblem(rule: string): string | undefined {
    const m = IPV4.exec(rule);
    if (!m) return "must be an IPv4 address or CIDR range such as 203.0.113.0/24 (Key Vault has no IPv6 rules)";
    const prefix = m[5] === undefined ? undefined : Number(m[5]);
    if (prefix !== undefined && prefix > 30) return "is a /31 or /32 range, which Key Vault refuses; give the address without a prefix";
    return undefined;
}

export const vaultNetworkSchema = object({
    defaultAction: oneOf(["Deny", "Allow"] as const, {
        docs: { description: "What the vault's firewall does with traffic no rule names." },
        default: "Deny",
    }),
    bypass: oneOf(["AzureServices", "None"] as const, {
        docs: { description: "Whether trusted Azure services pass the firewall (Batch nodes are not one of them)." },
        default: "AzureServices",
    }),
    allowedSubnetIds: list(str({
        docs: { description: "A subnet allowed in." },
        pattern: [SUBNET_ID, SUBNET_RULE],
    }), {
        docs: {
            description: "Virtual network rules: subnets let through the firewall (each needs the `Microsoft.KeyVault` service " +
                "endpoint). Default: every pool's subnet, or none when a private endpoint is the nodes' path.",
            shownDefault: "the pools' subnets",
        },
        notList: "must be a list of subnet resource IDs",
    }),
    ipRules: list(str({
        docs: { description: "An IPv4 address or CIDR range." },
        rules: [ipRuleProblem],
    }), {
        docs: { description: "Addresses let through the firewall, e.g. the deployer's, so it can create and renew certificates.", shownDefault: "none" },
        notList: "must be a list of IPv4 addresses or CIDR ranges",
        default: [],
    }),
    privateEndpoint: privateEndpointSchema,
    publicNetworkAccess: oneOf(["Enabled", "Disabled"] as const, {
        docs: { description: "`Disabled` refuses everything but the private endpoint (and trusted services); needs `privateEndpoint`." },
        default: "Enabled",
    }),
    deployerInNetwork: bool({
        docs: {
            description: "The deployment runs inside the network (a runner in the virtual network, or over VPN), so the " +
                "vault's firewall lets it in; silences the warning that the vault would refuse the deployer.",
        },
        default: false,
    }),
}, {
    docs: {
        description: "The vault's firewall and private endpoint. Absent: a public vault. Given: `defaultAction` is `Deny` " +
            "unless set, and the pools' nodes must be let in (by subnet or through the endpoint).",
    },
    relations: [
        (network, at) => {
            if (network.publicNetworkAccess === "Disabled" && network.privateEndpoint === undefined) {
                at.key("publicNetworkAccess").fail("Disabled",
                    "needs keyVault.network.privateEndpoint: with public access off, a private endpoint is the only way in");
            }
        },
    ],
});

// -------------------------------------------------------------- on-node access

export const certificateAclSchema = object({
    user: str({ docs: { description: "A Linux user on the node (a named pool user account)." }, pattern: [POSIX_NAME, "must be a Linux user name"] }),
    group: str({ docs: { description: "A Linux group on the node." }, pattern: [POSIX_NAME, "must be a Linux group name"] }),
}, {
    docs: { description: "Who besides root may read the certificate's files." },
    required: "user and/or group",
    relations: [
        (_acl, at, raw) => {
            if (raw.user === undefined && raw.group === undefined) at.missing("user and/or group");
        },
    ],
});

export const certificateAclsSchema = list(certificateAclSchema, {
    docs: {
        description: "Linux only: who besides root may read the certificate on the node (the extension's `aclEnabled` and " +
            "per-certificate `acls`, extension 3.0). Batch auto-users can't be named: use a named pool user account.",
        shownDefault: "root only",
        rule: "Linux only: `{ user }`, `{ group }` or both",
    },
    notList: "must be a list of { user, group } entries",
});

export const accountsSchema = list(str({ docs: { description: "A Windows account on the node." } }), {
    docs: { description: "Accounts that get read access to each certificate's private key (e.g. a named pool user account)." },
    notList: "must be a list of Windows account names",
});

// ----------------------------------------------------------- cross-field rules

export type VaultNetworkSpec = OutputOf<typeof vaultNetworkSchema>;
export type CertificateAcl = OutputOf<typeof certificateAclSchema>;

/** The parts of a pool the network rules read; a pool of `pools:` has at least these. */
interface PoolLike {
    nodeAgentSkuId: string;
    network: { subnetId?: string };
    certificates?: string[];
}

/** What the cross-field rules read of the whole configuration. */
export interface NetworkedConfig {
    keyVault?: { id?: string; network?: VaultNetworkSpec };
    certificates?: { name: string; acls?: unknown[] }[];
    pool?: PoolLike;
    pools?: Record<string, PoolLike>;
}

/** Every pool with its position: `pool`, or each `pools.<key>`. */
export function poolsOf(config: NetworkedConfig, at: At): { at: At; pool: PoolLike }[] {
    const out: { at: At; pool: PoolLike }[] = [];
    if (config.pool) out.push({ at: at.key("pool"), pool: config.pool });
    for (const [key, pool] of Object.entries(config.pools ?? {})) out.push({ at: at.key("pools").key(key), pool });
    return out;
}

/** The subnets the vault's virtual network rules let in: the ones given, else the pools' (none behind a private endpoint). */
export function effectiveAllowedSubnets(network: VaultNetworkSpec, poolSubnets: readonly string[]): string[] {
    if (network.allowedSubnetIds !== undefined) return [...network.allowedSubnetIds];
    if (network.privateEndpoint !== undefined) return [];
    return [...new Set(poolSubnets)];
}

function osOf(nodeAgentSkuId: string): OsFamily {
    return nodeAgentSkuId.toLowerCase().startsWith("batch.node.windows") ? "windows" : "linux";
}

/**
 * A vault that denies by default must still let every pool's nodes in, or the
 * extension's first sync fails and nodes never become usable; the deployer
 * must reach it too, to create and renew certificates.
 */
export function checkNetworkRelations(config: NetworkedConfig, at: At): void {
    const pools = poolsOf(config, at);
    const network = config.keyVault?.network;
    const networkAt = at.key("keyVault").key("network");

    // Linux-only ACLs on a certificate no Linux pool observes.
    (config.certificates ?? []).forEach((cert, i) => {
        if (cert.acls === undefined || cert.acls.length === 0) return;
        const observers = pools.filter((p) => p.pool.certificates === undefined || p.pool.certificates.includes(cert.name));
        if (observers.length > 0 && observers.every((p) => osOf(p.pool.nodeAgentSkuId) === "windows")) {
            at.key("certificates").index(i).key("acls").fail(cert.acls,
                "applies to Linux pools only (the Linux extension's ACLs), and only Windows pools observe this certificate; " +
                "on Windows use keyVaultExtension.accounts");
        }
    });

    if (network === undefined) return;
    if (config.keyVault?.id !== undefined) {
        networkAt.problem("can't be applied to an adopted vault (keyVault.id): configure its firewall and endpoints where the vault is managed");
        return;
    }
    const endpoint = network.privateEndpoint;
    const endpointNetwork = endpoint === undefined ? undefined : virtualNetworkOf(endpoint.subnetId);
    const allowed = effectiveAllowedSubnets(network, pools.flatMap((p) => p.pool.network.subnetId ?? []));
    const publicOff = network.publicNetworkAccess === "Disabled";

    // Public access off without an endpoint is already refused (publicNetworkAccess): one cause, one problem.
    const poolsCheckable = !(publicOff && endpoint === undefined);
    if (network.defaultAction === "Deny" || publicOff) {
        for (const { at: poolAt, pool } of poolsCheckable ? pools : []) {
            const subnet = pool.network.subnetId;
            if (subnet === undefined) {
                poolAt.key("network").key("subnetId").missing(
                    "the vault denies by default (keyVault.network), and nodes outside a subnet reach it from Batch's public addresses, which no vault rule can name");
                continue;
            }
            const viaRule = !publicOff && allowed.some((s) => sameId(s, subnet));
            // A zone we create is linked to the endpoint's network only; a zone given is the user's to link.
            const viaEndpoint = endpoint !== undefined &&
                (endpoint.privateDnsZoneId !== undefined || sameId(endpointNetwork ?? "", virtualNetworkOf(subnet)));
            if (viaRule || viaEndpoint) continue;
            poolAt.key("network").key("subnetId").fail(subnet, endpoint !== undefined
                ? `is not in the private endpoint's virtual network (${String(endpointNetwork)}), which is the only one the created DNS zone is linked to` +
                    (publicOff ? "" : ", nor in keyVault.network.allowedSubnetIds") +
                    "; the vault would refuse these nodes: put the endpoint in this network or give privateDnsZoneId"
                : "is not in keyVault.network.allowedSubnetIds, and the vault denies by default: add it, or give the vault a private endpoint in its network");
        }
        const deployerLockedOut = publicOff || network.ipRules.length === 0;
        if (deployerLockedOut && !network.deployerInNetwork) {
            networkAt.warn(publicOff ? { publicNetworkAccess: "Disabled" } : { defaultAction: "Deny", ipRules: [] },
                "would refuse the deployer, who creates and renews the certificates (403 ForbiddenByFirewall): " +
                (publicOff ? "run the deployment inside the network" : "add the deployer's address to ipRules or run it inside the network") +
                ", then set deployerInNetwork: true");
        }
    }
}

