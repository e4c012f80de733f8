// The REST call each registered resource maps to, rendered from its inputs the
// way the azure-native provider sends it: path parameters go into the URL, a
// few top-level fields (location, tags, identity, sku) stay at the top, and
// the rest nests under "properties". The plan's JSON carries these so that
// reviewers and tests see exactly what Azure will receive.

import { CERTIFICATE_TYPE, COMPONENT_TYPE } from "../../components/azureFacts";
import { renderCertificateCreateRequest } from "../../components/certificatePolicy";
import type { CertificateSpec } from "../../components/types";
import type { RenderedRequest } from "./types";

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
} as const;

export { CERTIFICATE_TYPE };

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
                API_VERSIONS[type], envelope(inputs, ["resourceGroupName"]));
        case "azure-native:batch:BatchAccount":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Batch/batchAccounts/${str(inputs, "accountName")}`,
                API_VERSIONS[type], envelope(inputs, ["resourceGroupName", "accountName"]));
        case "azure-native:batch:Pool":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.Batch/batchAccounts/${str(inputs, "accountName")}` +
                `/pools/${str(inputs, "poolName")}`, API_VERSIONS[type], envelope(inputs, ["resourceGroupName", "accountName", "poolName"]));
        case "azure-native:managedidentity:UserAssignedIdentity":
            return put(`${groupPath(subscriptionId, inputs)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/` +
                str(inputs, "resourceName"), API_VERSIONS[type], envelope(inputs, ["resourceGroupName", "resourceName"]));
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
                API_VERSIONS[type], { properties: omit(inputs, ["scope", "roleAssignmentName"]) });
        case CERTIFICATE_TYPE: {
            const certificate = inputs.certificate as CertificateSpec;
            const rendered = renderCertificateCreateRequest(str(inputs, "vaultUri"), certificate);
            return { method: rendered.method, url: rendered.url, body: rendered.body as Record<string, unknown> };
        }
        default:
            throw new Error(`the offline plan can't render a request for resource type ${type}; add it to tools/plan/render.ts`);
    }
}
