// Who may do what in the vault. The nodes' identity only ever reads secrets
// (the certificate with its private key is served as a secret); the deployer
// gets what creating and renewing certificates needs, and never purge.
// Grants are stand-alone resources on every vault, created or adopted: mixing
// them with inline vault access policies would let each overwrite the other.

import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { KEY_VAULT_CERTIFICATES_OFFICER, KEY_VAULT_SECRETS_USER } from "./azureFacts";
import { deterministicGuid, subscriptionOf } from "./naming";
import type { VaultAuthorization } from "./types";

export { KEY_VAULT_CERTIFICATES_OFFICER, KEY_VAULT_SECRETS_USER };

/** As the how-to: the identity reads secrets and nothing else. */
export const IDENTITY_SECRET_PERMISSIONS = ["get", "list"] as const;
/** What the certificate resource calls: create, read, update policy and tags, soft delete, recover. */
export const DEPLOYER_CERTIFICATE_PERMISSIONS = ["get", "list", "create", "update", "delete", "recover"] as const;
/**
 * Set, read and delete the vault's certificate contacts (Key Vault's spec: "requires the
 * certificates/managecontacts permission"); granted only when keyVault.certificateContacts is set.
 * In RBAC mode Key Vault Certificates Officer already holds it (data action certificatecontacts/write).
 */
export const DEPLOYER_CONTACTS_PERMISSION = "managecontacts" as const;

/**
 * First-party public clients people sign in through. When the deployment runs
 * through one of them the deployer is a user; any other client ID is a service
 * principal's own (a pipeline). ARM refuses a role assignment whose
 * principalType doesn't match the principal, and azure-native defaults it to User.
 */
export const INTERACTIVE_CLIENT_IDS: Readonly<Record<string, string>> = {
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Azure CLI",
    "1950a258-227b-4e31-a9cf-717495945fc2": "Azure PowerShell",
    "872cd9fa-d31f-45e0-9eab-6e460a02d1f1": "Visual Studio",
    "aebc6443-996d-45c2-90f0-388ff96faa56": "Visual Studio Code",
};

export type PrincipalType = "User" | "ServicePrincipal" | "Group";

export function principalTypeOfClient(clientId: string): PrincipalType {
    return clientId.toLowerCase() in INTERACTIVE_CLIENT_IDS ? "User" : "ServicePrincipal";
}

export function roleDefinitionId(vaultId: string, roleGuid: string): string {
    return `/subscriptions/${subscriptionOf(vaultId)}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

export interface GrantTargets {
    vaultId: pulumi.Input<string>;
    vaultName: pulumi.Input<string>;
    resourceGroupName: pulumi.Input<string>;
    tenantId: pulumi.Input<string>;
    identityPrincipalId: pulumi.Input<string>;
    /**
     * The vault and the identity as configuration names them (CertificateVault.key,
     * NodeIdentity.key): role-assignment names hash these, known in every preview,
     * not the vault's ID or the principal ID Azure computes.
     */
    nameKeys: { vault: string; identity: string };
    deployerObjectId: pulumi.Input<string>;
    deployerPrincipalType: pulumi.Input<PrincipalType>;
    /** Access-policy mode on an adopted vault: the principals whose policies the vault already has, left alone. */
    existingAccessPolicies?: readonly ("identity" | "deployer")[];
    /** The stack sets the vault's certificate contacts: the deployer's access policy gains managecontacts. */
    manageContacts?: boolean;
}

/** Creates the grants for the chosen authorization model; the pool and certificates depend on all of them. */
export function createGrants(
    name: string,
    mode: VaultAuthorization,
    targets: GrantTargets,
    opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource[] {
    return mode === "rbac" ? createRbacGrants(name, targets, opts) : createAccessPolicyGrants(name, targets, opts);
}

function createAccessPolicyGrants(name: string, t: GrantTargets, opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
    const policy = (objectId: pulumi.Input<string>, permissions: { secrets?: string[]; certificates?: string[] }) =>
        ({ tenantId: t.tenantId, objectId, permissions });
    // azure-native refuses to create a policy the vault already has for that object ID (custom_keyvault_accesspolicy.go),
    // and deleting it with the stack would take away access the stack never gave: an existing one is left alone.
    const existing = t.existingAccessPolicies ?? [];
    return [
        ...(existing.includes("identity") ? [] : [new keyvault.AccessPolicy(`${name}-identity-access`, {
            resourceGroupName: t.resourceGroupName,
            vaultName: t.vaultName,
            policy: policy(t.identityPrincipalId, { secrets: [...IDENTITY_SECRET_PERMISSIONS] }),
        }, opts)]),
        ...(existing.includes("deployer") ? [] : [new keyvault.AccessPolicy(`${name}-deployer-access`, {
            resourceGroupName: t.resourceGroupName,
            vaultName: t.vaultName,
            policy: policy(t.deployerObjectId, {
                certificates: [...DEPLOYER_CERTIFICATE_PERMISSIONS, ...(t.manageContacts === true ? [DEPLOYER_CONTACTS_PERMISSION] : [])],
            }),
        }, opts)]),
    ];
}

function createRbacGrants(name: string, t: GrantTargets, opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
    // principalKey names the principal as configuration does (the identity's key; the deployer's object ID, which the
    // azuread invoke answers in every preview): the assignment's name is a URL parameter, so it must never be unknown.
    const assign = (suffix: string, role: string, principalId: pulumi.Input<string>, principalKey: pulumi.Input<string>,
        principalType: pulumi.Input<PrincipalType>) =>
        new authorization.RoleAssignment(`${name}-${suffix}`, {
            scope: t.vaultId,
            principalId,
            // A freshly created identity may not have replicated yet; stating its type avoids PrincipalNotFound.
            principalType,
            roleDefinitionId: pulumi.output(t.vaultId).apply((id) => roleDefinitionId(id, role)),
            roleAssignmentName: pulumi.output(principalKey).apply((p) => deterministicGuid(`vault:${t.nameKeys.vault}`, p, role)),
        }, opts);
    return [
        assign("identity-secrets-user", KEY_VAULT_SECRETS_USER, t.identityPrincipalId, `identity:${t.nameKeys.identity}`, "ServicePrincipal"),
        assign("deployer-certificates-officer", KEY_VAULT_CERTIFICATES_OFFICER, t.deployerObjectId, t.deployerObjectId, t.deployerPrincipalType),
    ];
}
