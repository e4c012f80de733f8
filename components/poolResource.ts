// Registers one Batch pool of the component: its extension, body, name and
// replacement options. Every pool of a component goes through here, so a
// pool's request depends only on its own spec and the shared identity and
// vault: a change to one pool can't reach another's.

import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as batch from "@pulumi/azure-native/batch";
import { versionlessSecretId } from "./certificatePolicy";
import { buildKeyVaultExtension } from "./extension";
import { derivePoolName } from "./naming";
import { buildPoolNetworkSettings } from "./network";
import { BatchPoolSettings } from "./poolSettings";
import { PATCHED_POOL_PROPERTIES } from "./poolSettingsProvider";
import { buildDeploymentConfiguration, POOL_REPLACE_ON_CHANGES } from "./pool";
import { buildConfigOnlyProperties, type PlannedPool, replacementKey } from "./pools";
import type { VmExtension } from "./types";

export interface PoolResourceInputs {
    pool: PlannedPool;
    identityId: pulumi.Input<string>;
    identityClientId: pulumi.Input<string>;
    vaultUri: pulumi.Input<string>;
    /**
     * What names the identity and the vault in configuration (NodeIdentity.key,
     * CertificateVault.key): the derived pool name hashes these, never the client
     * ID or the vault URI, which azure-native's preview of an update doesn't know.
     */
    nameKeys: { identity: string; vault: string };
    batchAccount: { name: pulumi.Input<string>; resourceGroupName: pulumi.Input<string> };
    /** Resource Manager of the pool's cloud, where the updatable settings are PATCHed. */
    armEndpoint: pulumi.Input<string>;
    /** Grants, the vault's network path and the certificates: nodes are unusable until they can read every certificate. */
    dependsOn: pulumi.Resource[];
}

export interface RegisteredPool {
    pool: batch.Pool;
    /** The settings Batch changes on a running pool, kept up to date by Batch's PATCH. */
    settings: BatchPoolSettings;
    extension: pulumi.Output<VmExtension>;
}

/**
 * Batch requires a password on every user account; the accounts are meant for
 * tasks, never for logging in, so each gets a random one nobody is told, kept
 * secret, and ignored on later runs (see ignoreChanges below). Meets Windows'
 * complexity rule: upper and lower case, a digit and a symbol.
 */
function throwawayPassword(): pulumi.Output<string> {
    return pulumi.secret(`${randomBytes(24).toString("base64url")}aA1!`);
}

/**
 * The extension with the identity's client ID and each secret URL as Output
 * leaves: everything else comes from configuration and stays known in every
 * preview (image, node agent, extension type, version and polling), where one
 * apply over the whole would make the pool's deploymentConfiguration a single
 * unknown. Observed URLs come from the vault's URI (sovereign clouds differ)
 * and are versionless, so every renewal reaches the nodes without touching the pool.
 */
export function poolExtension(inputs: PoolResourceInputs): VmExtension<pulumi.Output<string>> {
    const { pool } = inputs;
    const uri = pulumi.output(inputs.vaultUri);
    return buildKeyVaultExtension({
        os: pool.osFamily,
        spec: pool.extension,
        msiClientId: pulumi.output(inputs.identityClientId),
        observedCertificates: pool.certificates.map((c) => uri.apply((u) => versionlessSecretId(u, c.name))),
        acls: pool.certificates.map((c) => c.acls),
    });
}

/**
 * The derived pool name, from configuration alone: the same extension and
 * body with the identity and the vault named as configuration names them
 * (nameKeys) in place of their client ID and URI. Known in every preview, so
 * a preview never plans a replacement that `pulumi up` won't make.
 */
export function derivedPoolName(inputs: PoolResourceInputs): string {
    const { pool } = inputs;
    const extension = buildKeyVaultExtension({
        os: pool.osFamily,
        spec: pool.extension,
        msiClientId: `identity:${inputs.nameKeys.identity}`,
        observedCertificates: pool.certificates.map((c) => `vault:${inputs.nameKeys.vault}/secrets/${c.name}`),
        acls: pool.certificates.map((c) => c.acls),
    });
    const { userAccounts, ...settings } = buildConfigOnlyProperties(pool.spec);
    return derivePoolName(pool.nameBase, replacementKey({
        ...settings,
        ...buildPoolNetworkSettings(pool.spec.network),
        userAccounts,
        deploymentConfiguration: buildDeploymentConfiguration(pool.spec, extension),
        identity: { userAssignedIdentities: [inputs.nameKeys.identity] },
    }));
}

export function registerPool(parent: pulumi.Resource, inputs: PoolResourceInputs): RegisteredPool {
    const { pool } = inputs;
    const { spec } = pool;
    const extension = poolExtension(inputs);
    const deploymentConfiguration = buildDeploymentConfiguration(spec, extension);
    const network = buildPoolNetworkSettings(spec.network);
    const { userAccounts, ...settings } = buildConfigOnlyProperties(spec);
    const pinned = spec.name;
    const poolName = pinned ?? derivedPoolName(inputs);
    const resource = new batch.Pool(pool.resourceName, {
        resourceGroupName: inputs.batchAccount.resourceGroupName,
        accountName: inputs.batchAccount.name,
        poolName,
        ...settings,
        deploymentConfiguration,
        identity: { type: "UserAssigned", userAssignedIdentities: [inputs.identityId] },
        ...network,
        ...(userAccounts === undefined ? {} : { userAccounts: userAccounts.map((a) => ({ ...a, password: throwawayPassword() })) }),
    }, {
        parent,
        dependsOn: inputs.dependsOn,
        // A derived name changes with every replacing setting, so the old and the new pool can
        // exist side by side. azure-native answers every replacement it finds (here: a new
        // poolName in the URL) with delete-first, and the engine follows it unless this option
        // is set (pulumi-azure-native provider.go Diff; pulumi/pulumi step_generator.go): the
        // explicit false is what makes the new pool come first. A pinned name can't exist twice:
        // delete first, a gap in capacity.
        ...(pinned !== undefined
            ? { deleteBeforeReplace: true, replaceOnChanges: [...POOL_REPLACE_ON_CHANGES] }
            : { deleteBeforeReplace: false }),
        ignoreChanges: [
            // Set at create; after that BatchPoolSettings PATCHes them, because azure-native's update is a PUT of
            // the whole body, which Batch refuses on a pool with nodes (poolSettingsProvider.ts).
            ...PATCHED_POOL_PROPERTIES,
            // A fresh password each run must not look like a change (it would replace the pool).
            ...(userAccounts === undefined ? [] : ["userAccounts[*].password"]),
        ],
    });
    const patched = new BatchPoolSettings(`${pool.resourceName}-settings`, {
        poolId: resource.id,
        armEndpoint: inputs.armEndpoint,
        settings: {
            scaleSettings: settings.scaleSettings,
            ...(settings.metadata === undefined ? {} : { metadata: settings.metadata }),
            ...(settings.startTask === undefined ? {} : { startTask: settings.startTask }),
        },
    }, { parent, dependsOn: [resource] });
    return { pool: resource, settings: patched, extension: pulumi.output(extension) as pulumi.Output<VmExtension> };
}
