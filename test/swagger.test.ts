// The Swagger validator's own tests: each kind of error on small inline specs,
// then the real Azure specs against the how-to's request bodies and the
// spec's own example, so we know a clean result from the plan check means
// something.

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadSpec, specFromDocuments, validateAgainstDefinition, type Spec } from "../tools/swagger/validate";
import { validateRestCall } from "../tools/swagger/request";
import { checkPlanRequests, loadBoundSpecs } from "../tools/swagger/planRequests";
import { sharedPath } from "../tools/swagger/shared";
import type { PlanDocument, PlannedResource } from "../tools/plan/types";

function inline(definitions: Record<string, unknown>, extra: Record<string, unknown> = {}): Spec {
    return specFromDocuments("main.json", { "main.json": { swagger: "2.0", info: { version: "1" }, definitions }, ...extra });
}

function readJson(file: string): Record<string, unknown> {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

const thing = {
    Thing: {
        type: "object",
        properties: {
            name: { type: "string", minLength: 2, maxLength: 5, pattern: "^[a-z]+$" },
            count: { type: "integer", format: "int32", minimum: 1, maximum: 10 },
            ratio: { type: "number" },
            enabled: { type: "boolean" },
            kind: { type: "string", enum: ["A", "B"] },
            tags: { type: "array", items: { type: "string" }, maxItems: 2 },
            id: { type: "string", readOnly: true },
            tenantId: { type: "string", format: "uuid" },
            when: { type: "string", format: "date-time" },
            timeout: { type: "string", format: "duration" },
            settings: { type: "object" },
            labels: { type: "object", additionalProperties: { type: "string" } },
            anything: { type: "object", additionalProperties: true },
            open: { type: "object", properties: { a: { type: "string" } }, additionalProperties: {} },
            closed: { type: "object", additionalProperties: false },
            free: { description: "no type, no properties" },
            maybe: { type: "string", "x-nullable": true },
            status: { $ref: "#/definitions/Status" },
        },
        required: ["name", "id"],
    },
    Status: { type: "object", readOnly: true, properties: { code: { type: "string" } } },
};

void describe("validateAgainstDefinition on inline specs", () => {
    const spec = inline(thing);
    const check = (value: Record<string, unknown>): string[] => validateAgainstDefinition(spec, "Thing", { name: "ok", ...value });

    void test("a valid value gives no errors, and a required read-only property is not demanded", () => {
        assert.deepEqual(check({ count: 3, ratio: 0.5, enabled: true, kind: "A", tags: ["x"], maybe: null }), []);
    });

    void test("unknown property is an error when the schema declares properties", () => {
        assert.deepEqual(check({ nmae: "typo" }), ["nmae: unknown property"]);
    });

    void test("type errors name expected and actual type; integers must be whole", () => {
        assert.deepEqual(check({ count: "3" }), ["count: expected integer, got string"]);
        assert.deepEqual(check({ count: 1.5 }), ["count: expected integer, got non-integer number 1.5"]);
        assert.deepEqual(check({ ratio: "1" }), ["ratio: expected number, got string"]);
        assert.deepEqual(check({ enabled: "true" }), ["enabled: expected boolean, got string"]);
        assert.deepEqual(check({ tags: "x" }), ["tags: expected array, got string"]);
        assert.deepEqual(check({ tags: [1] }), ["tags[0]: expected string, got number"]);
        assert.deepEqual(check({ labels: [] }), ["labels: expected object, got array"]);
        assert.deepEqual(check({ kind: null }), ["kind: expected string, got null"]);
        assert.deepEqual(validateAgainstDefinition(spec, "Thing", "x"), ["(root): expected object, got string"]);
    });

    void test("enum violations list the allowed values", () => {
        assert.deepEqual(check({ kind: "C" }), ['kind: "C" is not one of [A, B]']);
    });

    void test("required property missing", () => {
        assert.deepEqual(validateAgainstDefinition(spec, "Thing", {}), ["name: required property missing"]);
    });

    void test("a read-only property in a request is reported as read-only, not as unknown", () => {
        assert.deepEqual(check({ id: "x" }), ["id: read-only property in a request body (the server ignores it); remove it"]);
        // readOnly on the referenced definition counts too (Azure's SystemData pattern)
        assert.deepEqual(check({ status: { code: "x" } }), [
            "status: read-only property in a request body (the server ignores it); remove it",
        ]);
    });

    void test("additionalProperties: a schema validates each value; true or {} accept anything; false rejects", () => {
        assert.deepEqual(check({ labels: { a: "x", b: 2 } }), ["labels.b: expected string, got number"]);
        assert.deepEqual(check({ anything: { a: 1, b: [2] } }), []);
        assert.deepEqual(check({ open: { a: "x", b: { c: 1 } } }), []);
        assert.deepEqual(check({ open: { a: 1 } }), ["open.a: expected string, got number"]);
        assert.deepEqual(check({ closed: { a: 1 } }), ["closed.a: unknown property"]);
    });

    void test("a schema with neither properties nor additionalProperties accepts any object, but still only objects", () => {
        assert.deepEqual(check({ settings: { deep: { anything: [1, "two"] } } }), []);
        assert.deepEqual(check({ settings: "x" }), ["settings: expected object, got string"]);
        assert.deepEqual(check({ free: 42 }), []);
    });

    void test("formats: int32 range, uuid, date-time, duration", () => {
        assert.deepEqual(check({ count: 2147483648 }), ["count: 2147483648 is outside the int32 range"]);
        assert.deepEqual(check({ tenantId: "not-a-guid" }), ['tenantId: "not-a-guid" is not a valid uuid']);
        assert.deepEqual(check({ tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" }), []);
        assert.deepEqual(check({ when: "yesterday" }), ['when: "yesterday" is not a valid date-time (RFC 3339, e.g. 2024-07-01T00:00:00Z)']);
        assert.deepEqual(check({ when: "2024-07-01T10:22:55.9407275Z" }), []);
        assert.deepEqual(check({ timeout: "15 minutes" }), ['timeout: "15 minutes" is not a valid ISO 8601 duration (e.g. PT15M)']);
        assert.deepEqual(check({ timeout: "PT15M" }), []);
    });

    void test("minimum, maximum, minLength, maxLength, pattern, maxItems", () => {
        assert.deepEqual(check({ count: 0 }), ["count: 0 is below the minimum 1"]);
        assert.deepEqual(check({ count: 11 }), ["count: 11 is above the maximum 10"]);
        assert.deepEqual(validateAgainstDefinition(spec, "Thing", { name: "a" }), ['name: "a" is shorter than minLength 2']);
        assert.deepEqual(validateAgainstDefinition(spec, "Thing", { name: "abcdef" }), ['name: "abcdef" is longer than maxLength 5']);
        assert.deepEqual(validateAgainstDefinition(spec, "Thing", { name: "AB" }), ['name: "AB" does not match the pattern ^[a-z]+$']);
        assert.deepEqual(check({ tags: ["a", "b", "c"] }), ["tags: has 3 items, more than maxItems 2"]);
    });

    void test("keys that are not identifiers are quoted in the path", () => {
        assert.deepEqual(check({ labels: { "/subscriptions/x": 1 } }), ['labels["/subscriptions/x"]: expected string, got number']);
    });

    void test("errors nest through arrays and objects with their full path", () => {
        const nested = inline({
            Outer: { type: "object", properties: { list: { type: "array", items: { $ref: "#/definitions/Inner" } } } },
            Inner: { type: "object", properties: { deep: { type: "object", properties: { n: { type: "integer" } } } } },
        });
        assert.deepEqual(validateAgainstDefinition(nested, "Outer", { list: [{}, { deep: { n: "1", foo: 1 } }] }), [
            "list[1].deep.n: expected integer, got string",
            "list[1].deep.foo: unknown property",
        ]);
    });

    void test("the spec's own problems throw instead of passing silently", () => {
        assert.throws(() => validateAgainstDefinition(spec, "Nope", {}), /definition "Nope" not found/);
        const broken = inline({ A: { type: "object", properties: { b: { $ref: "#/definitions/Missing" } } } });
        assert.throws(() => validateAgainstDefinition(broken, "A", { b: {} }), /"Missing" not found/);
        const polymorphic = inline({ A: { type: "object", discriminator: "kind", properties: { kind: { type: "string" } } } });
        assert.throws(() => validateAgainstDefinition(polymorphic, "A", { kind: "x" }), /discriminator/);
    });
});

void describe("allOf", () => {
    const spec = inline({
        Base: { type: "object", properties: { id: { type: "string", readOnly: true }, tags: { type: "object", additionalProperties: { type: "string" } } }, required: ["location"] },
        Located: { type: "object", properties: { location: { type: "string" } } },
        Derived: {
            type: "object",
            properties: { size: { type: "integer" } },
            required: ["size"],
            allOf: [{ $ref: "#/definitions/Base" }, { $ref: "#/definitions/Located" }],
        },
    });

    void test("merges the properties of every member", () => {
        assert.deepEqual(validateAgainstDefinition(spec, "Derived", { size: 1, location: "x", tags: { a: "b" } }), []);
        assert.deepEqual(validateAgainstDefinition(spec, "Derived", { size: 1, location: "x", tags: { a: 1 } }), [
            "tags.a: expected string, got number",
        ]);
        assert.deepEqual(validateAgainstDefinition(spec, "Derived", { size: 1, location: "x", id: "y" }), [
            "id: read-only property in a request body (the server ignores it); remove it",
        ]);
    });

    void test("merges the required lists of every member", () => {
        assert.deepEqual(validateAgainstDefinition(spec, "Derived", {}), [
            "size: required property missing",
            "location: required property missing",
        ]);
    });

    void test("still rejects a property no member declares", () => {
        assert.deepEqual(validateAgainstDefinition(spec, "Derived", { size: 1, location: "x", extra: true }), ["extra: unknown property"]);
    });
});

void describe("$ref across files", () => {
    const common = {
        swagger: "2.0",
        info: { version: "1" },
        definitions: {
            Kind: { type: "string", enum: ["User", "Key"] },
            Owner: { type: "object", properties: { kind: { $ref: "#/definitions/Kind" } } },
        },
    };
    const main = {
        swagger: "2.0",
        info: { version: "1" },
        definitions: { Vault: { type: "object", properties: { owner: { $ref: "common.json#/definitions/Owner" } } } },
    };

    void test("in memory: a sibling file's definition, and its own local refs, resolve in that file", () => {
        const spec = specFromDocuments("specs/main.json", { "specs/main.json": main, "specs/common.json": common });
        assert.deepEqual(validateAgainstDefinition(spec, "Vault", { owner: { kind: "User" } }), []);
        assert.deepEqual(validateAgainstDefinition(spec, "Vault", { owner: { kind: "Robot" } }), ['owner.kind: "Robot" is not one of [User, Key]']);
    });

    void test("on disk: loadSpec reads the referenced sibling, including via ../ paths", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "swagger-test-"));
        try {
            mkdirSync(path.join(dir, "a"));
            mkdirSync(path.join(dir, "b"));
            writeFileSync(path.join(dir, "a", "common.json"), JSON.stringify(common));
            const viaParent = {
                ...main,
                definitions: { Vault: { type: "object", properties: { owner: { $ref: "../a/common.json#/definitions/Owner" } } } },
            };
            writeFileSync(path.join(dir, "b", "main.json"), JSON.stringify(viaParent));
            const spec = loadSpec(path.join(dir, "b", "main.json"));
            assert.equal(spec.documents.size, 2);
            assert.deepEqual(validateAgainstDefinition(spec, "Vault", { owner: { kind: "Robot", x: 1 } }), [
                'owner.kind: "Robot" is not one of [User, Key]',
                "owner.x: unknown property",
            ]);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    void test("a missing referenced file is a clear load error", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "swagger-test-"));
        try {
            writeFileSync(path.join(dir, "main.json"), JSON.stringify(main));
            assert.throws(() => loadSpec(path.join(dir, "main.json")), /cannot read Swagger file .*common\.json/);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

void describe("the real Azure specs", () => {
    const batch = loadSpec(sharedPath("specs/batch-2024-07-01/BatchManagement.json"));
    const keyVault = loadSpec(sharedPath("specs/keyvault/keyvault-2024-11-01.json"));
    const certificates = loadSpec(sharedPath("specs/keyvault/certificates-7.5.json"));
    const seedLinux = readJson(sharedPath("seed/pool-request-linux.json"));
    const seedWindows = readJson(sharedPath("seed/pool-request-windows.json"));
    const withoutReadOnly = (body: Record<string, unknown>): Record<string, unknown> =>
        Object.fromEntries(Object.entries(body).filter(([key]) => key !== "name" && key !== "type"));

    void test("the how-to's pool bodies, minus their read-only name and type, are valid Pool requests", () => {
        assert.deepEqual(validateAgainstDefinition(batch, "Pool", withoutReadOnly(seedLinux)), []);
        assert.deepEqual(validateAgainstDefinition(batch, "Pool", withoutReadOnly(seedWindows)), []);
    });

    void test("with name and type, the how-to's body is flagged for its read-only properties", () => {
        assert.deepEqual(validateAgainstDefinition(batch, "Pool", seedLinux), [
            "name: read-only property in a request body (the server ignores it); remove it",
            "type: read-only property in a request body (the server ignores it); remove it",
        ]);
    });

    void test("the spec's own pool-with-extensions example validates", () => {
        const example = readJson(sharedPath("specs/batch-2024-07-01/PoolCreate_VirtualMachineConfiguration_Extensions.json"));
        const parameters = example.parameters as Record<string, unknown>;
        assert.deepEqual(validateAgainstDefinition(batch, "Pool", parameters.parameters), []);
    });

    void test("mistakes in a pool body are found at their exact path", () => {
        const body = structuredClone(withoutReadOnly(seedLinux)) as {
            properties: {
                deploymentConfiguration: { virtualMachineConfiguration: { extensions: Record<string, unknown>[] } };
                scaleSettings: { fixedScale: Record<string, unknown> };
                taskSchedulingPolicy: Record<string, unknown>;
            };
        };
        body.properties.deploymentConfiguration.virtualMachineConfiguration.extensions[0].foo = 1;
        body.properties.scaleSettings.fixedScale.targetDedicatedNodes = "1";
        body.properties.taskSchedulingPolicy.nodeFillType = "Fill";
        assert.deepEqual(validateAgainstDefinition(batch, "Pool", body), [
            'properties.taskSchedulingPolicy.nodeFillType: "Fill" is not one of [Spread, Pack]',
            "properties.deploymentConfiguration.virtualMachineConfiguration.extensions[0].foo: unknown property",
            "properties.scaleSettings.fixedScale.targetDedicatedNodes: expected integer, got string",
        ]);
    });

    void test("the Key Vault spec resolves common.json (SystemData is read-only there)", () => {
        assert.equal(keyVault.documents.size, 2);
        const vault = { location: "westus2", properties: { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", sku: { family: "A", name: "standard" } } };
        assert.deepEqual(validateAgainstDefinition(keyVault, "VaultCreateOrUpdateParameters", vault), []);
        assert.deepEqual(validateAgainstDefinition(keyVault, "Vault", { ...vault, systemData: {} }), [
            "systemData: read-only property in a request body (the server ignores it); remove it",
        ]);
        assert.deepEqual(
            validateAgainstDefinition(keyVault, "VaultCreateOrUpdateParameters", {
                location: "westus2",
                properties: { ...vault.properties, softDeleteRetentionInDays: "90", accessPolicies: [{}] },
            }),
            [
                "properties.softDeleteRetentionInDays: expected integer, got string",
                "properties.accessPolicies[0].tenantId: required property missing",
                "properties.accessPolicies[0].objectId: required property missing",
                "properties.accessPolicies[0].permissions: required property missing",
            ],
        );
    });

    void test("the certificate create body uses the wire names (key_props), not the SDK's (keyProperties)", () => {
        const wire = {
            policy: {
                key_props: { exportable: true, kty: "RSA", key_size: 2048, reuse_key: false },
                secret_props: { contentType: "application/x-pkcs12" },
                x509_props: { subject: "CN=batch.example.com", validity_months: 12, sans: { dns_names: ["batch.example.com"] } },
                lifetime_actions: [{ trigger: { days_before_expiry: 30 }, action: { action_type: "AutoRenew" } }],
                issuer: { name: "Self" },
            },
            tags: { purpose: "batch" },
        };
        assert.deepEqual(validateAgainstDefinition(certificates, "CertificateCreateParameters", wire), []);
        assert.deepEqual(
            validateAgainstDefinition(certificates, "CertificateCreateParameters", {
                policy: { keyProperties: { exportable: true }, lifetime_actions: [{ trigger: { lifetime_percentage: 100 }, action: { action_type: "Renew" } }] },
            }),
            [
                "policy.keyProperties: unknown property",
                "policy.lifetime_actions[0].trigger.lifetime_percentage: 100 is above the maximum 99",
                'policy.lifetime_actions[0].action.action_type: "Renew" is not one of [EmailContacts, AutoRenew]',
            ],
        );
    });
});

void describe("validateRestCall and checkPlanRequests", () => {
    const specs = loadBoundSpecs(sharedPath("specs"));
    const batch = specs.get("azure-native:batch:Pool") as Spec;
    const seedLinux = readJson(sharedPath("seed/pool-request-linux.json"));
    const poolBody = Object.fromEntries(Object.entries(seedLinux).filter(([key]) => key !== "name" && key !== "type"));
    const poolUrl = (pool: string, version: string): string =>
        `https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/acct1/pools/${pool}?api-version=${version}`;
    const vaultBody = {
        location: "westus2",
        properties: { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", sku: { family: "A", name: "standard" }, enableSoftDelete: true },
    };
    const certificateBody = { policy: { key_props: { exportable: true, kty: "RSA", key_size: 2048 }, issuer: { name: "Self" } } };

    void test("a call the spec accepts has no problems", () => {
        assert.deepEqual(validateRestCall(batch, { method: "PUT", url: poolUrl("test2", "2024-07-01"), body: poolBody }, "Pool"), []);
    });

    void test("api-version, path parameters, method and body definition are all checked", () => {
        assert.deepEqual(validateRestCall(batch, { method: "PUT", url: poolUrl("test2", "2021-01-01"), body: poolBody }, "Pool"), [
            'api-version: "2021-01-01", the spec is "2024-07-01"',
        ]);
        assert.deepEqual(validateRestCall(batch, { method: "PUT", url: poolUrl("bad.name", "2024-07-01"), body: poolBody }, "Pool"), [
            'path.poolName: "bad.name" does not match the pattern ^[a-zA-Z0-9_-]+$',
        ]);
        assert.match(validateRestCall(batch, { method: "POST", url: poolUrl("p", "2024-07-01"), body: poolBody }, "Pool")[0], /^url: POST .*: no POST operation on/);
        assert.match(
            validateRestCall(batch, { method: "PUT", url: poolUrl("p", "2024-07-01").replace("/pools/", "/poolz/"), body: poolBody }, "Pool")[0],
            /^url: PUT .*: no operation in the spec matches the path/,
        );
        assert.match(validateRestCall(batch, { method: "PUT", url: poolUrl("p", "2024-07-01"), body: {} }, "BatchAccountCreateParameters").join("\n"), /takes body Pool, not BatchAccountCreateParameters/);
        assert.deepEqual(validateRestCall(batch, { method: "PUT", url: "pools/p", body: poolBody }, "Pool"), ['url: "pools/p" is not an absolute URL']);
    });

    const resource = (type: string, name: string, request: PlannedResource["request"]): PlannedResource => ({
        urn: `urn:pulumi:dev::batch-cert-rotation::${type}::${name}`,
        type,
        name,
        dependsOn: [],
        options: { deleteBeforeReplace: false, replaceOnChanges: [], protect: false },
        inputs: {},
        request,
    });
    const plan = (resources: PlannedResource[]): PlanDocument => ({ stack: "dev", resources, outputs: {}, warnings: [] });
    const vaultUrl =
        "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-dev-1?api-version=2024-11-01";
    const certificateUrl = "https://kv-dev-1.vault.azure.net/certificates/authcert/create?api-version=7.5";
    const accessPolicyUrl = (kind: string): string => vaultUrl.replace("?", `/accessPolicies/${kind}?`);
    const accessPolicyBody = (secrets: string[]): Record<string, unknown> => ({
        properties: {
            accessPolicies: [{ tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", objectId: "o", permissions: { secrets } }],
        },
    });

    void test("a plan's pool, vault and certificate requests are validated and counted", () => {
        const result = checkPlanRequests(
            plan([
                resource("azure-native:batch:Pool", "p-pool", { method: "PUT", url: poolUrl("p", "2024-07-01"), body: poolBody }),
                resource("azure-native:keyvault:Vault", "p-vault", { method: "PUT", url: vaultUrl, body: vaultBody }),
                resource("pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate", "p-cert-authcert", {
                    method: "POST",
                    url: certificateUrl,
                    body: certificateBody,
                }),
                resource("azure-native:keyvault:AccessPolicy", "p-identity-access", {
                    method: "PUT",
                    url: accessPolicyUrl("add"),
                    body: accessPolicyBody(["get", "list"]),
                }),
                resource("azure-native:managedidentity:UserAssignedIdentity", "p-identity", undefined),
            ]),
            specs,
        );
        assert.deepEqual(result, {
            problems: [],
            validated: {
                "azure-native:batch:Pool": 1,
                "azure-native:keyvault:Vault": 1,
                "pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate": 1,
                "azure-native:keyvault:AccessPolicy": 1,
            },
        });
    });

    void test("problems name the resource, and a bound resource with no request is a problem", () => {
        const result = checkPlanRequests(
            plan([
                resource("azure-native:keyvault:Vault", "p-vault", {
                    method: "PUT",
                    url: vaultUrl.replace("kv-dev-1", "kv_dev"),
                    body: { ...vaultBody, properties: { ...vaultBody.properties, accessPolicies: "none" } },
                }),
                resource("azure-native:batch:Pool", "p-pool", undefined),
                resource("azure-native:keyvault:AccessPolicy", "p-access", {
                    method: "PUT",
                    url: accessPolicyUrl("merge"),
                    body: accessPolicyBody(["get", "read"]),
                }),
            ]),
            specs,
        );
        assert.deepEqual(result.problems, [
            'p-vault (azure-native:keyvault:Vault) path.vaultName: "kv_dev" does not match the pattern ^[a-zA-Z0-9-]{3,24}$',
            "p-vault (azure-native:keyvault:Vault) body.properties.accessPolicies: expected array, got string",
            "p-pool (azure-native:batch:Pool): no request rendered; the plan must render the REST call for this type",
            'p-access (azure-native:keyvault:AccessPolicy) path.operationKind: "merge" is not one of [add, replace, remove]',
            'p-access (azure-native:keyvault:AccessPolicy) body.properties.accessPolicies[0].permissions.secrets[1]: "read" is not one of [all, get, list, set, delete, backup, restore, recover, purge]',
        ]);
        assert.equal(result.validated["pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate"], 0);
    });
});
