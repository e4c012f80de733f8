// The stack program: configuration in, one CertRotationPool, outputs out.
// Validation runs before the first resource is registered, so bad config
// creates nothing.

import * as pulumi from "@pulumi/pulumi";
import * as batch from "@pulumi/azure-native/batch";
import * as resources from "@pulumi/azure-native/resources";
import { type BatchAccountEncryptionArgs, CertRotationPool } from "./components/certRotationPool";
import { createLock } from "./components/locks";
import { createDiagnosticSetting } from "./components/diagnostics";
import { type ResolvedConfig, ValidationError, validateConfig } from "./components/validation";
import { deriveBatchAccountName, PROJECT, readStackConfig } from "./stack/config";

function loadConfig(today: Date): ResolvedConfig {
    try {
        const { config, warnings } = validateConfig(readStackConfig(), { today });
        // The component logs the warnings about what it is given; the created account's settings stay here.
        for (const warning of warnings.filter((w) => w.startsWith("createdBatchAccount"))) void pulumi.log.warn(warning);
        return config;
    } catch (err) {
        // RunError prints the message alone: the user needs the field, not a stack trace.
        if (err instanceof ValidationError) throw new pulumi.RunError(`${PROJECT}: ${err.message}`);
        throw err;
    }
}

/**
 * Pulumi calls the program with no argument: Azure's lifecycle dates are then
 * compared against the day it runs. The offline plan may pass another day.
 */
async function main(today: Date = new Date()) {
    const config = loadConfig(today);
    const stack = pulumi.getStack();
    const location = new pulumi.Config("azure-native").require("location");

    let resourceGroupName: pulumi.Output<string>;
    let account: { name: pulumi.Output<string>; endpoint: pulumi.Output<string> };
    let created: batch.BatchAccount | undefined;
    let batchAccountEncryption: BatchAccountEncryptionArgs | undefined;
    let accountDiagnostics: pulumi.Resource | undefined;
    if (config.batchAccount) {
        const found = batch.getBatchAccountOutput(
            { accountName: config.batchAccount.name, resourceGroupName: config.batchAccount.resourceGroupName });
        resourceGroupName = pulumi.output(config.batchAccount.resourceGroupName);
        account = { name: found.name, endpoint: found.accountEndpoint };
    } else {
        const group = new resources.ResourceGroup("rg", {
            resourceGroupName: `rg-${PROJECT}-${stack}`,
            location,
            tags: config.tags,
        });
        const accountName = deriveBatchAccountName(pulumi.getProject(), stack);
        const cmk = config.createdBatchAccount.customerManagedKey;
        created = new batch.BatchAccount("batch", {
            accountName,
            resourceGroupName: group.name,
            location,
            poolAllocationMode: "BatchService",
            // Batch encrypts with a customer-managed key through a system-assigned identity (batch-customer-managed-key.md).
            ...(cmk === undefined ? {} : { identity: { type: "SystemAssigned" } }),
            tags: config.tags,
        });
        // The account's logs and metrics: declared here, where the account is, since the stack owns it.
        if (config.diagnostics !== undefined) accountDiagnostics = createDiagnosticSetting("batch-diagnostics", config.diagnostics, created.id, {});
        resourceGroupName = group.name;
        account = { name: created.name, endpoint: created.accountEndpoint };
        if (cmk !== undefined) {
            batchAccountEncryption = {
                accountId: created.id,
                principalId: created.identity.apply((identity) => identity?.principalId ?? ""),
                accountKey: accountName,
                key: cmk,
            };
        }
    }

    // The component after the account's diagnostic setting: a destroy then reaches the vault's lock (the component's
    // last child) before that setting, and stops there with nothing deleted.
    const rotation = new CertRotationPool("certpool", {
        location,
        resourceGroupName,
        batchAccount: { name: account.name, resourceGroupName },
        identity: config.identity,
        keyVault: config.keyVault,
        certificates: config.certificates,
        pool: config.pool,
        pools: config.pools,
        keyVaultExtension: config.keyVaultExtension,
        tags: config.tags,
        batchAccountEncryption,
        certificateEvents: config.certificateEvents,
        diagnostics: config.diagnostics,
        today,
    }, { dependsOn: accountDiagnostics === undefined ? [] : [accountDiagnostics] });

    // The account's lock comes after the component, all of whose pools live under the account: a destroy,
    // once the lock is lifted, deletes it first (components/locks.ts).
    if (created !== undefined && config.createdBatchAccount.lock) {
        createLock("batch-account", { scope: created.id, what: "Batch account", dependsOn: [rotation] }, {});
    }

    return {
        resourceGroupName,
        batchAccountName: account.name,
        batchAccountEndpoint: account.endpoint,
        identityId: rotation.identityId,
        identityClientId: rotation.identityClientId,
        identityPrincipalId: rotation.identityPrincipalId,
        vaultId: rotation.vaultId,
        vaultName: rotation.vaultName,
        vaultUri: rotation.vaultUri,
        certificates: rotation.certificates,
        // The single pool: form keeps the outputs it always had; pools: exports each pool by key.
        ...(rotation.pools === undefined ? {
            poolName: rotation.poolName,
            poolId: rotation.poolId,
            osFamily: rotation.osFamily,
            keyVaultExtension: rotation.keyVaultExtension,
        } : { pools: rotation.pools }),
    };
}

export = main;
