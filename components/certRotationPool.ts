// One dependency graph, in the order Azure needs it: identity, vault, grants,
// certificates, pool. The pool waits for the grants and the certificates,
// because with requireInitialSync a node is unusable until it can read every
// certificate.

import * as pulumi from "@pulumi/pulumi";
import * as batch from "@pulumi/azure-native/batch";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { getClientConfigOutput } from "@pulumi/azuread/getClientConfig";
import { COMPONENT_TYPE } from "./azureFacts";
import { createGrants, type PrincipalType, principalTypeOfClient } from "./access";
import { KeyVaultCertificate } from "./certificate";
import { versionlessCertificateId, versionlessSecretId } from "./certificatePolicy";
import { buildKeyVaultExtension } from "./extension";
import type { StackConfigInput } from "./inputs";
import { deriveVaultName, derivePoolName, parseResourceId } from "./naming";
import { buildDeploymentConfiguration, buildScaleSettings, POOL_REPLACE_ON_CHANGES } from "./pool";
import type { OsFamily, VmExtension } from "./types";
import { type ResolvedConfig, validateConfig } from "./validation";

export { COMPONENT_TYPE };

/**
 * The stack configuration's shapes, inferred from its one definition
 * (config/schema.ts, which documents each field, its default and its rule),
 * plus what comes from other resources.
 */
export interface CertRotationPoolArgs extends Omit<StackConfigInput, "batchAccount"> {
    /** Required. Azure region of the identity, the vault and (by the Batch account) the pool. */
    location: pulumi.Input<string>;
    /** Required. Resource group that receives the identity and the vault. */
    resourceGroupName: pulumi.Input<string>;
    /** Required. The Batch account the pool belongs to. */
    batchAccount: { name: pulumi.Input<string>; resourceGroupName: pulumi.Input<string> };
    /**
     * Optional. The principal that runs the deployment and creates the certificates.
     * Default: the signed-in principal (azuread getClientConfig); a user when signed in
     * through the Azure CLI, PowerShell or Visual Studio, otherwise a service principal.
     */
    deployer?: Deployer;
}

export interface Deployer {
    objectId: pulumi.Input<string>;
    tenantId: pulumi.Input<string>;
    principalType: pulumi.Input<PrincipalType>;
}

export interface CertificateOutputs {
    /** Versionless: https://<vault>/certificates/<name>. */
    certificateId: string;
    /** Versionless: https://<vault>/secrets/<name>, the URL the nodes observe. */
    secretId: string;
}

/** Validates the component's own arguments; the stack program has already done so, other callers may not have. */
export function resolveArgs(args: CertRotationPoolArgs): { config: ResolvedConfig; warnings: string[] } {
    return validateConfig({
        identity: args.identity,
        keyVault: args.keyVault,
        certificates: args.certificates,
        pool: args.pool,
        keyVaultExtension: args.keyVaultExtension,
        tags: args.tags,
    });
}

/** The principal running the deployment, as Entra ID reports it. */
function signedInDeployer(parent: pulumi.Resource): Deployer {
    const client = getClientConfigOutput({ parent });
    return { objectId: client.objectId, tenantId: client.tenantId, principalType: client.clientId.apply(principalTypeOfClient) };
}

export class CertRotationPool extends pulumi.ComponentResource {
    public readonly identityId: pulumi.Output<string>;
    public readonly identityClientId: pulumi.Output<string>;
    public readonly identityPrincipalId: pulumi.Output<string>;
    public readonly vaultId: pulumi.Output<string>;
    public readonly vaultName: pulumi.Output<string>;
    public readonly vaultUri: pulumi.Output<string>;
    public readonly certificates: pulumi.Output<Record<string, CertificateOutputs>>;
    public readonly poolName: pulumi.Output<string>;
    public readonly poolId: pulumi.Output<string>;
    public readonly osFamily: OsFamily;
    public readonly keyVaultExtension: pulumi.Output<VmExtension>;

    constructor(name: string, args: CertRotationPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        // Bad input throws here, before the component or any child is registered.
        const { config, warnings } = resolveArgs(args);
        super(COMPONENT_TYPE, name, {}, opts);
        // Logged, not awaited: a warning must not hold up registration.
        for (const warning of warnings) void pulumi.log.warn(warning, this);
        const child: pulumi.CustomResourceOptions = { parent: this };
        const tags = config.tags;
        const deployer = args.deployer ?? signedInDeployer(this);

        // 1. The identity the nodes sign in as.
        let identity: { id: pulumi.Output<string>; clientId: pulumi.Output<string>; principalId: pulumi.Output<string> };
        if (config.identity) {
            const ref = parseResourceId(config.identity.id);
            const found = managedidentity.getUserAssignedIdentityOutput(
                { resourceGroupName: ref.resourceGroupName, resourceName: ref.name }, { parent: this });
            identity = { id: pulumi.output(config.identity.id), clientId: found.clientId, principalId: found.principalId };
        } else {
            const created = new managedidentity.UserAssignedIdentity(`${name}-identity`, {
                // Named, not auto-named, so a redeploy and the offline plan give the same name.
                resourceName: `${name}-${pulumi.getStack()}-identity`,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags,
            }, child);
            identity = { id: created.id, clientId: created.clientId, principalId: created.principalId };
        }

        // 2. The vault, with soft delete and (unless turned off) purge protection.
        const kv = config.keyVault;
        let vault: { id: pulumi.Output<string>; name: pulumi.Output<string>; uri: pulumi.Output<string>; resourceGroupName: pulumi.Input<string> };
        if (kv.id) {
            const ref = parseResourceId(kv.id);
            const found = keyvault.getVaultOutput({ resourceGroupName: ref.resourceGroupName, vaultName: ref.name }, { parent: this });
            vault = { id: found.id, name: pulumi.output(ref.name), uri: found.properties.apply((p) => p.vaultUri ?? ""), resourceGroupName: ref.resourceGroupName };
        } else {
            const vaultName = kv.name ?? deriveVaultName(name, pulumi.getProject(), pulumi.getStack());
            const created = new keyvault.Vault(`${name}-vault`, {
                vaultName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags,
                properties: {
                    tenantId: deployer.tenantId,
                    sku: { family: "A", name: kv.sku },
                    enableSoftDelete: true,
                    softDeleteRetentionInDays: kv.softDeleteRetentionInDays,
                    // Azure refuses false here; leaving it out is how a vault goes without purge protection.
                    ...(kv.purgeProtection ? { enablePurgeProtection: true } : {}),
                    enableRbacAuthorization: kv.authorization === "rbac",
                },
            }, child);
            vault = {
                id: created.id,
                name: created.name,
                uri: created.properties.apply((p) => p.vaultUri ?? ""),
                resourceGroupName: args.resourceGroupName,
            };
        }

        // 3. Grants: the identity reads secrets; the deployer manages certificates.
        const grants = createGrants(name, kv.authorization, {
            vaultId: vault.id,
            vaultName: vault.name,
            resourceGroupName: vault.resourceGroupName,
            tenantId: deployer.tenantId,
            identityPrincipalId: identity.principalId,
            deployerObjectId: deployer.objectId,
            deployerPrincipalType: deployer.principalType,
        }, child);

        // 4. Certificates, created once the deployer may create them.
        const certificates = config.certificates.map((spec) => new KeyVaultCertificate(`${name}-cert-${spec.name}`, {
            vaultUri: vault.uri,
            certificate: spec,
            purgeOnDelete: kv.purgeCertificatesOnDelete,
        }, { parent: this, dependsOn: grants }));

        // 5. The pool. Observed URLs come from the vault's URI (sovereign clouds differ) and are
        // versionless, so every renewal reaches the nodes without touching the pool.
        const extension = pulumi.all([identity.clientId, vault.uri]).apply(([clientId, uri]) => buildKeyVaultExtension({
            os: config.osFamily,
            spec: config.keyVaultExtension,
            msiClientId: clientId,
            observedCertificates: config.certificates.map((c) => versionlessSecretId(uri, c.name)),
        }));
        const deploymentConfiguration = extension.apply((ext) => buildDeploymentConfiguration(config.pool, ext));
        const pinned = config.pool.name;
        const poolName = pinned !== undefined ? pulumi.output(pinned)
            : pulumi.all([deploymentConfiguration, identity.id]).apply(([dc, id]) =>
                derivePoolName(name, { vmSize: config.pool.vmSize, deploymentConfiguration: dc, identityIds: [id] }));
        const pool = new batch.Pool(`${name}-pool`, {
            resourceGroupName: args.batchAccount.resourceGroupName,
            accountName: args.batchAccount.name,
            poolName,
            vmSize: config.pool.vmSize,
            taskSchedulingPolicy: { nodeFillType: config.pool.nodeFillType },
            deploymentConfiguration,
            scaleSettings: buildScaleSettings(config.pool),
            ...(config.pool.taskSlotsPerNode === undefined ? {} : { taskSlotsPerNode: config.pool.taskSlotsPerNode }),
            identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        }, {
            parent: this,
            dependsOn: [...grants, ...certificates],
            // A derived name changes with every replacing setting, so the new pool is created
            // before the old one goes. A pinned name can't exist twice: delete first.
            ...(pinned !== undefined ? { deleteBeforeReplace: true, replaceOnChanges: [...POOL_REPLACE_ON_CHANGES] } : {}),
        });

        this.identityId = identity.id;
        this.identityClientId = identity.clientId;
        this.identityPrincipalId = identity.principalId;
        this.vaultId = vault.id;
        this.vaultName = vault.name;
        this.vaultUri = vault.uri;
        this.certificates = vault.uri.apply((uri) => Object.fromEntries(config.certificates.map((c) => [c.name, {
            certificateId: versionlessCertificateId(uri, c.name),
            secretId: versionlessSecretId(uri, c.name),
        }])));
        this.poolName = pool.name;
        this.poolId = pool.id;
        this.osFamily = config.osFamily;
        this.keyVaultExtension = extension;
        this.registerOutputs({
            identityId: this.identityId,
            identityClientId: this.identityClientId,
            identityPrincipalId: this.identityPrincipalId,
            vaultId: this.vaultId,
            vaultName: this.vaultName,
            vaultUri: this.vaultUri,
            certificates: this.certificates,
            poolName: this.poolName,
            poolId: this.poolId,
            osFamily: this.osFamily,
            keyVaultExtension: this.keyVaultExtension,
        });
    }
}
