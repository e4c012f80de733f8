// One dependency graph, in the order Azure needs it: identity, vault (and its
// diagnostic setting), grants, (the vault's private endpoint and DNS), (the
// certificate events' topic and subscription), certificates, pool. The pool waits
// for the grants, the endpoint and the certificates, because with
// requireInitialSync a node is unusable until it can read every certificate.

import * as pulumi from "@pulumi/pulumi";
import { getClientConfigOutput } from "@pulumi/azuread/getClientConfig";
import { COMPONENT_TYPE } from "./azureFacts";
import { createGrants, type PrincipalType, principalTypeOfClient } from "./access";
import { KeyVaultCertificate } from "./certificate";
import { KeyVaultCertificateContacts } from "./certificateContacts";
import { versionlessCertificateId, versionlessSecretId } from "./certificatePolicy";
import { createVaultPrivateEndpoint } from "./vaultPrivateEndpoint";
import type { StackConfigInput } from "./inputs";
import { createIdentity } from "./identity";
import { registerPool } from "./poolResource";
import { planPools } from "./pools";
import type { OsFamily, VmExtension } from "./types";
import { type ResolvedConfig, validateConfig } from "./validation";
import { createVault } from "./vault";
import { armEndpointForRegion } from "./network";
import { createAccountEncryption } from "./accountEncryption";
import { createLock } from "./locks";
import type { CreatedBatchAccountInput } from "./inputs";
import { createCertificateEvents } from "./certificateEvents";
import { createDiagnosticSetting } from "./diagnostics";

export { COMPONENT_TYPE };

/**
 * The stack configuration's shapes, inferred from its one definition
 * (config/schema.ts, which documents each field, its default and its rule),
 * plus what comes from other resources. `pool` (one pool) or `pools` (several
 * by key), never both: validation refuses both and neither, naming the field.
 */
export interface CertRotationPoolArgs extends Omit<StackConfigInput, "batchAccount" | "createdBatchAccount"> {
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
    /**
     * Optional. Encrypt the Batch account with a customer-managed key in this component's vault
     * (`createdBatchAccount.customerManagedKey`'s fields): the account must have a system-assigned
     * identity, whose principal ID is given here. The stack program passes it for the account it creates.
     */
    batchAccountEncryption?: BatchAccountEncryptionArgs;
    /**
     * Optional. The day Azure's lifecycle dates (retirements, docs/lifecycle.md) are compared
     * against. Default: the day the program runs, so a stack that was fine last month warns
     * today. Tests set it; so may a caller asking what a later deployment will meet.
     */
    today?: Date;
}

export interface BatchAccountEncryptionArgs {
    /** The account's ARM ID. */
    accountId: pulumi.Input<string>;
    /** Its system-assigned identity's principal ID. */
    principalId: pulumi.Input<string>;
    /** What names the account in configuration (its name): known in every preview, it names the key's role assignment. */
    accountKey: string;
    key: NonNullable<CreatedBatchAccountInput["customerManagedKey"]>;
}

export interface Deployer {
    objectId: pulumi.Input<string>;
    tenantId: pulumi.Input<string>;
    principalType: pulumi.Input<PrincipalType>;
}

export interface PoolOutputs {
    name: string;
    id: string;
    osFamily: OsFamily;
    /** The Key Vault VM extension as rendered on this pool. */
    keyVaultExtension: VmExtension;
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
        pools: args.pools,
        keyVaultExtension: args.keyVaultExtension,
        tags: args.tags,
        ...(args.batchAccountEncryption === undefined ? {} : { createdBatchAccount: { customerManagedKey: args.batchAccountEncryption.key } }),
        certificateEvents: args.certificateEvents,
        diagnostics: args.diagnostics,
    }, { today: args.today });
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
    /** The single `pool:` form's pool; absent with `pools:` (see `pools`). */
    public readonly poolName?: pulumi.Output<string>;
    public readonly poolId?: pulumi.Output<string>;
    public readonly osFamily?: OsFamily;
    /** The extension as rendered on the single `pool:` form's pool. */
    public readonly keyVaultExtension?: pulumi.Output<VmExtension>;
    /** With `pools:`: each pool by its key. */
    public readonly pools?: pulumi.Output<Record<string, PoolOutputs>>;

    constructor(name: string, args: CertRotationPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        // Bad input throws here, before the component or any child is registered.
        const { config, warnings } = resolveArgs(args);
        super(COMPONENT_TYPE, name, {}, opts);
        // Logged, not awaited: a warning must not hold up registration.
        for (const warning of warnings) void pulumi.log.warn(warning, this);
        const tags = config.tags;
        const deployer = args.deployer ?? signedInDeployer(this);

        // 1. The identity the nodes sign in as.
        const identity = createIdentity(name, { adopt: config.identity, resourceGroupName: args.resourceGroupName, location: args.location, tags }, this);

        // 2. The vault, with soft delete and (unless turned off) purge protection.
        const kv = config.keyVault;
        const vault = createVault(name, {
            spec: kv,
            tenantId: deployer.tenantId,
            poolSubnetIds: config.poolSet.flatMap((p) => p.spec.network.subnetId ?? []),
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            tags,
        }, this);

        // 2b. The vault's logs and metrics, on a vault the component creates (an adopted one is its owner's to configure).
        const diagnostics = config.diagnostics === undefined || kv.id !== undefined ? []
            : [createDiagnosticSetting(`${name}-vault-diagnostics`, config.diagnostics, vault.id, { parent: this })];

        // 3. Grants: the identity reads secrets; the deployer manages certificates.
        const grants = createGrants(name, kv.authorization, {
            vaultId: vault.id,
            vaultName: vault.name,
            resourceGroupName: vault.resourceGroupName,
            tenantId: deployer.tenantId,
            identityPrincipalId: identity.principalId,
            nameKeys: { vault: vault.key, identity: identity.key },
            deployerObjectId: deployer.objectId,
            deployerPrincipalType: deployer.principalType,
            existingAccessPolicies: kv.existingAccessPolicies,
            manageContacts: kv.certificateContacts !== undefined,
        }, { parent: this });

        // 3b. The vault's private endpoint and its DNS, before anything reads the vault through it.
        const endpoint = kv.network?.privateEndpoint;
        const networkReady = endpoint === undefined ? [] : createVaultPrivateEndpoint(name, {
            endpoint,
            endpointName: `${name}-${pulumi.getStack()}-vault-endpoint`,
            linkName: `${name}-${pulumi.getStack()}-vault-link`,
            vaultId: vault.id,
            vaultUri: vault.uri,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            tags,
        }, this);

        // 3c. Certificate events: Key Vault reports only versions created after the subscription exists,
        // so the subscription comes before the certificates, and their first versions are reported too.
        const eventsReady = config.certificateEvents === undefined ? [] : createCertificateEvents(name, {
            spec: config.certificateEvents,
            vaultId: vault.id,
            location: vault.location,
            resourceGroupName: vault.resourceGroupName,
            certificateNames: config.certificates.map((c) => c.name),
            tags,
        }, this);

        // 4. Certificates, created once the deployer may create them (and reach the vault), and once events are wired.
        const certificates = config.certificates.map((spec) => new KeyVaultCertificate(`${name}-cert-${spec.name}`, {
            vaultUri: vault.uri,
            certificate: spec,
            purgeOnDelete: kv.purgeCertificatesOnDelete,
        }, { parent: this, dependsOn: [...grants, ...networkReady, ...eventsReady] }));

        // 4b. The vault's certificate contacts (whom Key Vault e-mails), once the deployer may set them.
        const contacts = kv.certificateContacts === undefined ? [] : [new KeyVaultCertificateContacts(`${name}-certificate-contacts`, {
            vaultUri: vault.uri,
            contacts: kv.certificateContacts,
        }, { parent: this, dependsOn: [...grants, ...networkReady] })];

        // 5. The pools, each on the shared identity and vault and observing its own certificates.
        // Each is registered alone (poolResource.ts), so one pool's change never reaches another's request.
        const pools = planPools(name, config.poolSet).map((planned) => ({
            planned,
            ...registerPool(this, {
                pool: planned,
                identityId: identity.id,
                identityClientId: identity.clientId,
                vaultUri: vault.uri,
                nameKeys: { identity: identity.key, vault: vault.key },
                batchAccount: args.batchAccount,
                armEndpoint: pulumi.output(args.location).apply(armEndpointForRegion),
                dependsOn: [...grants, ...networkReady,
                    ...certificates.filter((_, i) => planned.certificates.includes(config.certificates[i]))],
            }),
        }));

        // 6. The Batch account's customer-managed key: in this vault, once the deployer may reach it.
        const cmk = config.createdBatchAccount.customerManagedKey;
        const encryption = cmk === undefined || args.batchAccountEncryption === undefined ? undefined : createAccountEncryption(name, {
            spec: cmk,
            authorization: kv.authorization,
            vault: { id: vault.id, name: vault.name, resourceGroupName: vault.resourceGroupName, tenantId: deployer.tenantId, key: vault.key },
            account: { id: args.batchAccountEncryption.accountId, principalId: args.batchAccountEncryption.principalId, key: args.batchAccountEncryption.accountKey },
            armEndpoint: pulumi.output(args.location).apply(armEndpointForRegion),
            dependsOn: [...grants, ...networkReady],
        }, this);

        // 7. The vault's lock, last: it depends on every other resource of the component, so a destroy plans its delete
        // first and alone, and meets its protection before deleting anything (locks.ts).
        if (kv.lock) {
            createLock(`${name}-vault`, {
                scope: vault.id,
                what: "vault",
                dependsOn: [...grants, ...networkReady, ...diagnostics, ...eventsReady, ...certificates, ...contacts,
                    ...pools.flatMap((p) => [p.pool, p.settings]),
                    ...(encryption === undefined ? [] : [encryption.key, encryption.grant, encryption.encryption])],
            }, { parent: this });
        }

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
        const single = config.pool === undefined ? undefined : pools[0];
        if (single) {
            this.poolName = single.pool.name;
            this.poolId = single.pool.id;
            this.osFamily = single.planned.osFamily;
            this.keyVaultExtension = single.extension;
        } else {
            this.pools = pulumi.output(Object.fromEntries(pools.map((p) => [p.planned.key ?? "", {
                name: p.pool.name,
                id: p.pool.id,
                osFamily: p.planned.osFamily,
                keyVaultExtension: p.extension,
            }]))) as pulumi.Output<Record<string, PoolOutputs>>;
        }
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
            pools: this.pools,
        });
    }
}
