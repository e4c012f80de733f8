import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson, deriveVaultName, derivePoolName, deterministicGuid, parseResourceId, shortHash } from "../components/naming";
import { deriveBatchAccountName } from "../stack/config";

const VAULT_RULE = /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/;

describe("naming", () => {
    it("hashes logically equal values equally, whatever the key order", () => {
        assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
        assert.equal(shortHash({ a: 1, b: 2 }), shortHash({ b: 2, a: 1 }));
        assert.notEqual(shortHash({ a: 1 }), shortHash({ a: 2 }));
    });

    it("derives vault names that are valid, stable and differ per stack", () => {
        for (const component of ["certpool", "A_Very_Long--Component-Name-That-Goes-On", "---", "x"]) {
            const name = deriveVaultName(component, "batch-cert-rotation", "dev");
            assert.ok(name.length >= 3 && name.length <= 24, `${name} length`);
            assert.match(name, VAULT_RULE);
            assert.ok(!name.includes("--"), name);
            assert.equal(name, deriveVaultName(component, "batch-cert-rotation", "dev"));
        }
        assert.notEqual(deriveVaultName("certpool", "p", "dev"), deriveVaultName("certpool", "p", "prod"));
        assert.equal(deriveVaultName("certpool", "batch-cert-rotation", "dev"), `kv-certpool-${shortHash({ project: "batch-cert-rotation", stack: "dev", componentName: "certpool" }, 6)}`);
    });

    it("derives a pool name that changes with what forces replacement and only with that", () => {
        const key = { vmSize: "Standard_D2s_v5", deploymentConfiguration: { a: 1 }, identityIds: ["/id"] };
        const name = derivePoolName("certpool", key);
        assert.match(name, /^certpool-[0-9a-f]{8}$/);
        assert.equal(derivePoolName("certpool", { ...key }), name);
        assert.notEqual(derivePoolName("certpool", { ...key, vmSize: "Standard_D4s_v5" }), name);
        assert.notEqual(derivePoolName("certpool", { ...key, deploymentConfiguration: { a: 2 } }), name);
        assert.notEqual(derivePoolName("certpool", { ...key, identityIds: ["/other"] }), name);
        // Azure treats VM sizes case-insensitively; so does the name.
        assert.equal(derivePoolName("certpool", { ...key, vmSize: "STANDARD_D2S_V5" }), name);
        assert.ok(derivePoolName("x".repeat(100), key).length <= 64);
    });

    it("makes version-5 GUIDs that are stable and case-insensitive", () => {
        const g = deterministicGuid("/subscriptions/S/x", "principal", "role");
        assert.match(g, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(g, deterministicGuid("/SUBSCRIPTIONS/s/X", "PRINCIPAL", "ROLE"));
        assert.notEqual(g, deterministicGuid("/subscriptions/S/x", "principal", "other-role"));
    });

    it("parses ARM IDs and rejects anything else", () => {
        assert.deepEqual(parseResourceId("/subscriptions/s/resourceGroups/ACR/providers/Microsoft.ManagedIdentity/userAssignedIdentities/testumaforpools"),
            { subscriptionId: "s", resourceGroupName: "ACR", name: "testumaforpools" });
        assert.throws(() => parseResourceId("testumaforpools"), /is not an ARM resource ID/);
    });

    it("derives Batch account names of 3-24 lowercase letters and digits", () => {
        for (const stack of ["dev", "Prod-West-Europe-Long-Name", "a"]) {
            assert.match(deriveBatchAccountName("batch-cert-rotation", stack), /^[a-z0-9]{3,24}$/);
        }
        assert.notEqual(deriveBatchAccountName("p", "dev"), deriveBatchAccountName("p", "prod"));
    });
});
