// What Azure answers, deterministically: ARM-shaped IDs, a vault URI built from
// the vault name, and fixed GUIDs derived from names. One source for the
// offline plan's mocks and the engine suite's stand-in providers, so the two
// can't drift apart.

import { deterministicGuid } from "../../components/naming";
import { vaultDnsSuffixForRegion } from "../../components/network";
import { ACCOUNT_ENCRYPTION_TYPE, AZURE_TYPES, CERTIFICATE_CONTACTS_TYPE, CERTIFICATE_TYPE, POOL_SETTINGS_TYPE } from "../../components/azureFacts";
import { ARM_ENDPOINT, renderRequest } from "./render";

export const FAKE_SUBSCRIPTION_ID = deterministicGuid("plan", "subscription");
export const FAKE_TENANT_ID = deterministicGuid("plan", "tenant");
export const FAKE_DEPLOYER_OBJECT_ID = deterministicGuid("plan", "deployer");
export const FAKE_DEPLOYER_CLIENT_ID = deterministicGuid("plan", "deployer-client");

export type State = Record<string, unknown>;

/**
 * Vaults in sovereign clouds answer under other DNS suffixes; the answer follows
 * the region, so the plan shows that URLs come from the vault's own URI.
 */
export const vaultDnsSuffix = vaultDnsSuffixForRegion;

function vaultUri(name: string, location: string): string {
    return `https://${name}.${vaultDnsSuffix(location)}/`;
}

/** The ARM ID a resource gets: the path of its PUT without the query. */
function armId(type: string, inputs: State): string | undefined {
    const request = renderRequest(type, inputs, FAKE_SUBSCRIPTION_ID);
    if (!request || request.method !== "PUT") return undefined;
    return request.url.slice(ARM_ENDPOINT.length).replace(/\?.*$/, "");
}

/** A created resource's ID and outputs: its inputs plus what Azure computes. */
export function resourceAnswer(type: string, name: string, inputs: State): { id: string | undefined; state: State } {
    const id = armId(type, inputs);
    switch (type) {
        case AZURE_TYPES.identity:
            return {
                id,
                state: {
                    ...inputs,
                    name: inputs.resourceName,
                    clientId: deterministicGuid("clientId", name),
                    principalId: deterministicGuid("principalId", name),
                    tenantId: FAKE_TENANT_ID,
                },
            };
        case AZURE_TYPES.vault: {
            const vaultName = String(inputs.vaultName);
            const properties = (inputs.properties ?? {}) as State;
            return { id, state: { ...inputs, name: vaultName, properties: { ...properties, vaultUri: vaultUri(vaultName, String(inputs.location)) } } };
        }
        case AZURE_TYPES.batchAccount: {
            // A system-assigned identity comes back with its principal (BatchAccountIdentity: principalId, tenantId).
            const identity = (inputs.identity as State | undefined)?.type === "SystemAssigned"
                ? { identity: { type: "SystemAssigned", principalId: deterministicGuid("principalId", name), tenantId: FAKE_TENANT_ID } } : {};
            return {
                id,
                state: { ...inputs, ...identity, name: inputs.accountName, accountEndpoint: `${String(inputs.accountName)}.${String(inputs.location)}.batch.azure.com` },
            };
        }
        case AZURE_TYPES.managementLock:
            return { id, state: { ...inputs, name: inputs.lockName, type: "Microsoft.Authorization/locks" } };
        case AZURE_TYPES.key: {
            // Keys - Create If Not Exist answers keyUri (versionless) and keyUriWithVersion; its inputs carry no region, so the
            // answer uses the public cloud's vault suffix.
            const uri = `https://${String(inputs.vaultName)}.vault.azure.net/keys/${String(inputs.keyName)}`;
            return { id, state: { ...inputs, name: inputs.keyName, keyUri: uri, keyUriWithVersion: `${uri}/${deterministicGuid("keyVersion", uri).replace(/-/g, "")}` } };
        }
        case ACCOUNT_ENCRYPTION_TYPE:
            return { id: `${String(inputs.accountId)}/encryption`, state: { ...inputs } };
        case AZURE_TYPES.pool:
            return { id, state: { ...inputs, name: inputs.poolName } };
        case AZURE_TYPES.resourceGroup:
            return { id, state: { ...inputs, name: inputs.resourceGroupName } };
        case AZURE_TYPES.roleAssignment:
            return { id, state: { ...inputs, name: inputs.roleAssignmentName } };
        case AZURE_TYPES.privateEndpoint: {
            // Azure gives the endpoint a NIC in its subnet and one private address for the vault's name.
            const endpointName = String(inputs.privateEndpointName);
            const group = String(inputs.resourceGroupName);
            return {
                id,
                state: {
                    ...inputs,
                    name: endpointName,
                    provisioningState: "Succeeded",
                    networkInterfaces: [{
                        id: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/${group}/providers/Microsoft.Network/networkInterfaces/` +
                            `${endpointName}.nic.${deterministicGuid("nic", group, endpointName)}`,
                    }],
                    customDnsConfigs: [],
                },
            };
        }
        case AZURE_TYPES.privateDnsZoneGroup:
            return { id, state: { ...inputs, name: inputs.privateDnsZoneGroupName, provisioningState: "Succeeded" } };
        case AZURE_TYPES.privateZone:
            return { id, state: { ...inputs, name: inputs.privateZoneName, provisioningState: "Succeeded" } };
        case AZURE_TYPES.virtualNetworkLink:
            return {
                id,
                state: { ...inputs, name: inputs.virtualNetworkLinkName, provisioningState: "Succeeded", virtualNetworkLinkState: "Completed" },
            };
        case AZURE_TYPES.systemTopic: {
            // With a system-assigned identity Azure gives the topic a principal (EventGrid.json, IdentityInfo.principalId).
            const identity = inputs.identity as State | undefined;
            return {
                id,
                state: {
                    ...inputs,
                    name: inputs.systemTopicName,
                    provisioningState: "Succeeded",
                    metricResourceId: deterministicGuid("metricResourceId", String(id)),
                    ...(identity === undefined ? {} : {
                        identity: { ...identity, principalId: deterministicGuid("principalId", String(id)), tenantId: FAKE_TENANT_ID },
                    }),
                },
            };
        }
        case AZURE_TYPES.systemTopicEventSubscription:
            return { id, state: { ...inputs, name: inputs.eventSubscriptionName, provisioningState: "Succeeded" } };
        case AZURE_TYPES.diagnosticSetting:
            return { id, state: { ...inputs } };
        case POOL_SETTINGS_TYPE:
            return { id: `${String(inputs.poolId)}/updatableSettings`, state: { ...inputs } };
        case CERTIFICATE_CONTACTS_TYPE: {
            const contactsId = `${String(inputs.vaultUri).replace(/\/+$/, "")}/certificates/contacts`;
            return { id: contactsId, state: { ...inputs, contactsId } };
        }
        case CERTIFICATE_TYPE: {
            const uri = String(inputs.vaultUri).replace(/\/?$/, "/");
            const certName = String((inputs.certificate as State).name);
            const version = deterministicGuid("version", uri, certName).replace(/-/g, "");
            return {
                id: `${uri}certificates/${certName}`,
                state: {
                    ...inputs,
                    name: certName,
                    certificateId: `${uri}certificates/${certName}`,
                    secretId: `${uri}secrets/${certName}`,
                    version,
                    thumbprint: deterministicGuid("thumbprint", uri, certName).replace(/-/g, "").toUpperCase().slice(0, 40),
                    expiresOn: "2027-11-28T00:00:00.000Z",
                },
            };
        }
        default:
            return { id, state: inputs };
    }
}

/** What a data-source call (invoke) returns. */
export function invokeAnswer(token: string, inputs: State): State {
    switch (token) {
        case "azuread:index/getClientConfig:getClientConfig":
            return { clientId: FAKE_DEPLOYER_CLIENT_ID, objectId: FAKE_DEPLOYER_OBJECT_ID, tenantId: FAKE_TENANT_ID };
        case "azure-native:managedidentity:getUserAssignedIdentity": {
            const rg = String(inputs.resourceGroupName);
            const name = String(inputs.resourceName);
            return {
                id: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
                name,
                clientId: deterministicGuid("clientId", rg, name),
                principalId: deterministicGuid("principalId", rg, name),
                tenantId: FAKE_TENANT_ID,
            };
        }
        case "azure-native:keyvault:getVault": {
            const rg = String(inputs.resourceGroupName);
            const name = String(inputs.vaultName);
            return {
                id: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/${name}`,
                name,
                location: "westus2",
                properties: { tenantId: FAKE_TENANT_ID, vaultUri: vaultUri(name, "westus2"), sku: { family: "A", name: "standard" } },
            };
        }
        case "azure-native:batch:getBatchAccount": {
            const rg = String(inputs.resourceGroupName);
            const name = String(inputs.accountName);
            return {
                id: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/${rg}/providers/Microsoft.Batch/batchAccounts/${name}`,
                name,
                accountEndpoint: `${name}.westus2.batch.azure.com`,
            };
        }
        default:
            throw new Error(`no deterministic answer for the call ${token}; add one to tools/plan/answers.ts`);
    }
}
