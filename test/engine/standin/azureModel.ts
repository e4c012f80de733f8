// TEST DOUBLE: a small model of the Azure services behind azure-native, for
// the engine suite's stand-ins. It holds what Azure holds (resources by ARM
// ID, soft-deleted vault names) and applies the services' own rules that this
// project meets; every rule names its source beside it. It knows nothing of
// Pulumi or gRPC, so the stand-in provider and an HTTP "ARM" endpoint can both
// serve it, and a test can preload it (an adopted vault with its policies).
//
// API (synchronous, file-backed: every call loads the JSON file at `path`,
// applies one operation and saves it, so the several provider processes of one
// engine run share one Azure):
//   loadModel(path) / saveModel(path, model)    the whole model; a missing file is an empty Azure
//   getResource(path, id)                       GET:    {status: 200, body} or 404 ResourceNotFound
//   putResource(path, id, body)                 PUT:    create or replace the whole body, Azure's refusals applied
//   patchPool(path, id, body)                   PATCH:  a Batch pool's Pool - Update, only the properties it carries
//   patchAccount(path, id, body)                PATCH:  a Batch account's Batch Account - Update (its encryption)
//   deleteResource(path, id)                    DELETE: 200, or 204 when absent; vaults stay soft-deleted; refused under a lock
//   nodeCount(path, id)                         a pool's current dedicated nodes (what decides Batch's refusals)
// Bodies are ARM-shaped ({location, tags, identity, properties}). IDs compare
// case-insensitively, as ARM's do. A Key Vault access policy is addressed as
// azure-native's custom resource does: `<vault ID>/accessPolicy/<objectId>`.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export type Body = Record<string, unknown>;

export interface ArmResponse {
    status: number;
    body: Body;
}

export interface ModelResource {
    id: string;
    body: Body;
    /** Batch pools: the dedicated nodes the pool has now. */
    nodes?: number;
}

export interface DeletedVault {
    /** The vault's ARM ID when it was deleted. */
    id: string;
    body: Body;
}

export interface AzureModel {
    resources: Record<string, ModelResource>;
    /** Soft-deleted vaults by lower-case name: vault names are global. */
    deletedVaults: Record<string, DeletedVault>;
}

export function emptyModel(): AzureModel {
    return { resources: {}, deletedVaults: {} };
}

export function loadModel(path: string): AzureModel {
    if (!existsSync(path)) return emptyModel();
    const text = readFileSync(path, "utf8");
    return text.trim() === "" ? emptyModel() : JSON.parse(text) as AzureModel;
}

export function saveModel(path: string, model: AzureModel): void {
    writeFileSync(path, `${JSON.stringify(model, null, 1)}\n`);
}

function update<T>(path: string, fn: (model: AzureModel) => T): T {
    const model = loadModel(path);
    const result = fn(model);
    saveModel(path, model);
    return result;
}

/** ARM's error envelope, as every service here answers it: {"error": {"code", "message", "target"?}}. */
export function armError(status: number, code: string, message: string, target?: string): ArmResponse {
    return { status, body: { error: { code, message, ...(target === undefined ? {} : { target }) } } };
}

const key = (id: string): string => id.toLowerCase().replace(/\/+$/, "");

const POOL_ID = /\/providers\/Microsoft\.Batch\/batchAccounts\/[^/]+\/pools\/[^/]+$/i;
const VAULT_ID = /\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)$/i;
const ACCESS_POLICY_ID = /^(.*\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+)\/accessPolicy\/([^/]+)$/i;
const ROLE_ASSIGNMENT_ID = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments\/([^/]+)$/i;
const RESOURCE_GROUP_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i;
const LOCK_ID = /^(.*)\/providers\/Microsoft\.Authorization\/locks\/[^/]+$/i;
const ACCOUNT_ID = /\/providers\/Microsoft\.Batch\/batchAccounts\/[^/]+$/i;

function properties(body: Body): Body {
    return (body.properties ?? {}) as Body;
}

interface AccessPolicyEntry {
    tenantId?: string;
    objectId: string;
    permissions?: unknown;
}

function accessPoliciesOf(vault: ModelResource): AccessPolicyEntry[] {
    return (properties(vault.body).accessPolicies ?? []) as AccessPolicyEntry[];
}

function findPolicy(model: AzureModel, id: string): { vault?: ModelResource; index: number } {
    const [, vaultId, objectId] = ACCESS_POLICY_ID.exec(id) ?? [];
    const vault = model.resources[key(vaultId ?? "")];
    const index = vault ? accessPoliciesOf(vault).findIndex((p) => p.objectId.toLowerCase() === objectId.toLowerCase()) : -1;
    return { vault, index };
}

export function getResource(path: string, id: string): ArmResponse {
    const model = loadModel(path);
    if (ACCESS_POLICY_ID.test(id)) {
        const { vault, index } = findPolicy(model, id);
        if (!vault || index < 0) return armError(404, "ResourceNotFound", `The access policy '${id}' was not found.`);
        return { status: 200, body: { id, properties: accessPoliciesOf(vault)[index] } };
    }
    const found = model.resources[key(id)];
    if (!found) return armError(404, "ResourceNotFound", `The Resource '${id}' was not found.`);
    return { status: 200, body: { id: found.id, ...found.body } };
}

// Batch "Update pool properties" (MicrosoftDocs azure-docs articles/batch/batch-pool-update-properties.md):
// with nodes in the pool only these change; every other property needs a pool of zero nodes.
export const POOL_UPDATABLE_WITH_NODES = ["applicationPackages", "certificates", "metadata", "scaleSettings", "startTask"] as const;

/**
 * Batch refuses a PUT to a pool that has nodes when its body carries any other
 * property, even unchanged: Azure/Batch#153 (an unchanged Bicep redeploy of a
 * pool with extensions), Azure/terraform-provider-azapi#263 (refused on
 * networkConfiguration when only the autoscale formula changed), Azure/Batch#85.
 * The error body is the one those threads quote.
 */
function refusedPoolProperty(pool: ModelResource, body: Body): string | undefined {
    if ((pool.nodes ?? 0) === 0) return undefined;
    return Object.keys(properties(body)).find((p) => !(POOL_UPDATABLE_WITH_NODES as readonly string[]).includes(p));
}

function propertyCannotBeUpdated(name: string): ArmResponse {
    return armError(400, "PropertyCannotBeUpdated", `The property '${name}' cannot be updated, because the pool has nodes. ` +
        "RequestId:00000000-0000-0000-0000-000000000000", name);
}

/**
 * A pool's dedicated nodes once created: its fixed-scale target. An autoscale
 * pool's count is whatever Batch evaluates the formula to, which the model
 * can't do; it counts as having nodes, the case in which Batch refuses most.
 */
function initialNodes(body: Body): number {
    const scale = (properties(body).scaleSettings ?? {}) as { fixedScale?: { targetDedicatedNodes?: number }; autoScale?: unknown };
    if (scale.autoScale !== undefined) return 1;
    return scale.fixedScale?.targetDedicatedNodes ?? 0;
}

// Key Vault management API (specs keyvault 2024-11-01 VaultProperties.createMode, "recover" | "default";
// MicrosoftDocs key-vault soft-delete overview): a deleted vault keeps its name for the retention period,
// and a PUT of that name is refused unless it recovers the vault.
export const VAULT_IN_DELETED_STATE =
    "A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. " +
    "Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.";

function putVault(model: AzureModel, id: string, name: string, body: Body): ArmResponse {
    const deleted = model.deletedVaults[name.toLowerCase()];
    const recover = properties(body).createMode === "recover";
    const existing = model.resources[key(id)];
    if (deleted && !existing && !recover) return armError(409, "ConflictError", VAULT_IN_DELETED_STATE);
    if (recover && !deleted && !existing) {
        // The message is the stand-in's own wording; only the refusal is documented (createMode: recover needs a deleted vault).
        return armError(404, "ResourceNotFound", `No deleted vault named '${name}' can be recovered.`);
    }
    if (recover && deleted) {
        // A recovered vault comes back with what it held, its access policies included.
        delete model.deletedVaults[name.toLowerCase()];
        const restored = { ...body, properties: { ...properties(body), accessPolicies: accessPoliciesOf({ id, body: deleted.body }) } };
        model.resources[key(id)] = { id, body: restored };
        return { status: 200, body: { id, ...restored } };
    }
    // azure-native sends the access policies it doesn't manage inline as they are (issue #594 handling):
    // a PUT without them keeps the vault's, so separate AccessPolicy resources survive a vault update.
    const kept = existing && properties(body).accessPolicies === undefined ? accessPoliciesOf(existing) : properties(body).accessPolicies ?? [];
    const stored = { ...body, properties: { ...properties(body), accessPolicies: kept } };
    model.resources[key(id)] = { id, body: stored };
    return { status: existing ? 200 : 201, body: { id, ...stored } };
}

function putAccessPolicy(model: AzureModel, id: string, body: Body): ArmResponse {
    const { vault, index } = findPolicy(model, id);
    if (!vault) return armError(404, "ResourceNotFound", `The Resource '${ACCESS_POLICY_ID.exec(id)?.[1] ?? id}' was not found.`);
    const entry = properties(body) as unknown as AccessPolicyEntry;
    const policies = accessPoliciesOf(vault);
    // Vaults - UpdateAccessPolicy "replace" for an existing entry, "add" otherwise.
    if (index >= 0) policies[index] = entry;
    else policies.push(entry);
    vault.body = { ...vault.body, properties: { ...properties(vault.body), accessPolicies: policies } };
    return { status: 200, body: { id, properties: entry } };
}

// ARM RBAC: one assignment per principal, role and scope; a second one under another name is refused
// (MicrosoftDocs role-based-access-control troubleshooting: "RoleAssignmentExists").
function putRoleAssignment(model: AzureModel, id: string, body: Body): ArmResponse {
    const p = properties(body);
    const [, scope] = ROLE_ASSIGNMENT_ID.exec(id) ?? [];
    const twin = Object.values(model.resources).find((r) => {
        const m = ROLE_ASSIGNMENT_ID.exec(r.id);
        const q = properties(r.body);
        return m !== null && key(r.id) !== key(id) && key(m[1]) === key(scope ?? "") &&
            String(q.principalId).toLowerCase() === String(p.principalId).toLowerCase() &&
            String(q.roleDefinitionId).toLowerCase() === String(p.roleDefinitionId).toLowerCase();
    });
    if (twin) return armError(409, "RoleAssignmentExists", `The role assignment already exists. The ID of the existing role assignment is ${twin.id.split("/").pop() ?? ""}.`);
    const existing = model.resources[key(id)];
    model.resources[key(id)] = { id, body };
    return { status: existing ? 200 : 201, body: { id, ...body } };
}

const SYSTEM_TOPIC_ID = /\/providers\/Microsoft\.EventGrid\/systemTopics\/[^/]+$/i;

// Event Grid: "Only one Azure Event Grid system topic is allowed per source" (MicrosoftDocs azure-docs
// articles/event-grid/system-topics.md). The refusal is documented; its code and wording here are the stand-in's own.
function putSystemTopic(model: AzureModel, id: string, body: Body): ArmResponse {
    const source = String(properties(body).source ?? "").toLowerCase();
    const twin = Object.values(model.resources).find((r) => SYSTEM_TOPIC_ID.test(r.id) && key(r.id) !== key(id) &&
        String(properties(r.body).source ?? "").toLowerCase() === source);
    if (twin) return armError(400, "InvalidRequest", `Only one system topic is allowed per source; ${twin.id} already has source ${source}.`);
    const existing = model.resources[key(id)];
    model.resources[key(id)] = { id, body };
    return { status: existing ? 200 : 201, body: { id, ...body } };
}

export function putResource(path: string, id: string, body: Body): ArmResponse {
    return update(path, (model) => {
        if (ACCESS_POLICY_ID.test(id)) return putAccessPolicy(model, id, body);
        if (SYSTEM_TOPIC_ID.test(id)) return putSystemTopic(model, id, body);
        if (ROLE_ASSIGNMENT_ID.test(id)) return putRoleAssignment(model, id, body);
        const vault = VAULT_ID.exec(id);
        if (vault) return putVault(model, id, vault[1], body);
        const existing = model.resources[key(id)];
        if (POOL_ID.test(id)) {
            if (existing) {
                const refused = refusedPoolProperty(existing, body);
                if (refused !== undefined) return propertyCannotBeUpdated(refused);
                // Pool - Create is a PUT that replaces every property (Batch REST API, Pool - Create).
                existing.body = body;
                return { status: 200, body: { id, ...body } };
            }
            model.resources[key(id)] = { id, body, nodes: initialNodes(body) };
            return { status: 201, body: { id, ...body } };
        }
        model.resources[key(id)] = { id, body };
        return { status: existing ? 200 : 201, body: { id, ...body } };
    });
}

/**
 * Batch Pool - Update (PATCH): changes only the properties it carries; with
 * nodes in the pool only the updatable ones (batch-pool-update-properties.md).
 */
export function patchPool(path: string, id: string, body: Body): ArmResponse {
    return update(path, (model) => {
        const pool = model.resources[key(id)];
        if (!pool || !POOL_ID.test(id)) return armError(404, "PoolNotFound", `The specified pool does not exist. Pool: ${id}`);
        const refused = refusedPoolProperty(pool, body);
        if (refused !== undefined) return propertyCannotBeUpdated(refused);
        pool.body = { ...pool.body, ...body, properties: { ...properties(pool.body), ...properties(body) } };
        const scale = properties(body).scaleSettings as { fixedScale?: { targetDedicatedNodes?: number } } | undefined;
        // The model resizes at once; Batch resizes within resizeTimeout.
        if (scale?.fixedScale?.targetDedicatedNodes !== undefined) pool.nodes = scale.fixedScale.targetDedicatedNodes;
        return { status: 200, body: { id, ...pool.body } };
    });
}

// Management locks (MicrosoftDocs azure-docs articles/azure-resource-manager/management/lock-resources.md):
// a lock applies to its scope and everything below it, extension resources included ("Lock inheritance"); a
// CanNotDelete lock refuses the delete of any of them, role assignments at the scope included ("A cannot-delete
// lock on a resource or resource group prevents the deletion of Azure RBAC assignments"), and a resource group
// holding a locked resource is not deleted at all ("You never have a partial deletion"). The lock itself is
// deletable by whoever may delete locks. Azure's answer is 409 ScopeLocked with this message, as quoted in
// Azure/apiops#606 (the whole error body) and hashicorp/terraform-provider-azurerm#17478 (Status=409).
export function scopeLocked(id: string, lockedScopes: string[]): ArmResponse {
    return armError(409, "ScopeLocked", `The scope '${id}' cannot perform delete operation because following scope(s) are locked: ` +
        `${lockedScopes.map((s) => `'${s}'`).join(", ")}. Please remove the lock and try again.`);
}

/** The scopes of the CanNotDelete locks, other than the one deleted, that cover a delete of `doomed` (a group: all it holds). */
function locksCovering(model: AzureModel, id: string, doomed: string[]): string[] {
    const scopes = Object.values(model.resources).flatMap((r) => {
        const m = LOCK_ID.exec(r.id);
        return m && properties(r.body).level === "CanNotDelete" && key(id) !== key(r.id) ? [m[1]] : [];
    });
    return [...new Set(scopes.filter((scope) => doomed.some((d) => key(d) === key(scope) || key(d).startsWith(`${key(scope)}/`)) ||
        // A lock below a doomed group stops the whole group's delete.
        doomed.some((d) => RESOURCE_GROUP_ID.test(d) && key(scope).startsWith(`${key(d)}/`))))];
}

/**
 * Batch Account - Update (PATCH): the properties it carries replace the account's. With encryption keySource
 * Microsoft.KeyVault the account must have a system-assigned identity (Batch management spec 2024-07-01,
 * KeySource); the refusal's code and wording are the stand-in's own, only the rule is documented.
 */
export function patchAccount(path: string, id: string, body: Body): ArmResponse {
    return update(path, (model) => {
        const account = model.resources[key(id)];
        if (!account || !ACCOUNT_ID.test(id)) return armError(404, "ResourceNotFound", `The Resource '${id}' was not found.`);
        const encryption = properties(body).encryption as { keySource?: string } | undefined;
        const identity = (account.body.identity ?? {}) as { type?: string };
        if (encryption?.keySource === "Microsoft.KeyVault" && !String(identity.type ?? "").includes("SystemAssigned")) {
            return armError(400, "InvalidRequestBody", "Encryption with Microsoft.KeyVault needs the account's identity to be SystemAssigned.");
        }
        account.body = { ...account.body, properties: { ...properties(account.body), ...properties(body) } };
        return { status: 200, body: { id, ...account.body } };
    });
}

export function deleteResource(path: string, id: string): ArmResponse {
    return update(path, (model) => {
        // azure-native removes an access policy with Vaults - UpdateAccessPolicy "remove", a PUT on the vault, which a
        // CanNotDelete lock allows (custom_keyvault_accesspolicy.go).
        if (ACCESS_POLICY_ID.test(id)) {
            const { vault, index } = findPolicy(model, id);
            if (!vault || index < 0) return { status: 204, body: {} };
            accessPoliciesOf(vault).splice(index, 1);
            return { status: 200, body: {} };
        }
        // Deleting a resource group deletes everything in it (ARM Resource Groups - Delete).
        const doomed = Object.values(model.resources).filter((r) => key(r.id) === key(id) ||
            (RESOURCE_GROUP_ID.test(id) && key(r.id).startsWith(`${key(id)}/`)));
        if (doomed.length === 0) return { status: 204, body: {} };
        const locked = locksCovering(model, id, [id, ...doomed.map((r) => r.id)]);
        if (locked.length > 0) return scopeLocked(id, locked);
        for (const r of doomed) {
            delete model.resources[key(r.id)];
            // Soft delete is on for every vault and can't be turned off (Key Vault soft-delete overview, since 2020-12):
            // the name stays reserved for softDeleteRetentionInDays.
            const vault = VAULT_ID.exec(r.id);
            if (vault) model.deletedVaults[vault[1].toLowerCase()] = { id: r.id, body: r.body };
        }
        return { status: 200, body: {} };
    });
}

export function nodeCount(path: string, id: string): number | undefined {
    return loadModel(path).resources[key(id)]?.nodes;
}

/** The ID azure-native gives a Key Vault access policy (custom_keyvault_accesspolicy.go). */
export function accessPolicyId(vaultId: string, objectId: string): string {
    return `${vaultId}/accessPolicy/${objectId}`;
}
