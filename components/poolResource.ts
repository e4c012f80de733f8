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
import { buildDeploymentConfiguration, POOL_REPLACE_ON_CHANGES } from "./pool";
import { buildConfigOnlyProperties, type PlannedPool, replacementKey } from "./pools";
import type { VmExtension } from "./types";

export interface PoolResourceInputs {
    pool: PlannedPool;
    identityId: pulumi.Input<string>;
    identityClientId: pulumi.Input<string>;
    vaultUri: pulumi.Input<string>;
    batchAccount: { name: pulumi.Input<string>; resourceGroupName: pulumi.Input<string> };
    /** Grants, the vault's network path and the certificates: nodes are unusable until they can read every certificate. */
    dependsOn: pulumi.Resource[];
}

export interface RegisteredPool {
    pool: batch.Pool;
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

export function registerPool(parent: pulumi.Resource, inputs: PoolResourceInputs): RegisteredPool {
    const { pool } = inputs;
    const { spec } = pool;
    // Observed URLs come from the vault's URI (sovereign clouds differ) and are versionless,
    // so every renewal reaches the nodes without touching the pool.
    const extension = pulumi.all([inputs.identityClientId, inputs.vaultUri]).apply(([clientId, uri]) => buildKeyVaultExtension({
        os: pool.osFamily,
        spec: pool.extension,
        msiClientId: clientId,
        observedCertificates: pool.certificates.map((c) => versionlessSecretId(uri, c.name)),
        acls: pool.certificates.map((c) => c.acls),
    }));
    const deploymentConfiguration = extension.apply((ext) => buildDeploymentConfiguration(spec, ext));
    const network = buildPoolNetworkSettings(spec.network);
    const { userAccounts, ...settings } = buildConfigOnlyProperties(spec);
    const pinned = spec.name;
    const poolName = pinned !== undefined ? pulumi.output(pinned)
        : pulumi.all([deploymentConfiguration, inputs.identityId]).apply(([dc, id]) => derivePoolName(pool.nameBase, replacementKey({
            ...settings,
            ...network,
            userAccounts,
            deploymentConfiguration: dc,
            identity: { userAssignedIdentities: [id] },
        })));
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
        // A derived name changes with every replacing setting, so the new pool is created
        // before the old one goes. A pinned name can't exist twice: delete first.
        ...(pinned !== undefined ? { deleteBeforeReplace: true, replaceOnChanges: [...POOL_REPLACE_ON_CHANGES] } : {}),
        // A fresh password each run must not look like a change (it would replace the pool).
        ...(userAccounts === undefined ? {} : { ignoreChanges: ["userAccounts[*].password"] }),
    });
    return { pool: resource, extension };
}
