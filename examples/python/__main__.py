"""Another team's Python stack: its own resource group and Batch account, and one
CertRotationPool from the batch-cert-rotation Pulumi package (the SDK that
`pulumi package add` generates into sdks/, see docs/component.md)."""

import pulumi
import pulumi_azure_native.batch as batch
import pulumi_azure_native.resources as resources
import pulumi_batch_cert_rotation as certs

group = resources.ResourceGroup("batch")
account = batch.BatchAccount(
    "batch",
    resource_group_name=group.name,
    pool_allocation_mode=batch.PoolAllocationMode.BATCH_SERVICE,
)

pool = certs.CertRotationPool(
    "certpool",
    location=group.location,
    resource_group_name=group.name,
    batch_account=certs.BatchAccountReferenceArgs(name=account.name, resource_group_name=group.name),
    key_vault=certs.KeyVaultArgs(
        authorization=certs.KeyVaultAuthorization.RBAC,
        purge_protection=True,
        soft_delete_retention_in_days=90,
    ),
    certificates=[
        certs.CertificateArgs(
            name="authcert",
            subject="CN=batch.example.com",
            dns_names=["batch.example.com"],
            validity_in_months=12,
            renewal=certs.CertificateRenewalArgs(days_before_expiry=30),
            key_type=certs.CertificateKeyType.RSA,
            key_size=certs.CertificateKeySize.KEY_SIZE2048,
        ),
    ],
    pool=certs.PoolArgs(
        vm_size="Standard_D2s_v5",
        image=certs.PoolImageArgs(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
        node_agent_sku_id="batch.node.ubuntu 24.04",
        target_dedicated_nodes=1,
    ),
)

pulumi.export("vaultUri", pool.vault_uri)
pulumi.export("poolName", pool.pool_name)
pulumi.export("secretIds", pool.certificates.apply(lambda c: {name: ids.secret_id for name, ids in c.items()}))
