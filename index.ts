// The stack program: configuration in, one CertRotationPool, outputs out.
// Validation runs before the first resource is registered, so bad config
// creates nothing.

import * as pulumi from "@pulumi/pulumi";
import * as batch from "@pulumi/azure-native/batch";
import * as resources from "@pulumi/azure-native/resources";
import { CertRotationPool } from "./components/certRotationPool";
import { createDiagnosticSetting } from "./components/diagnostics";
import { type ResolvedConfig, ValidationError, validateConfig } from "./components/validation";
import { deriveBatchAccountName, PROJECT, readStackConfig } from "./stack/config";

function loadConfig(today: Date): ResolvedConfig {
    try {
        return validateConfig(readStackConfig(), { today }).config;
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
        const created = new batch.BatchAccount("batch", {
            accountName: deriveBatchAccountName(pulumi.getProject(), stack),
            resourceGroupName: group.name,
            location,
            poolAllocationMode: "BatchService",
            tags: config.tags,
        });
        // The account's logs and metrics: declared here, where the account is, since the stack owns it.
        if (config.diagnostics !== undefined) createDiagnosticSetting("batch-diagnostics", config.diagnostics, created.id, {});
        resourceGroupName = group.name;
        account = { name: created.name, endpoint: created.accountEndpoint };
    }

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
        certificateEvents: config.certificateEvents,
        diagnostics: config.diagnostics,
        today,
    });

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
