// The REST call each registered resource maps to, rendered from its inputs the
// way the azure-native provider sends it: path parameters go into the URL, a
// few top-level fields (location, tags, identity, sku) stay at the top, and
// the rest nests under "properties". The plan's JSON carries these so that
// reviewers and tests see exactly what Azure will receive.

import { ACCOUNT_ENCRYPTION_TYPE, AZURE_TYPES, CERTIFICATE_CONTACTS_TYPE, CERTIFICATE_TYPE, COMPONENT_TYPE, POOL_SETTINGS_TYPE } from "../../components/azureFacts";
import { renderContactsRequest } from "../../components/certificateContactsProvider";
import type { CertificateContactSpec } from "../../components/config/schema";
import { BATCH_API_VERSION } from "../../components/batchManagement";
import { customerManagedEncryption } from "../../components/accountEncryptionProvider";
import { renderCertificateCreateRequest } from "../../components/certificatePolicy";
import type { CertificateSpec } from "../../components/types";
import type { RenderedRequest } from "../../policy/planDocument";

export const ARM_ENDPOINT = "https://management.azure.com";

/** Azure REST API versions the installed azure-native SDK uses (its docs: "Uses Azure REST API version ..."). */
export const API_VERSIONS = {
    [AZURE_TYPES.resourceGroup]: "2024-03-01",
    [AZURE_TYPES.batchAccount]: "2024-07-01",
    [AZURE_TYPES.pool]: "2024-07-01",
    [AZURE_TYPES.identity]: "2023-01-31",
    [AZURE_TYPES.vault]: "2024-11-01",
    [AZURE_TYPES.accessPolicy]: "2024-11-01",
    [AZURE_TYPES.roleAssignment]: "2022-04-01",
    [AZURE_TYPES.privateEndpoint]: "2024-05-01",
    [AZURE_TYPES.privateDnsZoneGroup]: "2024-05-01",
    [AZURE_TYPES.privateZone]: "2024-06-01",
    [AZURE_TYPES.virtualNetworkLink]: "2024-06-01",
    [AZURE_TYPES.managementLock]: "2020-05-01",
    [AZURE_TYPES.key]: "2024-11-01",
    [AZURE_TYPES.systemTopic]: "2025-02-15",
    [AZURE_TYPES.systemTopicEventSubscription]: "2025-02-15",
    [AZURE_TYPES.diagnosticSetting]: "2021-05-01-preview",
} as const;

export { CERTIFICATE_TYPE };

/**
 * The inputs that are part of each resource's ARM URL. azure-native replaces a
 * resource when one of them changes (its diff: every PUT parameter located in
 * the path forces a new resource).
 */
export const PATH_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
    [AZURE_TYPES.resourceGroup]: ["resourceGroupName"],
    [AZURE_TYPES.batchAccount]: ["resourceGroupName", "accountName"],
    [AZURE_TYPES.pool]: ["resourceGroupName", "accountName", "poolName"],
    [AZURE_TYPES.identity]: ["resourceGroupName", "resourceName"],
    [AZURE_TYPES.vault]: ["resourceGroupName", "vaultName"],
    [AZURE_TYPES.accessPolicy]: ["resourceGroupName", "vaultName"],
    [AZURE_TYPES.roleAssignment]: ["scope", "roleAssignmentName"],
    [AZURE_TYPES.privateEndpoint]: ["resourceGroupName", "privateEndpointName"],
    [AZURE_TYPES.privateDnsZoneGroup]: ["resourceGroupName", "privateEndpointName", "privateDnsZoneGroupName"],
    [AZURE_TYPES.privateZone]: ["resourceGroupName", "privateZoneName"],
    [AZURE_TYPES.virtualNetworkLink]: ["resourceGroupName", "privateZoneName", "virtualNetworkLinkName"],
    [AZURE_TYPES.managementLock]: ["scope", "lockName"],
    [AZURE_TYPES.key]: ["resourceGroupName", "vaultName", "keyName"],
    [AZURE_TYPES.systemTopic]: ["resourceGroupName", "systemTopicName"],
    [AZURE_TYPES.systemTopicEventSubscription]: ["resourceGroupName", "systemTopicName", "eventSubscriptionName"],
    [AZURE_TYPES.diagnosticSetting]: ["resourceUri", "name"],
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

/**
 * azure-native flattens an Event Grid destination (`{ endpointType, resourceId }`);
 * ARM nests all but the discriminator under `properties` (EventGrid.json, EventSubscriptionDestination).
 */
function eventDestination(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    const { endpointType, ...properties } = value as Inputs;
    return { endpointType, properties: omit(properties, []) };
}

/** An event subscription's body: the destinations nested as ARM has them, the rest under properties. */
function eventSubscriptionBody(inputs: Inputs, pathParams: readonly string[]): Record<string, unknown> {
    const { destination, deliveryWithResourceIdentity, ...rest } = omit(inputs, pathParams);
    const delivery = deliveryWithResourceIdentity as Inputs | undefined;
    return {
        properties: omit({
            ...rest,
            destination: destination === undefined ? undefined : eventDestination(destination),
            deliveryWithResourceIdentity: delivery === undefined ? undefined
                : omit({ ...delivery, destination: eventDestination(delivery.destination) }, []),
        }, []),
    };
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
        case AZURE_TYPES.resourceGroup:
            return put(`/subscriptions/${subscriptionId}/resourcegroups/${str(inputs, "resourceGroupName")}`,
                API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case AZURE_TYPES.batchAccount:
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Batch/batchAccounts/${str(inputs, "accountName")}`,
                API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case AZURE_TYPES.pool:
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Batch/batchAccounts/${str(inputs, "accountName")}` +
                `/pools/${str(inputs, "poolName")}`, API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case AZURE_TYPES.identity:
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/` +
                str(inputs, "resourceName"), API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case AZURE_TYPES.vault: {
            // Vault inputs already nest their properties.
            const { location, tags, properties } = inputs;
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.KeyVault/vaults/${str(inputs, "vaultName")}`,
                API_VERSIONS[type], omit({ location, tags, properties }, []));
        }
        case AZURE_TYPES.accessPolicy:
            // The provider adds one entry without touching the others: the vault's accessPolicies/add action.
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.KeyVault/vaults/${str(inputs, "vaultName")}` +
                "/accessPolicies/add", API_VERSIONS[type], { properties: { accessPolicies: [inputs.policy] } });
        case AZURE_TYPES.roleAssignment:
            return put(`${str(inputs, "scope")}/providers/Microsoft.Authorization/roleAssignments/${str(inputs, "roleAssignmentName")}`,
                API_VERSIONS[type], { properties: omit(inputs, pathParameters(type)) });
        case AZURE_TYPES.privateEndpoint: {
            const { privateLinkServiceConnections, subnet, ...rest } = inputs;
            // The subnet is a reference by ID; the SDK's defaults for it nest under its properties, as ARM's Subnet has them.
            const [armSubnet] = subResourcesById([subnet]);
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Network/privateEndpoints/${str(inputs, "privateEndpointName")}`,
                API_VERSIONS[type], envelope({ ...rest, subnet: armSubnet, privateLinkServiceConnections: subResources(privateLinkServiceConnections) },
                    pathParameters(type)));
        }
        case AZURE_TYPES.privateDnsZoneGroup:
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Network/privateEndpoints/${str(inputs, "privateEndpointName")}` +
                `/privateDnsZoneGroups/${str(inputs, "privateDnsZoneGroupName")}`, API_VERSIONS[type],
            { properties: { privateDnsZoneConfigs: subResources(inputs.privateDnsZoneConfigs) } });
        case AZURE_TYPES.privateZone:
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Network/privateDnsZones/${str(inputs, "privateZoneName")}`,
                API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case AZURE_TYPES.virtualNetworkLink:
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Network/privateDnsZones/${str(inputs, "privateZoneName")}` +
                `/virtualNetworkLinks/${str(inputs, "virtualNetworkLinkName")}`, API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case AZURE_TYPES.managementLock:
            return put(`${str(inputs, "scope")}/providers/Microsoft.Authorization/locks/${str(inputs, "lockName")}`,
                API_VERSIONS[type], { properties: omit(inputs, pathParameters(type)) });
        case AZURE_TYPES.key: {
            // Key inputs already nest their properties, as the vault's do.
            const { tags, properties } = inputs;
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.KeyVault/vaults/${str(inputs, "vaultName")}` +
                `/keys/${str(inputs, "keyName")}`, API_VERSIONS[type], omit({ tags, properties }, []));
        }
        case ACCOUNT_ENCRYPTION_TYPE:
            // Batch's Batch Account - Update: a PATCH of the encryption alone (components/accountEncryptionProvider.ts).
            return {
                method: "PATCH",
                url: `${str(inputs, "armEndpoint").replace(/\/+$/, "")}${str(inputs, "accountId")}?api-version=${BATCH_API_VERSION}`,
                body: { properties: { encryption: customerManagedEncryption(str(inputs, "keyIdentifier")) } },
            };
        case AZURE_TYPES.systemTopic:
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.EventGrid/systemTopics/${str(inputs, "systemTopicName")}`,
                API_VERSIONS[type], envelope(inputs, pathParameters(type)));
        case AZURE_TYPES.systemTopicEventSubscription:
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.EventGrid/systemTopics/${str(inputs, "systemTopicName")}` +
                `/eventSubscriptions/${str(inputs, "eventSubscriptionName")}`, API_VERSIONS[type], eventSubscriptionBody(inputs, pathParameters(type)));
        case AZURE_TYPES.diagnosticSetting:
            // An extension resource: its URL hangs below the resource it watches.
            return put(`${str(inputs, "resourceUri")}/providers/Microsoft.Insights/diagnosticSettings/${str(inputs, "name")}`,
                API_VERSIONS[type], { properties: omit(inputs, pathParameters(type)) });
        case CERTIFICATE_TYPE: {
            const certificate = inputs.certificate as CertificateSpec;
            const rendered = renderCertificateCreateRequest(str(inputs, "vaultUri"), certificate);
            return { method: rendered.method, url: rendered.url, body: rendered.body as Record<string, unknown> };
        }
        case CERTIFICATE_CONTACTS_TYPE: {
            // SetCertificateContacts on the vault's data plane (components/certificateContactsProvider.ts).
            const rendered = renderContactsRequest(str(inputs, "vaultUri"), inputs.contacts as CertificateContactSpec[]);
            return { method: rendered.method, url: rendered.url, body: rendered.body as unknown as Record<string, unknown> };
        }
        case POOL_SETTINGS_TYPE:
            // Batch's Pool - Update: a PATCH of the updatable settings alone (components/poolSettingsProvider.ts).
            // Sent when they differ from the pool's; the plan shows the call with every one of them.
            return {
                method: "PATCH",
                url: `${str(inputs, "armEndpoint").replace(/\/+$/, "")}${str(inputs, "poolId")}?api-version=${BATCH_API_VERSION}`,
                body: { properties: inputs.settings as Record<string, unknown> },
            };
        default:
            throw new Error(`the offline plan can't render a request for resource type ${type}; add it to tools/plan/render.ts`);
    }
}
