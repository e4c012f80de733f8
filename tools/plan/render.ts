// The REST call each registered resource maps to, rendered from its inputs the
// way the azure-native provider sends it: path parameters go into the URL, a
// few top-level fields (location, tags, identity, sku) stay at the top, and
// the rest nests under "properties". The plan's JSON carries these so that
// reviewers and tests see exactly what Azure will receive.

import { CERTIFICATE_TYPE, COMPONENT_TYPE } from "../../components/azureFacts";
import { renderCertificateCreateRequest } from "../../components/certificatePolicy";
import type { CertificateSpec } from "../../components/types";
import type { RenderedRequest } from "../../policy/planDocument";

export const ARM_ENDPOINT = "https://management.azure.com";

/** Azure REST API versions the installed azure-native SDK uses (its docs: "Uses Azure REST API version ..."). */
export const API_VERSIONS = {
    "azure-native:resources:ResourceGroup": "2024-03-01",
    "azure-native:batch:BatchAccount": "2024-07-01",
    "azure-native:batch:Pool": "2024-07-01",
    "azure-native:managedidentity:UserAssignedIdentity": "2023-01-31",
    "azure-native:keyvault:Vault": "2024-11-01",
    "azure-native:keyvault:AccessPolicy": "2024-11-01",
    "azure-native:authorization:RoleAssignment": "2022-04-01",
    "azure-native:network:PrivateEndpoint": "2024-05-01",
    "azure-native:network:PrivateDnsZoneGroup": "2024-05-01",
    "azure-native:privatedns:PrivateZone": "2024-06-01",
    "azure-native:privatedns:VirtualNetworkLink": "2024-06-01",
} as const;

export { CERTIFICATE_TYPE };

/**
 * The inputs that are part of each resource's ARM URL. azure-native replaces a
 * resource when one of them changes (its diff: every PUT parameter located in
 * the path forces a new resource).
 */
export const PATH_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
    "azure-native:resources:ResourceGroup": ["resourceGroupName"],
    "azure-native:batch:BatchAccount": ["resourceGroupName", "accountName"],
    "azure-native:batch:Pool": ["resourceGroupName", "accountName", "poolName"],
    "azure-native:managedidentity:UserAssignedIdentity": ["resourceGroupName", "resourceName"],
    "azure-native:keyvault:Vault": ["resourceGroupName", "vaultName"],
    "azure-native:keyvault:AccessPolicy": ["resourceGroupName", "vaultName"],
    "azure-native:authorization:RoleAssignment": ["scope", "roleAssignmentName"],
    "azure-native:network:PrivateEndpoint": ["resourceGroupName", "privateEndpointName"],
    "azure-native:network:PrivateDnsZoneGroup": ["resourceGroupName", "privateEndpointName", "privateDnsZoneGroupName"],
    "azure-native:privatedns:PrivateZone": ["resourceGroupName", "privateZoneName"],
    "azure-native:privatedns:VirtualNetworkLink": ["resourceGroupName", "privateZoneName", "virtualNetworkLinkName"],
};

function pathParameters(type: keyof typeof API_VERSIONS): readonly string[] {
    return PATH_PARAMETERS[type] ?? [];
}

type Inputs = Record<string, unknown>;

function str(inputs: Inputs, key: string): string {
    const v = inputs[key];
    if (typeof v !== "string") throw new Error(`cannot render request: input ${key} is ${JSON.stringify(v)}, expected a string`);
    return v;
}

function omit(inputs: Inputs, keys: readonly string[]): Inputs {
    return Object.fromEntries(Object.entries(inputs).filter(([k, v]) => !keys.includes(k) && v !== undefined));
}

function groupPath(subscriptionId: string, inputs: Inputs): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${str(inputs, "resourceGroupName")}`;
}

/** azure-native takes user-assigned identities as a list of IDs; ARM wants a map of ID to {}. */
function armIdentity(identity: unknown): unknown {
    if (identity === null || typeof identity !== "object") return identity;
    const { userAssignedIdentities, ...rest } = identity as { userAssignedIdentities?: unknown };
    if (!Array.isArray(userAssignedIdentities)) return identity;
    return { ...rest, userAssignedIdentities: Object.fromEntries(userAssignedIdentities.map((id) => [String(id), {}])) };
}

/** Top-level ARM envelope fields; everything else of a flattened resource goes under properties. */
function envelope(inputs: Inputs, pathParams: readonly string[]): Record<string, unknown> {
    const top: Record<string, unknown> = {};
    if (inputs.location !== undefined) top.location = inputs.location;
    if (inputs.tags !== undefined) top.tags = inputs.tags;
    if (inputs.identity !== undefined) top.identity = armIdentity(inputs.identity);
    const properties = omit(inputs, [...pathParams, "location", "tags", "identity"]);
    return Object.keys(properties).length > 0 ? { ...top, properties } : top;
}

/**
 * azure-native flattens sub-resources such as `{ name, privateLinkServiceId, groupIds }`;
 * ARM nests all but their name under `properties`.
 */
function subResources(value: unknown): unknown {
    if (!Array.isArray(value)) return value;
    return value.map((item: unknown) => {
        if (item === null || typeof item !== "object") return item;
        const { name, ...properties } = item as Inputs;
        return omit({ name, properties: omit(properties, []) }, []);
    });
}

/** Sub-resources named by `id`: every other field nests under `properties`. */
function subResourcesById(value: unknown[]): unknown[] {
    return value.map((item: unknown) => {
        if (item === null || typeof item !== "object") return item;
        const { id, ...properties } = item as Inputs;
        return omit({ id, properties: Object.keys(omit(properties, [])).length > 0 ? omit(properties, []) : undefined }, []);
    });
}

function put(path: string, apiVersion: string, body: Record<string, unknown>): RenderedRequest {
    return { method: "PUT", url: `${ARM_ENDPOINT}${path}?api-version=${apiVersion}`, body };
}

/**
 * The request for a resource, or undefined for types with no REST call of their
 * own (the stack, components). Throws for a type the plan does not know, so a
 * new resource type can't slip into the plan unrendered.
 */
export function renderRequest(type: string, inputs: Inputs, subscriptionId: string): RenderedRequest | undefined {
    switch (type) {
        case "pulumi:pulumi:Stack":
        case COMPONENT_TYPE:
            return undefined;
        case "azure-native:resources:ResourceGroup":
            return put(`/subscriptions/${subscriptionId}/resourcegroups/${str(inputs, "resourceGroupName")}`,
                API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case "azure-native:batch:BatchAccount":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Batch/batchAccounts/${str(inputs, "accountName")}`,
                API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case "azure-native:batch:Pool":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Batch/batchAccounts/${str(inputs, "accountName")}` +
                `/pools/${str(inputs, "poolName")}`, API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case "azure-native:managedidentity:UserAssignedIdentity":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/` +
                str(inputs, "resourceName"), API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case "azure-native:keyvault:Vault": {
            // Vault inputs already nest their properties.
            const { location, tags, properties } = inputs;
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.KeyVault/vaults/${str(inputs, "vaultName")}`,
                API_VERSIONS[type], omit({ location, tags, properties }, []));
        }
        case "azure-native:keyvault:AccessPolicy":
            // The provider adds one entry without touching the others: the vault's accessPolicies/add action.
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.KeyVault/vaults/${str(inputs, "vaultName")}` +
                "/accessPolicies/add", API_VERSIONS[type], { properties: { accessPolicies: [inputs.policy] } });
        case "azure-native:authorization:RoleAssignment":
            return put(`${str(inputs, "scope")}/providers/Microsoft.Authorization/roleAssignments/${str(inputs, "roleAssignmentName")}`,
                API_VERSIONS[type], { properties: omit(inputs, pathParameters(type)) });
        case "azure-native:network:PrivateEndpoint": {
            const { privateLinkServiceConnections, subnet, ...rest } = inputs;
            // The subnet is a reference by ID; the SDK's defaults for it nest under its properties, as ARM's Subnet has them.
            const [armSubnet] = subResourcesById([subnet]);
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Network/privateEndpoints/${str(inputs, "privateEndpointName")}`,
                API_VERSIONS[type], envelope({ ...rest, subnet: armSubnet, privateLinkServiceConnections: subResources(privateLinkServiceConnections) },
                    pathParameters(type)));
        }
        case "azure-native:network:PrivateDnsZoneGroup":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Network/privateEndpoints/${str(inputs, "privateEndpointName")}` +
                `/privateDnsZoneGroups/${str(inputs, "privateDnsZoneGroupName")}`, API_VERSIONS[type],
            { properties: { privateDnsZoneConfigs: subResources(inputs.privateDnsZoneConfigs) } });
        case "azure-native:privatedns:PrivateZone":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Network/privateDnsZones/${str(inputs, "privateZoneName")}`,
                API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case "azure-native:privatedns:VirtualNetworkLink":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Network/privateDnsZones/${str(inputs, "privateZoneName")}` +
                `/virtualNetworkLinks/${str(inputs, "virtualNetworkLinkName")}`, API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case CERTIFICATE_TYPE: {
            const certificate = inputs.certificate as CertificateSpec;
            const rendered = renderCertificateCreateRequest(str(inputs, "vaultUri"), certificate);
            return { method: rendered.method, url: rendered.url, body: rendered.body as Record<string, unknown> };
        }
        default:
            throw new Error(`the offline plan can't render a request for resource type ${type}; add it to tools/plan/render.ts`);
    }
}
