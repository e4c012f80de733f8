// Which planned resources map to which Azure REST spec operation, and the check
// of a whole offline plan against them with oav. The specs are the copies kept
// in the repository (test/fixtures/specs, each file's source in SOURCES.md).

import type { PlanDocument } from "../../policy/planDocument";
import { SpecValidator, type RestCall } from "./specValidator";
import { ACCOUNT_ENCRYPTION_TYPE, AZURE_TYPES, CERTIFICATE_CONTACTS_TYPE, CERTIFICATE_TYPE, POOL_SETTINGS_TYPE } from "../../components/azureFacts";

export interface SpecBinding {
    /** Pulumi type token of the planned resource. */
    resourceType: string;
    /** Spec file, relative to the specs folder. */
    specFile: string;
    /** The operation the request must match, so that a call routed to the wrong operation is caught. */
    operationId: string;
    /** The api-version the request must carry. */
    apiVersion: string;
    /** Every plan must contain one (the component always creates it); otherwise checked when present. */
    requiredInEveryPlan: boolean;
}

const PRIVATE_ENDPOINT_SPEC = "network/network/resource-manager/Microsoft.Network/stable/2024-05-01/privateEndpoint.json";
const PRIVATE_DNS_SPEC = "network/privatedns/resource-manager/Microsoft.Network/stable/2024-06-01/privatedns.json";
const RESOURCES_SPEC = "arm/resources/resource-manager/Microsoft.Resources/stable/2024-03-01/resources.json";
const MANAGED_IDENTITY_SPEC = "arm/msi/resource-manager/Microsoft.ManagedIdentity/stable/2023-01-31/ManagedIdentity.json";
const ROLE_ASSIGNMENTS_SPEC = "arm/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json";
export const EVENT_GRID_SPEC = "arm/eventgrid/resource-manager/Microsoft.EventGrid/stable/2025-02-15/EventGrid.json";
export const DIAGNOSTIC_SETTINGS_SPEC = "arm/monitor/resource-manager/Microsoft.Insights/preview/2021-05-01-preview/diagnosticsSettings_API.json";

export const SPEC_BINDINGS: readonly SpecBinding[] = [
    {
        resourceType: AZURE_TYPES.pool,
        specFile: "batch-2024-07-01/BatchManagement.json",
        operationId: "Pool_Create",
        apiVersion: "2024-07-01",
        requiredInEveryPlan: true,
    },
    {
        // Batch's PATCH of a pool's updatable settings (components/poolSettingsProvider.ts).
        resourceType: POOL_SETTINGS_TYPE,
        specFile: "batch-2024-07-01/BatchManagement.json",
        operationId: "Pool_Update",
        apiVersion: "2024-07-01",
        requiredInEveryPlan: true,
    },
    {
        resourceType: AZURE_TYPES.vault,
        specFile: "keyvault/keyvault-2024-11-01.json",
        operationId: "Vaults_CreateOrUpdate",
        apiVersion: "2024-11-01",
        requiredInEveryPlan: true,
    },
    {
        // The version @azure/keyvault-certificates 4.10 sends when no serviceVersion is set.
        resourceType: CERTIFICATE_TYPE,
        specFile: "keyvault-2025-07-01/certificates.json",
        operationId: "CreateCertificate",
        apiVersion: "2025-07-01",
        requiredInEveryPlan: true,
    },
    // Present only with keyVault.certificateContacts: the vault's contacts, on its data plane (issue 19).
    {
        resourceType: CERTIFICATE_CONTACTS_TYPE,
        specFile: "keyvault-2025-07-01/certificates.json",
        operationId: "SetCertificateContacts",
        apiVersion: "2025-07-01",
        requiredInEveryPlan: false,
    },
    // Present only on access-policy vaults.
    {
        resourceType: AZURE_TYPES.accessPolicy,
        specFile: "keyvault/keyvault-2024-11-01.json",
        operationId: "Vaults_UpdateAccessPolicy",
        apiVersion: "2024-11-01",
        requiredInEveryPlan: false,
    },
    // Present only on a vault with keyVault.network.privateEndpoint; the zone and its link only when no zone is given.
    {
        resourceType: AZURE_TYPES.privateEndpoint,
        specFile: PRIVATE_ENDPOINT_SPEC,
        operationId: "PrivateEndpoints_CreateOrUpdate",
        apiVersion: "2024-05-01",
        requiredInEveryPlan: false,
    },
    {
        resourceType: AZURE_TYPES.privateDnsZoneGroup,
        specFile: PRIVATE_ENDPOINT_SPEC,
        operationId: "PrivateDnsZoneGroups_CreateOrUpdate",
        apiVersion: "2024-05-01",
        requiredInEveryPlan: false,
    },
    {
        resourceType: AZURE_TYPES.privateZone,
        specFile: PRIVATE_DNS_SPEC,
        operationId: "PrivateZones_CreateOrUpdate",
        apiVersion: "2024-06-01",
        requiredInEveryPlan: false,
    },
    {
        resourceType: AZURE_TYPES.virtualNetworkLink,
        specFile: PRIVATE_DNS_SPEC,
        operationId: "VirtualNetworkLinks_CreateOrUpdate",
        apiVersion: "2024-06-01",
        requiredInEveryPlan: false,
    },
    // Present only with createdBatchAccount.customerManagedKey: the account's key, through Resource Manager.
    {
        resourceType: AZURE_TYPES.key,
        specFile: "keyvault-keys-2024-11-01/keys.json",
        operationId: "Keys_CreateIfNotExist",
        apiVersion: "2024-11-01",
        requiredInEveryPlan: false,
    },
    // Present only with keyVault.lock or createdBatchAccount.lock: a lock at the locked resource's scope.
    {
        resourceType: AZURE_TYPES.managementLock,
        specFile: "arm/resources/resource-manager/Microsoft.Authorization/stable/2020-05-01/locks.json",
        operationId: "ManagementLocks_CreateOrUpdateByScope",
        apiVersion: "2020-05-01",
        requiredInEveryPlan: false,
    },
    // The stack's own resources (index.ts) and the component's identity and role
    // assignments: the versions azure-native 3.28 sends (each SDK class's
    // "Uses Azure REST API version ..."), specs under arm/.
    {
        resourceType: AZURE_TYPES.resourceGroup,
        specFile: RESOURCES_SPEC,
        operationId: "ResourceGroups_CreateOrUpdate",
        apiVersion: "2024-03-01",
        requiredInEveryPlan: false,
    },
    // Only when the stack creates its Batch account; an adopted account (config batchAccount) sends no request.
    {
        resourceType: AZURE_TYPES.batchAccount,
        specFile: "batch-2024-07-01/BatchManagement.json",
        operationId: "BatchAccount_Create",
        apiVersion: "2024-07-01",
        requiredInEveryPlan: false,
    },
    {
        // Present only with createdBatchAccount.customerManagedKey: Batch's PATCH of the account's encryption alone
        // (components/accountEncryptionProvider.ts), the step Batch's customer-managed-key guide takes with az batch account set.
        resourceType: ACCOUNT_ENCRYPTION_TYPE,
        specFile: "batch-2024-07-01/BatchManagement.json",
        operationId: "BatchAccount_Update",
        apiVersion: "2024-07-01",
        requiredInEveryPlan: false,
    },
    {
        resourceType: AZURE_TYPES.identity,
        specFile: MANAGED_IDENTITY_SPEC,
        operationId: "UserAssignedIdentities_CreateOrUpdate",
        apiVersion: "2023-01-31",
        requiredInEveryPlan: false,
    },
    {
        resourceType: AZURE_TYPES.roleAssignment,
        specFile: ROLE_ASSIGNMENTS_SPEC,
        operationId: "RoleAssignments_Create",
        apiVersion: "2022-04-01",
        requiredInEveryPlan: false,
    },
    // Observability, present when a stack turns it on: certificate events and diagnostic settings.
    {
        resourceType: AZURE_TYPES.systemTopic,
        specFile: EVENT_GRID_SPEC,
        operationId: "SystemTopics_CreateOrUpdate",
        apiVersion: "2025-02-15",
        requiredInEveryPlan: false,
    },
    {
        resourceType: AZURE_TYPES.systemTopicEventSubscription,
        specFile: EVENT_GRID_SPEC,
        operationId: "SystemTopicEventSubscriptions_CreateOrUpdate",
        apiVersion: "2025-02-15",
        requiredInEveryPlan: false,
    },
    {
        resourceType: AZURE_TYPES.diagnosticSetting,
        specFile: DIAGNOSTIC_SETTINGS_SPEC,
        operationId: "DiagnosticSettings_CreateOrUpdate",
        apiVersion: "2021-05-01-preview",
        requiredInEveryPlan: false,
    },
];

/**
 * Rendered types with no spec in the fixtures: none. Every request a plan
 * renders is bound above; the test "none left unchecked" fails on any
 * rendered type without a binding, and on any entry added here.
 */
export const UNCHECKED_TYPES: readonly string[] = [];

/** Loads the spec files the bindings name, each once. */
export async function loadBoundSpecs(specsRoot: string, bindings: readonly SpecBinding[] = SPEC_BINDINGS): Promise<SpecValidator> {
    return SpecValidator.load(specsRoot, [...new Set(bindings.map((binding) => binding.specFile))]);
}

/**
 * `null` anywhere in a body: oav lets it through even where the spec has no
 * `x-nullable`, and the renderer omits absent values instead of sending null,
 * so any null is a rendering bug.
 */
export function nullsIn(value: unknown, where = "$"): string[] {
    if (value === null) return [`${where}: null in a request body (oav does not check nullability; render the field or omit it)`];
    if (Array.isArray(value)) return value.flatMap((item, index) => nullsIn(item, `${where}[${index}]`));
    if (typeof value === "object") return Object.entries(value).flatMap(([key, item]) => nullsIn(item, `${where}.${key}`));
    return [];
}

/** Every problem with one call against its binding: oav's findings, the operation it matched, and nulls. */
export async function checkCall(validator: SpecValidator, binding: SpecBinding, call: RestCall): Promise<string[]> {
    const { operationId, apiVersion, problems } = await validator.validate(call, binding.operationId);
    if (operationId !== undefined && (operationId !== binding.operationId || apiVersion !== binding.apiVersion)) {
        problems.unshift(`url: matched ${operationId} (api-version ${apiVersion ?? "?"}), expected ${binding.operationId} (api-version ${binding.apiVersion})`);
    }
    return [...problems, ...nullsIn(call.body)];
}

export interface PlanCheckResult {
    /** One line per problem: `<resource name> (<type>) <where>: <message>`. */
    problems: string[];
    /** How many requests were validated, per bound resource type (0 included). */
    validated: Record<string, number>;
    /** Rendered requests of types with no spec (UNCHECKED_TYPES and any other), per type. */
    unchecked: Record<string, number>;
}

/** Validates the rendered request of every planned resource that has a bound spec. */
export async function checkPlanRequests(
    plan: PlanDocument,
    validator: SpecValidator,
    bindings: readonly SpecBinding[] = SPEC_BINDINGS,
): Promise<PlanCheckResult> {
    const problems: string[] = [];
    const validated: Record<string, number> = Object.fromEntries(bindings.map((binding) => [binding.resourceType, 0]));
    const unchecked: Record<string, number> = {};
    for (const resource of plan.resources) {
        const binding = bindings.find((candidate) => candidate.resourceType === resource.type);
        if (binding === undefined) {
            if (resource.request !== undefined) unchecked[resource.type] = (unchecked[resource.type] ?? 0) + 1;
            continue;
        }
        const label = `${resource.name} (${resource.type})`;
        if (resource.request === undefined) {
            problems.push(`${label}: no request rendered; the plan must render the REST call for this type`);
            continue;
        }
        for (const problem of await checkCall(validator, binding, resource.request)) problems.push(`${label} ${problem}`);
        validated[binding.resourceType] += 1;
    }
    return { problems, validated, unchecked };
}
