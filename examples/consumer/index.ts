// Another team's stack: its own resource group and Batch account, and one
// CertRotationPool for the identity, vault, grants, certificates and pool.
import * as resources from "@pulumi/azure-native/resources";
import * as batch from "@pulumi/azure-native/batch";
import { CertRotationPool, type CertRotationPoolArgs } from "batch-cert-rotation";

const group = new resources.ResourceGroup("batch");
const account = new batch.BatchAccount("batch", {
    resourceGroupName: group.name,
    poolAllocationMode: batch.PoolAllocationMode.BatchService,
});

const args: CertRotationPoolArgs = {
    location: group.location,
    resourceGroupName: group.name,
    batchAccount: { name: account.name, resourceGroupName: group.name },
    // Optional: adopt an existing vault with { id: "/subscriptions/.../vaults/..." }.
    keyVault: { authorization: "rbac", purgeProtection: true, softDeleteRetentionInDays: 90 },
    certificates: [
        {
            name: "authcert",
            subject: "CN=batch.example.com",
            dnsNames: ["batch.example.com"],
            validityInMonths: 12,
            renewal: { daysBeforeExpiry: 30 },
        },
    ],
    pool: {
        vmSize: "Standard_D2s_v5",
        image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" },
        nodeAgentSkuId: "batch.node.ubuntu 24.04",
        targetDedicatedNodes: 1,
    },
    keyVaultExtension: { pollingIntervalInS: 300, requireInitialSync: true },
};
const certs = new CertRotationPool("certs", args);

export const poolId = certs.poolId;
export const vaultUri = certs.vaultUri;
export const observedSecretIds = certs.certificates.apply((all) => Object.values(all).map((c) => c.secretId));
