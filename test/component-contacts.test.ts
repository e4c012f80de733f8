// The component with certificate contacts and an e-mail warning (issue 19,
// item 2): the contacts resource after the grants, the deployer granted
// managecontacts only then, and the EmailContacts action in the certificate's
// planned request.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertRotationPool, type CertRotationPoolArgs } from "../components/certRotationPool";
import { CERTIFICATE_CONTACTS_TYPE, CERTIFICATE_TYPE } from "../components/azureFacts";
import { configFromValues } from "../tools/plan/config";
import { planLoaded } from "../tools/plan/run";
import type { PlanDocument, PlannedResource } from "../policy/planDocument";

const CONTACTS = [{ email: "certificates@example.com", name: "Certificate owners" }];

function args(keyVault: CertRotationPoolArgs["keyVault"]): CertRotationPoolArgs {
    return {
        location: "westus2",
        resourceGroupName: "rg-test",
        batchAccount: { name: "batchacct", resourceGroupName: "rg-batch" },
        keyVault,
        certificates: [{ name: "web", subject: "CN=web.example.com", renewal: { daysBeforeExpiry: 30 }, emailWarning: { daysBeforeExpiry: 7 } }],
        pool: { vmSize: "Standard_D2s_v5", image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" },
    };
}

async function plan(a: CertRotationPoolArgs): Promise<PlanDocument> {
    return planLoaded(configFromValues("batch-cert-rotation", "test", "<test>", {}), async () => {
        const c = new CertRotationPool("rot", a);
        return { vaultUri: c.vaultUri };
    });
}

function find(p: PlanDocument, type: string, name: string): PlannedResource {
    const r = p.resources.find((x) => x.type === type && x.name === name);
    assert.ok(r, `${type} ${name} is not in the plan: ${p.resources.map((x) => x.name).join(", ")}`);
    return r;
}

describe("CertRotationPool with certificate contacts", () => {
    it("access policies: the contacts come after both grants, and the deployer gains managecontacts", async () => {
        const p = await plan(args({ certificateContacts: CONTACTS }));
        const contacts = find(p, CERTIFICATE_CONTACTS_TYPE, "rot-certificate-contacts");
        assert.equal(contacts.parent, p.resources[0].urn);
        for (const grant of ["rot-identity-access", "rot-deployer-access"]) {
            assert.ok(contacts.dependsOn.some((u) => u.endsWith(`::${grant}`)), `contacts depend on ${grant}`);
        }
        const deployer = find(p, "azure-native:keyvault:AccessPolicy", "rot-deployer-access").inputs.policy as Record<string, unknown>;
        assert.deepEqual(deployer.permissions, { certificates: ["get", "list", "create", "update", "delete", "recover", "managecontacts"] });
        assert.equal(contacts.request?.method, "PUT");
        assert.match(contacts.request?.url ?? "", /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/certificates\/contacts\?api-version=2025-07-01$/);
        assert.deepEqual(contacts.request?.body, { contacts: CONTACTS });
        const cert = find(p, CERTIFICATE_TYPE, "rot-cert-web").request?.body as { policy: { lifetime_actions: unknown[] } };
        assert.deepEqual(cert.policy.lifetime_actions, [
            { trigger: { days_before_expiry: 30 }, action: { action_type: "AutoRenew" } },
            { trigger: { days_before_expiry: 7 }, action: { action_type: "EmailContacts" } },
        ]);
    });

    it("RBAC: after the role assignments; Key Vault Certificates Officer already covers contacts, no other grant", async () => {
        const p = await plan(args({ authorization: "rbac", certificateContacts: CONTACTS }));
        const contacts = find(p, CERTIFICATE_CONTACTS_TYPE, "rot-certificate-contacts");
        assert.ok(contacts.dependsOn.some((u) => u.endsWith("::rot-deployer-certificates-officer")));
        assert.equal(p.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment").length, 2);
    });

    it("without contacts: no contacts resource and the deployer's policy as before", async () => {
        const p = await plan({ ...args({}), certificates: [{ name: "web", subject: "CN=web.example.com" }] });
        assert.equal(p.resources.some((r) => r.type === CERTIFICATE_CONTACTS_TYPE), false);
        const deployer = find(p, "azure-native:keyvault:AccessPolicy", "rot-deployer-access").inputs.policy as Record<string, unknown>;
        assert.deepEqual(deployer.permissions, { certificates: ["get", "list", "create", "update", "delete", "recover"] });
    });
});
