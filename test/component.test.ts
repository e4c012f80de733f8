// The component under Pulumi's mocks: which children it registers, how they
// hang together, and what it outputs. Uses the offline plan's capture, which
// records options through a stack transformation inside runInPulumiStack.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertRotationPool, type CertRotationPoolArgs, type CertificateOutputs } from "../components/certRotationPool";
import type { LinuxExtensionSettings, VmExtension } from "../components/types";
import { KEY_VAULT_CERTIFICATES_OFFICER, KEY_VAULT_SECRETS_USER } from "../components/access";
import { ValidationError } from "../components/validation";
import { POOL_REPLACE_ON_CHANGES } from "../components/pool";
import { POOL_SETTINGS_TYPE } from "../components/azureFacts";
import { configFromValues } from "../tools/plan/config";
import { FAKE_DEPLOYER_OBJECT_ID, FAKE_SUBSCRIPTION_ID } from "../tools/plan/mocks";
import { planLoaded } from "../tools/plan/run";
import type { PlanDocument, PlannedResource } from "../policy/planDocument";

const CERT = "pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate";
const IDENTITY_ID = "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/nodes";
const VAULT_ID = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/vaults/providers/Microsoft.KeyVault/vaults/sharedkv`;

/** The outputs the test program returns, as the plan records them. */
interface Outputs {
    identityId: string;
    identityClientId: string;
    vaultUri: string;
    certificates: Record<string, CertificateOutputs>;
    osFamily: string;
    keyVaultExtension: VmExtension & { settings: LinuxExtensionSettings };
}

const LINUX_POOL = {
    vmSize: "Standard_D2s_v5",
    image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" },
    nodeAgentSkuId: "batch.node.ubuntu 24.04",
};

function args(overrides: Partial<CertRotationPoolArgs> = {}): CertRotationPoolArgs {
    return {
        location: "westus2",
        resourceGroupName: "rg-test",
        batchAccount: { name: "batchacct", resourceGroupName: "rg-batch" },
        certificates: [
            { name: "web", subject: "CN=web.example.com", renewal: { daysBeforeExpiry: 30 } },
            { name: "api", subject: "CN=api.example.com" },
        ],
        pool: LINUX_POOL,
        ...overrides,
    };
}

async function plan(a: CertRotationPoolArgs): Promise<PlanDocument> {
    return planLoaded(configFromValues("batch-cert-rotation", "test", "<test>", {}), async () => {
        const c = new CertRotationPool("rot", a);
        return { identityClientId: c.identityClientId, vaultUri: c.vaultUri, certificates: c.certificates, poolName: c.poolName,
            keyVaultExtension: c.keyVaultExtension, identityId: c.identityId, vaultId: c.vaultId, osFamily: c.osFamily };
    });
}

function find(p: PlanDocument, type: string, name: string): PlannedResource {
    const r = p.resources.find((x) => x.type === type && x.name === name);
    assert.ok(r, `${type} ${name} is not in the plan: ${p.resources.map((x) => x.name).join(", ")}`);
    return r;
}

describe("CertRotationPool (access policies, created identity and vault)", () => {
    let p: PlanDocument;
    it("registers exactly identity, vault, grants, certificates and pool, in that order, all parented to the component", async () => {
        p = await plan(args());
        assert.deepEqual(p.resources.map((r) => `${r.type} ${r.name}`), [
            "batch-cert-rotation:index:CertRotationPool rot",
            "azure-native:managedidentity:UserAssignedIdentity rot-identity",
            "azure-native:keyvault:Vault rot-vault",
            "azure-native:keyvault:AccessPolicy rot-identity-access",
            "azure-native:keyvault:AccessPolicy rot-deployer-access",
            `${CERT} rot-cert-web`,
            `${CERT} rot-cert-api`,
            "azure-native:batch:Pool rot-pool",
            `${POOL_SETTINGS_TYPE} rot-pool-settings`,
        ]);
        const component = p.resources[0];
        for (const child of p.resources.slice(1)) assert.equal(child.parent, component.urn, `${child.name} parent`);
    });

    it("makes the pool wait for every grant and every certificate", () => {
        const pool = find(p, "azure-native:batch:Pool", "rot-pool");
        for (const name of ["rot-identity-access", "rot-deployer-access", "rot-cert-web", "rot-cert-api"]) {
            assert.ok(pool.dependsOn.some((u) => u.endsWith(`::${name}`)), `pool depends on ${name}`);
        }
    });

    it("creates certificates only after the grants", () => {
        for (const cert of ["rot-cert-web", "rot-cert-api"]) {
            const deps = find(p, CERT, cert).dependsOn;
            assert.ok(deps.some((u) => u.endsWith("::rot-deployer-access")) && deps.some((u) => u.endsWith("::rot-identity-access")));
        }
    });

    it("grants the identity secret get/list only and the deployer certificate rights without purge", () => {
        const identity = find(p, "azure-native:keyvault:AccessPolicy", "rot-identity-access").inputs.policy as Record<string, unknown>;
        assert.deepEqual(identity.permissions, { secrets: ["get", "list"] });
        const deployer = find(p, "azure-native:keyvault:AccessPolicy", "rot-deployer-access").inputs.policy as Record<string, unknown>;
        assert.equal(deployer.objectId, FAKE_DEPLOYER_OBJECT_ID);
        assert.deepEqual(deployer.permissions, { certificates: ["get", "list", "create", "update", "delete", "recover"] });
    });

    it("creates the vault with soft delete, purge protection and no inline access policies", () => {
        const props = find(p, "azure-native:keyvault:Vault", "rot-vault").inputs.properties as Record<string, unknown>;
        assert.equal(props.enableSoftDelete, true);
        assert.equal(props.enablePurgeProtection, true);
        assert.equal(props.enableRbacAuthorization, false);
        assert.equal(props.softDeleteRetentionInDays, 90);
        assert.equal("accessPolicies" in props, false);
    });

    it("keeps the settings Batch changes on a running pool out of azure-native's updates and PATCHes them after the pool", () => {
        const pool = find(p, "azure-native:batch:Pool", "rot-pool");
        const settings = find(p, POOL_SETTINGS_TYPE, "rot-pool-settings");
        assert.deepEqual(settings.dependsOn, [pool.urn]);
        assert.deepEqual(settings.inputs.settings, { scaleSettings: pool.inputs.scaleSettings });
        assert.equal(settings.inputs.armEndpoint, "https://management.azure.com");
        assert.deepEqual(settings.request, {
            method: "PATCH",
            url: `https://management.azure.com${String(settings.inputs.poolId)}?api-version=2024-07-01`,
            body: { properties: { scaleSettings: pool.inputs.scaleSettings } },
        });
    });

    it("derives the pool name and replaces create-first", () => {
        const pool = find(p, "azure-native:batch:Pool", "rot-pool");
        assert.match(String(pool.inputs.poolName), /^rot-[0-9a-f]{8}$/);
        assert.deepEqual(pool.options, { deleteBeforeReplace: false, replaceOnChanges: [], protect: false });
    });

    it("observes the versionless secret URL of every certificate, signed in as the identity", () => {
        const outputs = p.outputs as unknown as Outputs;
        const ext = outputs.keyVaultExtension;
        assert.equal(ext.settings.authenticationSettings.msiClientId, outputs.identityClientId);
        assert.deepEqual(ext.settings.secretsManagementSettings.observedCertificates, [
            `${outputs.vaultUri}secrets/web`, `${outputs.vaultUri}secrets/api`,
        ]);
        const pool = find(p, "azure-native:batch:Pool", "rot-pool");
        assert.deepEqual(pool.inputs.identity, { type: "UserAssigned", userAssignedIdentities: [outputs.identityId] });
        assert.deepEqual(outputs.certificates, {
            web: { certificateId: `${outputs.vaultUri}certificates/web`, secretId: `${outputs.vaultUri}secrets/web` },
            api: { certificateId: `${outputs.vaultUri}certificates/api`, secretId: `${outputs.vaultUri}secrets/api` },
        });
        assert.equal(outputs.osFamily, "linux");
    });

    it("passes each certificate's resolved policy to its resource", () => {
        const web = find(p, CERT, "rot-cert-web").inputs;
        assert.equal(web.purgeOnDelete, false);
        assert.deepEqual((web.certificate as Record<string, unknown>).renewal, { daysBeforeExpiry: 30 });
        assert.deepEqual((find(p, CERT, "rot-cert-api").inputs.certificate as Record<string, unknown>).renewal, { lifetimePercentage: 80 });
    });
});

describe("CertRotationPool variants", () => {
    it("uses role assignments on an RBAC vault, with deterministic names and the identity typed as a service principal", async () => {
        const p = await plan(args({ keyVault: { authorization: "rbac" } }));
        assert.deepEqual(p.resources.filter((r) => r.type.startsWith("azure-native:keyvault:AccessPolicy")), []);
        const user = find(p, "azure-native:authorization:RoleAssignment", "rot-identity-secrets-user").inputs;
        const officer = find(p, "azure-native:authorization:RoleAssignment", "rot-deployer-certificates-officer").inputs;
        assert.equal(user.principalType, "ServicePrincipal");
        // The mocked deployer signs in through its own client ID: a pipeline, so a service principal.
        assert.equal(officer.principalType, "ServicePrincipal");
        assert.equal(officer.principalId, FAKE_DEPLOYER_OBJECT_ID);
        assert.match(String(user.roleDefinitionId), new RegExp(`/subscriptions/${FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER}$`));
        assert.match(String(officer.roleDefinitionId), new RegExp(`${KEY_VAULT_CERTIFICATES_OFFICER}$`));
        assert.equal(user.scope, (p.outputs as Record<string, unknown>).vaultId);
        const again = await plan(args({ keyVault: { authorization: "rbac" } }));
        assert.equal(find(again, "azure-native:authorization:RoleAssignment", "rot-identity-secrets-user").inputs.roleAssignmentName, user.roleAssignmentName);
        assert.equal((find(p, "azure-native:keyvault:Vault", "rot-vault").inputs.properties as Record<string, unknown>).enableRbacAuthorization, true);
    });

    it("adopts an identity and a vault by ID without creating either", async () => {
        const p = await plan(args({ identity: { id: IDENTITY_ID }, keyVault: { id: VAULT_ID } }));
        const types = p.resources.map((r) => r.type);
        assert.ok(!types.includes("azure-native:managedidentity:UserAssignedIdentity"));
        assert.ok(!types.includes("azure-native:keyvault:Vault"));
        const grant = find(p, "azure-native:keyvault:AccessPolicy", "rot-identity-access").inputs;
        assert.equal(grant.vaultName, "sharedkv");
        assert.equal(grant.resourceGroupName, "vaults");
        assert.equal((p.outputs as Record<string, unknown>).identityId, IDENTITY_ID);
        assert.equal((p.outputs as Record<string, unknown>).vaultUri, "https://sharedkv.vault.azure.net/");
    });

    it("pins the pool name and then replaces delete-first on what Azure can't update", async () => {
        const p = await plan(args({ pool: { ...LINUX_POOL, name: "pinned" } }));
        const pool = find(p, "azure-native:batch:Pool", "rot-pool");
        assert.equal(pool.inputs.poolName, "pinned");
        assert.deepEqual(pool.options, { deleteBeforeReplace: true, replaceOnChanges: [...POOL_REPLACE_ON_CHANGES], protect: false });
    });

    it("leaves purge protection out when a stack turns it off (Azure refuses false)", async () => {
        const p = await plan(args({ keyVault: { purgeProtection: false } }));
        assert.equal("enablePurgeProtection" in (find(p, "azure-native:keyvault:Vault", "rot-vault").inputs.properties as object), false);
    });

    it("builds secret URLs from the vault's own URI, so sovereign clouds work", async () => {
        const p = await plan(args({ location: "chinanorth2" }));
        const ext = (p.outputs as unknown as Outputs).keyVaultExtension;
        assert.match(String(ext.settings.secretsManagementSettings.observedCertificates[0]), /^https:\/\/kv-rot-[0-9a-f]{6}\.vault\.azure\.cn\/secrets\/web$/);
    });

    it("throws on bad arguments before registering anything", async () => {
        await assert.rejects(plan(args({ certificates: [] })), (err: unknown) => {
            assert.ok(err instanceof ValidationError);
            assert.deepEqual(err.problems, ["certificates: [] is empty; the pool needs at least one certificate to observe"]);
            return true;
        });
    });
});
