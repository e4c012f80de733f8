// The Key Vault: adopted by resource ID, or created with soft delete on, purge
// protection on unless the stack turns it off, and (with keyVault.network) a
// firewall that lets the pools' subnets in.
import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { buildVaultNetworkAcls } from "./network";
import { deriveVaultName, parseResourceId } from "./naming";
import type { KeyVaultSpec } from "./types";

export interface CertificateVault {
    id: pulumi.Output<string>;
    name: pulumi.Output<string>;
    /** `properties.vaultUri`: secret URLs are built from it (sovereign clouds use other DNS suffixes). */
    uri: pulumi.Output<string>;
    resourceGroupName: pulumi.Input<string>;
    /** Its region: resources tied to it (the Event Grid system topic) live there. */
    location: pulumi.Output<string>;
    /** What names the vault in configuration (its adopted ID, or its name): known in every preview, unlike its URI. */
    key: string;
}

export interface VaultArgs {
    spec: KeyVaultSpec;
    tenantId: pulumi.Input<string>;
    /** The subnets of every pool, which the firewall lets in by default. */
    poolSubnetIds: string[];
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    tags: Record<string, string>;
}

export function createVault(name: string, args: VaultArgs, parent: pulumi.Resource): CertificateVault {
    const kv = args.spec;
    if (kv.id) {
        const ref = parseResourceId(kv.id);
        const found = keyvault.getVaultOutput({ resourceGroupName: ref.resourceGroupName, vaultName: ref.name }, { parent });
        return { id: found.id, name: pulumi.output(ref.name), uri: found.properties.apply((p) => p.vaultUri ?? ""), resourceGroupName: ref.resourceGroupName,
            location: found.apply((v) => v.location ?? ""), key: kv.id };
    }
    const vaultName = kv.name ?? deriveVaultName(name, pulumi.getProject(), pulumi.getStack());
    const created = new keyvault.Vault(`${name}-vault`, {
        vaultName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
        properties: {
            tenantId: args.tenantId,
            sku: { family: "A", name: kv.sku },
            enableSoftDelete: true,
            softDeleteRetentionInDays: kv.softDeleteRetentionInDays,
            // Azure refuses false here; leaving it out is how a vault goes without purge protection.
            ...(kv.purgeProtection ? { enablePurgeProtection: true } : {}),
            enableRbacAuthorization: kv.authorization === "rbac",
            // Key Vault takes the soft-deleted vault of this name back instead of refusing the name (409); it accepts
            // recover only while such a vault exists (management spec 2024-11-01, VaultProperties.createMode).
            ...(kv.recover ? { createMode: "recover" } : {}),
            // The firewall lets every pool's subnet in unless the user lists subnets or the nodes go through the endpoint.
            ...(kv.network === undefined ? {} : {
                networkAcls: buildVaultNetworkAcls(kv.network, args.poolSubnetIds),
                publicNetworkAccess: kv.network.publicNetworkAccess,
            }),
        },
    }, { parent });
    return {
        id: created.id,
        name: created.name,
        uri: created.properties.apply((p) => p.vaultUri ?? ""),
        resourceGroupName: args.resourceGroupName,
        location: pulumi.output(args.location),
        key: vaultName,
    };
}
