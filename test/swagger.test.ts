// The spec check's own tests, through oav as the plan check uses it: each kind
// of error on a small inline spec, oav's silent failures made loud, then the
// real Azure specs (the repository's copies) against the how-to's request
// bodies and the spec's own example, so that a clean plan check means
// something.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { SpecLoadError, SpecValidator, type RestCall } from "../tools/swagger/specValidator";
import { checkCall, checkPlanRequests, loadBoundSpecs, nullsIn, SPEC_BINDINGS } from "../tools/swagger/planRequests";
import { renderRequest } from "../tools/plan/render";
import type { PlanDocument, PlannedResource } from "../policy/planDocument";
import { fixturePath, readFixtureJson } from "./fixtures";

type Json = Record<string, unknown>;

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const ARM = `https://management.azure.com/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers`;

/** A minimal ARM spec with one PUT whose body exercises each kind of check. */
function thingSpec(definitions: Json = {}): Json {
    return {
        swagger: "2.0",
        info: { title: "TestClient", version: "2024-01-01" },
        host: "management.azure.com",
        schemes: ["https"],
        consumes: ["application/json"],
        produces: ["application/json"],
        paths: {
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Test/things/{thingName}": {
                put: {
                    operationId: "Things_Create",
                    parameters: [
                        { name: "subscriptionId", in: "path", required: true, type: "string" },
                        { name: "resourceGroupName", in: "path", required: true, type: "string" },
                        { name: "thingName", in: "path", required: true, type: "string", pattern: "^[a-z0-9]{3,10}$" },
                        { name: "api-version", in: "query", required: true, type: "string" },
                        { name: "parameters", in: "body", required: true, schema: { $ref: "#/definitions/Thing" } },
                    ],
                    responses: { "200": { description: "OK", schema: { $ref: "#/definitions/Thing" } } },
                },
            },
        },
        definitions: {
            Thing: {
                type: "object",
                properties: {
                    id: { type: "string", readOnly: true },
                    location: { type: "string" },
                    properties: { $ref: "#/definitions/ThingProperties" },
                },
                required: ["location"],
            },
            ThingProperties: {
                type: "object",
                properties: {
                    label: { type: "string", pattern: "^[a-z]+$" },
                    count: { type: "integer", format: "int32", minimum: 1, maximum: 10 },
                    kind: { type: "string", enum: ["A", "B"], "x-ms-enum": { name: "Kind", modelAsString: false } },
                    parts: { type: "array", items: { $ref: "#/definitions/Part" } },
                    settings: { type: "object", description: "free-form, as the VM extension's settings" },
                },
                additionalProperties: false,
            },
            Part: { type: "object", properties: { size: { type: "integer" } }, required: ["size"], additionalProperties: false },
            ...definitions,
        },
    };
}

const thingUrl = (name = "thing1", version = "2024-01-01"): string =>
    `${ARM}/Microsoft.Test/things/${name}?api-version=${version}`;
const thing = (properties: Json, extra: Json = {}): RestCall => ({
    method: "PUT",
    url: thingUrl(),
    body: { location: "westus2", properties, ...extra },
});

void describe("oav on an inline spec", () => {
    let dir: string;
    let validator: SpecValidator;
    const problems = async (call: RestCall): Promise<string[]> => (await validator.validate(call)).problems;

    before(async () => {
        dir = mkdtempSync(path.join(tmpdir(), "oav-test-"));
        mkdirSync(path.join(dir, "test"));
        writeFileSync(path.join(dir, "test", "things.json"), JSON.stringify(thingSpec()));
        validator = await SpecValidator.load(dir, ["test/things.json"]);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    void test("a valid call has no problems and names the operation it matched", async () => {
        const result = await validator.validate(thing({ label: "ok", count: 3, kind: "A", parts: [{ size: 1 }] }));
        assert.deepEqual(result, { operationId: "Things_Create", apiVersion: "2024-01-01", problems: [] });
    });

    void test("a read-only property is reported at its JSON path", async () => {
        assert.deepEqual(await problems(thing({}, { id: "x" })), [
            '$.id: ReadOnly property "id" cannot be sent in the request (READONLY_PROPERTY_NOT_ALLOWED_IN_REQUEST)',
        ]);
    });

    void test("an unknown property is reported at its JSON path", async () => {
        assert.deepEqual(await problems(thing({ lable: "typo" })), [
            "$.properties.lable: Additional properties not allowed: lable (OBJECT_ADDITIONAL_PROPERTIES)",
        ]);
    });

    void test("a wrong type is reported at its JSON path", async () => {
        assert.deepEqual(await problems(thing({ count: "3" })), [
            "$.properties.count: Expected type integer but found type string (INVALID_TYPE)",
        ]);
    });

    void test("an enum break is reported at its JSON path", async () => {
        assert.deepEqual(await problems(thing({ kind: "C" })), ["$.properties.kind: No enum match for: C (ENUM_MISMATCH)"]);
    });

    void test("a pattern break is reported at its JSON path, in the body and in the URL", async () => {
        assert.deepEqual(await problems(thing({ label: "Bad1" })), [
            "$.properties.label: String does not match pattern ^[a-z]+$: Bad1 (PATTERN)",
        ]);
        assert.deepEqual(await problems({ ...thing({}), url: thingUrl("Bad_Name") }), [
            "path.thingName: String does not match pattern ^[a-z0-9]{3,10}$: Bad_Name (PATTERN)",
        ]);
    });

    void test("range, required and nested array errors, all at once", async () => {
        assert.deepEqual(await problems({ method: "PUT", url: thingUrl(), body: { properties: { count: 11, parts: [{ size: 1 }, { size: "2", x: 1 }, {}] } } }), [
            "$.location: Missing required property: location (OBJECT_MISSING_REQUIRED_PROPERTY)",
            "$.properties.count: Value 11 is greater than maximum 10 (MAXIMUM)",
            "$.properties.parts[1].x: Additional properties not allowed: x (OBJECT_ADDITIONAL_PROPERTIES)",
            "$.properties.parts[1].size: Expected type integer but found type string (INVALID_TYPE)",
            "$.properties.parts[2].size: Missing required property: size (OBJECT_MISSING_REQUIRED_PROPERTY)",
        ]);
    });

    void test("limit: oav does not look inside a free-form object (the extension's settings stay with the project's own tests)", async () => {
        assert.deepEqual(await problems(thing({ settings: { anything: [1, "two"], pollingIntervalInS: {} } })), []);
    });

    void test("limit: null passes oav for a non-nullable field, so the plan check looks for nulls itself", async () => {
        const call = thing({ label: null });
        assert.deepEqual(await problems(call), []);
        const binding = { resourceType: "t", specFile: "test/things.json", operationId: "Things_Create", apiVersion: "2024-01-01", requiredInEveryPlan: false };
        assert.deepEqual(await checkCall(validator, binding, call), [
            "$.properties.label: null in a request body (oav does not check nullability; render the field or omit it)",
        ]);
        assert.deepEqual(nullsIn({ a: [1, { b: "x" }], c: false }), []);
    });

    void test("an api-version the spec lacks is a problem, not the empty error list oav gives", async () => {
        const [problem, ...rest] = await problems({ ...thing({}), url: thingUrl("thing1", "2021-01-01") });
        assert.deepEqual(rest, []);
        assert.match(problem, /^PUT \/subscriptions\/.*\/things\/thing1 api-version=2021-01-01: not validated, oav failed \(OPERATION_NOT_FOUND_IN_CACHE_WITH_API: /);
    });

    void test("a method or path the spec lacks is a problem, and so is a URL that isn't absolute", async () => {
        assert.match((await problems({ ...thing({}), method: "POST" }))[0], /^POST .*: not validated, oav failed \(OPERATION_NOT_FOUND_IN_CACHE/);
        assert.match((await problems({ ...thing({}), url: thingUrl().replace("/things/", "/thingz/") }))[0], /not validated, oav failed/);
        assert.deepEqual(await problems({ ...thing({}), url: "things/thing1" }), ['url: "things/thing1" is not an absolute URL']);
    });

    void test("a call routed to another operation than the binding's is a problem", async () => {
        const binding = { resourceType: "t", specFile: "test/things.json", operationId: "Things_Update", apiVersion: "2024-01-01", requiredInEveryPlan: false };
        assert.deepEqual(await checkCall(validator, binding, thing({})), [
            "url: matched Things_Create (api-version 2024-01-01), expected Things_Update (api-version 2024-01-01)",
        ]);
    });
});

void describe("oav's silent failures are loud", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(path.join(tmpdir(), "oav-test-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    void test("a missing spec file fails the load, naming the file", async () => {
        await assert.rejects(SpecValidator.load(dir, ["nope/missing.json"]), (error: unknown) => {
            assert.ok(error instanceof SpecLoadError);
            assert.match(error.message, /Azure REST spec .*nope[\\/]missing\.json is missing/);
            return true;
        });
    });

    void test("a dangling $ref fails the load, naming the file and the reference (oav alone would skip the spec and answer an empty error list)", async () => {
        const spec = thingSpec();
        (spec.definitions as Json).ThingProperties = { type: "object", properties: { part: { $ref: "#/definitions/Missing" } } };
        writeFileSync(path.join(dir, "dangling.json"), JSON.stringify(spec));
        await assert.rejects(SpecValidator.load(dir, ["dangling.json"]), (error: unknown) => {
            assert.ok(error instanceof SpecLoadError);
            assert.match(error.message, /dangling\.json[\s\S]*Failed to resolve ref for #\/definitions\/Missing/);
            assert.doesNotMatch(error.message, /ErrorStack/);
            return true;
        });
    });

    void test("a $ref to a file that isn't there fails the load, naming the file", async () => {
        const spec = thingSpec();
        (spec.definitions as Json).ThingProperties = { $ref: "./common.json#/definitions/Missing" };
        writeFileSync(path.join(dir, "refers.json"), JSON.stringify(spec));
        await assert.rejects(SpecValidator.load(dir, ["refers.json"]), (error: unknown) => {
            assert.ok(error instanceof SpecLoadError);
            assert.match(error.message, /refers\.json/);
            return true;
        });
    });
});

void describe("the real Azure specs", () => {
    let specs: SpecValidator;
    const seedLinux = readFixtureJson<Json>("how-to", "pool-request-linux.json");
    const seedWindows = readFixtureJson<Json>("how-to", "pool-request-windows.json");
    const withoutReadOnly = (body: Json): Json => Object.fromEntries(Object.entries(body).filter(([key]) => key !== "name" && key !== "type"));
    const poolUrl = (pool: string, version = "2024-07-01"): string =>
        `${ARM}/Microsoft.Batch/batchAccounts/acct1/pools/${pool}?api-version=${version}`;
    const vaultUrl = `${ARM}/Microsoft.KeyVault/vaults/kv-dev-1?api-version=2024-11-01`;
    const certificateUrl = (version: string): string => `https://kv-dev-1.vault.azure.net/certificates/authcert/create?api-version=${version}`;
    const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const vault = { location: "westus2", properties: { tenantId, sku: { family: "A", name: "standard" } } };
    const wireCertificate = {
        policy: {
            key_props: { exportable: true, kty: "RSA", key_size: 2048, reuse_key: false },
            secret_props: { contentType: "application/x-pkcs12" },
            x509_props: { subject: "CN=batch.example.com", validity_months: 12, sans: { dns_names: ["batch.example.com"] } },
            lifetime_actions: [{ trigger: { days_before_expiry: 30 }, action: { action_type: "AutoRenew" } }],
            issuer: { name: "Self" },
        },
        tags: { purpose: "batch" },
    };
    const problems = async (call: RestCall): Promise<string[]> => (await specs.validate(call)).problems;

    before(async () => {
        // The plan's specs plus the 7.5 data plane, which tests of older recordings may still need.
        specs = await SpecValidator.load(fixturePath("specs"), [...new Set([...SPEC_BINDINGS.map((b) => b.specFile), "keyvault/certificates-7.5.json"])]);
    });

    void test("the how-to's pool bodies, minus their read-only name and type, are valid Pool_Create requests", async () => {
        for (const seed of [seedLinux, seedWindows]) {
            assert.deepEqual(await specs.validate({ method: "PUT", url: poolUrl("test2"), body: withoutReadOnly(seed) }), {
                operationId: "Pool_Create",
                apiVersion: "2024-07-01",
                problems: [],
            });
        }
    });

    void test("with name and type, the how-to's body is flagged for its read-only properties", async () => {
        assert.deepEqual(await problems({ method: "PUT", url: poolUrl("test2"), body: seedLinux }), [
            '$.name: ReadOnly property "name" cannot be sent in the request (READONLY_PROPERTY_NOT_ALLOWED_IN_REQUEST)',
            '$.type: ReadOnly property "type" cannot be sent in the request (READONLY_PROPERTY_NOT_ALLOWED_IN_REQUEST)',
        ]);
    });

    void test("the spec's own pool-with-extensions example validates", async () => {
        const example = readFixtureJson<{ parameters: { parameters: Json } }>("specs", "batch-2024-07-01", "PoolCreate_VirtualMachineConfiguration_Extensions.json");
        assert.deepEqual(await problems({ method: "PUT", url: poolUrl("testpool"), body: example.parameters.parameters }), []);
    });

    void test("mistakes in a pool body are found at their exact path", async () => {
        const body = structuredClone(withoutReadOnly(seedLinux)) as {
            properties: {
                deploymentConfiguration: { virtualMachineConfiguration: { extensions: Json[] } };
                scaleSettings: { fixedScale: Json };
                taskSchedulingPolicy: Json;
            };
        };
        body.properties.deploymentConfiguration.virtualMachineConfiguration.extensions[0].foo = 1;
        body.properties.scaleSettings.fixedScale.targetDedicatedNodes = "1";
        body.properties.taskSchedulingPolicy.nodeFillType = "Fill";
        assert.deepEqual((await problems({ method: "PUT", url: poolUrl("test2"), body })).sort(), [
            "$.properties.deploymentConfiguration.virtualMachineConfiguration.extensions[0].foo: Additional properties not allowed: foo (OBJECT_ADDITIONAL_PROPERTIES)",
            "$.properties.scaleSettings.fixedScale.targetDedicatedNodes: Expected type integer but found type string (INVALID_TYPE)",
            "$.properties.taskSchedulingPolicy.nodeFillType: No enum match for: Fill (ENUM_MISMATCH)",
        ]);
    });

    void test("the Key Vault management spec resolves common.json: vault bodies and their mistakes", async () => {
        assert.deepEqual(await specs.validate({ method: "PUT", url: vaultUrl, body: vault }), {
            operationId: "Vaults_CreateOrUpdate",
            apiVersion: "2024-11-01",
            problems: [],
        });
        assert.deepEqual(await problems({ method: "PUT", url: vaultUrl, body: { ...vault, systemData: {} } }), [
            "$.systemData: Additional properties not allowed: systemData (OBJECT_ADDITIONAL_PROPERTIES)",
        ]);
        assert.deepEqual(
            await problems({
                method: "PUT",
                url: vaultUrl,
                body: { location: "westus2", properties: { ...vault.properties, softDeleteRetentionInDays: "90", accessPolicies: [{}] } },
            }),
            [
                "$.properties.accessPolicies[0].tenantId: Missing required property: tenantId (OBJECT_MISSING_REQUIRED_PROPERTY)",
                "$.properties.accessPolicies[0].objectId: Missing required property: objectId (OBJECT_MISSING_REQUIRED_PROPERTY)",
                "$.properties.accessPolicies[0].permissions: Missing required property: permissions (OBJECT_MISSING_REQUIRED_PROPERTY)",
                "$.properties.softDeleteRetentionInDays: Expected type integer but found type string (INVALID_TYPE)",
            ],
        );
        assert.deepEqual(await problems({ method: "PUT", url: vaultUrl.replace("kv-dev-1", "kv_dev"), body: vault }), [
            "path.vaultName: String does not match pattern ^[a-zA-Z0-9-]{3,24}$: kv_dev (PATTERN)",
        ]);
    });

    void test("the certificate create body uses the wire names (key_props), not the SDK's (keyProperties), in 2025-07-01", async () => {
        assert.deepEqual(await specs.validate({ method: "POST", url: certificateUrl("2025-07-01"), body: wireCertificate }), {
            operationId: "CreateCertificate",
            apiVersion: "2025-07-01",
            problems: [],
        });
        const wrong = { policy: { keyProperties: { exportable: true }, lifetime_actions: [{ trigger: { lifetime_percentage: 100 }, action: { action_type: "Renew" } }] } };
        assert.deepEqual(await problems({ method: "POST", url: certificateUrl("2025-07-01"), body: wrong }), [
            "$.policy.keyProperties: Additional properties not allowed: keyProperties (OBJECT_ADDITIONAL_PROPERTIES)",
            "$.policy.lifetime_actions[0].trigger.lifetime_percentage: Value 100 is greater than maximum 99 (MAXIMUM)",
            "$.policy.lifetime_actions[0].action.action_type: No enum match for: Renew (ENUM_MISMATCH)",
        ]);
    });

    void test("the 7.5 data-plane spec stays usable, and only for api-version 7.5", async () => {
        assert.deepEqual(await specs.validate({ method: "POST", url: certificateUrl("7.5"), body: wireCertificate }), {
            operationId: "CreateCertificate",
            apiVersion: "7.5",
            problems: [],
        });
        assert.match((await problems({ method: "POST", url: certificateUrl("2016-10-01"), body: wireCertificate }))[0], /not validated, oav failed/);
    });

    void test("the network specs load with their $ref closure and accept a private endpoint and a private DNS zone", async () => {
        const network = await SpecValidator.load(fixturePath("specs"), [
            "network/network/resource-manager/Microsoft.Network/stable/2024-05-01/privateEndpoint.json",
            "network/privatedns/resource-manager/Microsoft.Network/stable/2024-06-01/privatedns.json",
        ]);
        const vaultId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-dev-1`;
        const endpoint = {
            location: "westus2",
            properties: {
                subnet: { id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pool` },
                privateLinkServiceConnections: [{ name: "vault", properties: { privateLinkServiceId: vaultId, groupIds: ["vault"] } }],
            },
        };
        const endpointUrl = `${ARM}/Microsoft.Network/privateEndpoints/pe-vault?api-version=2024-05-01`;
        assert.deepEqual(await network.validate({ method: "PUT", url: endpointUrl, body: endpoint }), {
            operationId: "PrivateEndpoints_CreateOrUpdate",
            apiVersion: "2024-05-01",
            problems: [],
        });
        const zoneUrl = `${ARM}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net?api-version=2024-06-01`;
        assert.deepEqual((await network.validate({ method: "PUT", url: zoneUrl, body: { location: "global" } })).operationId, "PrivateZones_CreateOrUpdate");
        assert.deepEqual((await network.validate({ method: "PUT", url: zoneUrl, body: { location: "global" } })).problems, []);
        assert.deepEqual(
            (await network.validate({ method: "PUT", url: endpointUrl, body: { ...endpoint, properties: { ...endpoint.properties, privateLinkServiceConnections: "vault" } } })).problems,
            ["$.properties.privateLinkServiceConnections: Expected type array but found type string (INVALID_TYPE)"],
        );
    });

    void test("the plan's private endpoint, zone, link and zone group requests match their operations, and a bad body fails", async () => {
        const subnet = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/endpoints`;
        const vaultId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-dev-1`;
        const zone = "privatelink.vaultcore.azure.net";
        const zoneId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/${zone}`;
        const inputs: Record<string, Record<string, unknown>> = {
            "azure-native:network:PrivateEndpoint": {
                resourceGroupName: "rg", privateEndpointName: "pe", location: "westus2",
                subnet: { id: subnet, privateEndpointNetworkPolicies: "Disabled" },
                privateLinkServiceConnections: [{ name: "pe", privateLinkServiceId: vaultId, groupIds: ["vault"] }],
            },
            "azure-native:network:PrivateDnsZoneGroup": {
                resourceGroupName: "rg", privateEndpointName: "pe", privateDnsZoneGroupName: "default",
                privateDnsZoneConfigs: [{ name: "vault", privateDnsZoneId: zoneId }],
            },
            "azure-native:privatedns:PrivateZone": { resourceGroupName: "rg", privateZoneName: zone, location: "Global" },
            "azure-native:privatedns:VirtualNetworkLink": {
                resourceGroupName: "rg", privateZoneName: zone, virtualNetworkLinkName: "link", location: "Global",
                virtualNetwork: { id: subnet.replace(/\/subnets\/.*$/, "") }, registrationEnabled: false,
            },
        };
        for (const [type, resourceInputs] of Object.entries(inputs)) {
            const binding = SPEC_BINDINGS.find((b) => b.resourceType === type);
            assert.ok(binding, `${type} is bound to a spec operation`);
            const request = renderRequest(type, resourceInputs, SUBSCRIPTION);
            assert.ok(request);
            assert.deepEqual(await checkCall(specs, binding, request), [], type);
        }
        // The link's URL also fits Private DNS record sets' template; the body is still checked against the link's schema.
        const link = renderRequest("azure-native:privatedns:VirtualNetworkLink",
            { ...inputs["azure-native:privatedns:VirtualNetworkLink"], registrationEnabled: "yes" }, SUBSCRIPTION);
        const linkBinding = SPEC_BINDINGS.find((b) => b.resourceType === "azure-native:privatedns:VirtualNetworkLink");
        assert.ok(link && linkBinding);
        assert.deepEqual(await checkCall(specs, linkBinding, link),
            ["$.properties.registrationEnabled: Expected type boolean but found type string (INVALID_TYPE)"]);
    });
});

void describe("checkPlanRequests", () => {
    let specs: SpecValidator;
    const poolBody = Object.fromEntries(
        Object.entries(readFixtureJson<Json>("how-to", "pool-request-linux.json")).filter(([key]) => key !== "name" && key !== "type"),
    );
    const poolUrl = (pool: string): string => `${ARM}/Microsoft.Batch/batchAccounts/acct1/pools/${pool}?api-version=2024-07-01`;
    const vaultUrl = `${ARM}/Microsoft.KeyVault/vaults/kv-dev-1?api-version=2024-11-01`;
    const vaultBody = {
        location: "westus2",
        properties: { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", sku: { family: "A", name: "standard" }, enableSoftDelete: true },
    };
    const certificateUrl = "https://kv-dev-1.vault.azure.net/certificates/authcert/create?api-version=2025-07-01";
    const certificateBody = { policy: { key_props: { exportable: true, kty: "RSA", key_size: 2048 }, issuer: { name: "Self" } } };
    const contactsUrl = "https://kv-dev-1.vault.azure.net/certificates/contacts?api-version=2025-07-01";
    const accessPolicyUrl = (kind: string): string => vaultUrl.replace("?", `/accessPolicies/${kind}?`);
    const accessPolicyBody = (secrets: unknown[]): Json => ({
        properties: { accessPolicies: [{ tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", objectId: "o", permissions: { secrets } }] },
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
    // The body the plan renders for the stack's account (index.ts): ARM's envelope, the settings under properties.
    const batchAccountBody = {
        location: "westus2",
        tags: { environment: "dev" },
        properties: { poolAllocationMode: "BatchService", publicNetworkAccess: "Enabled" },
    };
    const plan = (resources: PlannedResource[]): PlanDocument => ({ stack: "dev", resources, outputs: {}, warnings: [] });

    before(async () => {
        specs = await loadBoundSpecs(fixturePath("specs"));
    });

    void test("a plan's Batch account, pool, vault, certificate and access-policy requests are validated and counted; an unbound type is counted apart", async () => {
        const result = await checkPlanRequests(
            plan([
                resource("azure-native:batch:Pool", "p-pool", { method: "PUT", url: poolUrl("p"), body: poolBody }),
                resource("azure-native:keyvault:Vault", "p-vault", { method: "PUT", url: vaultUrl, body: vaultBody }),
                resource("pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate", "p-cert-authcert", { method: "POST", url: certificateUrl, body: certificateBody }),
                resource("azure-native:keyvault:AccessPolicy", "p-identity-access", { method: "PUT", url: accessPolicyUrl("add"), body: accessPolicyBody(["get", "list"]) }),
                resource("pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificateContacts", "p-certificate-contacts", {
                    method: "PUT", url: contactsUrl, body: { contacts: [{ email: "certificates@example.com", name: "Owners" }] },
                }),
                resource("azure-native:managedidentity:UserAssignedIdentity", "p-identity", {
                    method: "PUT",
                    url: `${ARM}/Microsoft.ManagedIdentity/userAssignedIdentities/p-identity?api-version=2023-01-31`,
                    body: { location: "westus2" },
                }),
                resource("azure-native:batch:BatchAccount", "batch", {
                    method: "PUT",
                    url: `${ARM}/Microsoft.Batch/batchAccounts/acct1?api-version=2024-07-01`,
                    body: batchAccountBody,
                }),
                resource("azure-native:storage:StorageAccount", "storage", {
                    method: "PUT",
                    url: `${ARM}/Microsoft.Storage/storageAccounts/st1?api-version=2024-01-01`,
                    body: { location: "westus2" },
                }),
                resource("batch-cert-rotation:index:CertRotationPool", "p", undefined),
            ]),
            specs,
        );
        assert.deepEqual(result, {
            problems: [],
            // Every binding is counted, 0 included; the ones this plan holds once each.
            validated: {
                ...Object.fromEntries(SPEC_BINDINGS.map((binding) => [binding.resourceType, 0])),
                "azure-native:batch:Pool": 1,
                "azure-native:keyvault:Vault": 1,
                "pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate": 1,
                "pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificateContacts": 1,
                "azure-native:keyvault:AccessPolicy": 1,
                "azure-native:managedidentity:UserAssignedIdentity": 1,
                "azure-native:batch:BatchAccount": 1,
            },
            unchecked: { "azure-native:storage:StorageAccount": 1 },
        });
    });

    void test("a Batch account request is BatchAccount_Create: a misplaced field, a wrong enum or a bad name is a problem", async () => {
        const batchAccount = "azure-native:batch:BatchAccount";
        const accountUrl = (name: string): string => `${ARM}/Microsoft.Batch/batchAccounts/${name}?api-version=2024-07-01`;
        const result = await checkPlanRequests(plan([
            // azure-native's flat input, not nested under properties as ARM has it.
            resource(batchAccount, "b-flat", { method: "PUT", url: accountUrl("acct1"), body: { location: "westus2", poolAllocationMode: "BatchService" } }),
            resource(batchAccount, "b-enum", {
                method: "PUT", url: accountUrl("acct2"), body: { ...batchAccountBody, properties: { ...batchAccountBody.properties, poolAllocationMode: "Batch" } },
            }),
            resource(batchAccount, "b-name", { method: "PUT", url: accountUrl("Acct_3"), body: batchAccountBody }),
        ]), specs);
        assert.deepEqual(result.problems, [
            `b-flat (${batchAccount}) $.poolAllocationMode: Additional properties not allowed: poolAllocationMode (OBJECT_ADDITIONAL_PROPERTIES)`,
            `b-enum (${batchAccount}) $.properties.poolAllocationMode: No enum match for: Batch (ENUM_MISMATCH)`,
            // BatchAccount_Create's own accountName parameter: lowercase letters and digits only.
            `b-name (${batchAccount}) path.accountName: String does not match pattern ^[a-z0-9]+$: Acct_3 (PATTERN)`,
        ]);
        assert.equal(result.validated[batchAccount], 3);
    });

    void test("a contacts request is SetCertificateContacts: a key the spec lacks, or another operation, is a problem", async () => {
        const contacts = "pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificateContacts";
        const result = await checkPlanRequests(plan([
            resource(contacts, "p-certificate-contacts", { method: "PUT", url: contactsUrl, body: { contacts: [{ emailAddress: "certificates@example.com" }] } }),
            resource(contacts, "p-other-contacts", {
                method: "PUT", url: "https://kv-dev-1.vault.azure.net/certificates/issuers/digicert?api-version=2025-07-01", body: { provider: "DigiCert" },
            }),
        ]), specs);
        assert.ok(result.problems.some((p) => p.startsWith(`p-certificate-contacts (${contacts})`) && /emailAddress/.test(p)), result.problems.join("\n"));
        assert.ok(result.problems.some((p) => p.startsWith(`p-other-contacts (${contacts})`) && /matched SetCertificateIssuer .*expected SetCertificateContacts/.test(p)), result.problems.join("\n"));
    });

    void test("problems name the resource, and a bound resource with no request is a problem", async () => {
        const result = await checkPlanRequests(
            plan([
                resource("azure-native:keyvault:Vault", "p-vault", {
                    method: "PUT",
                    url: vaultUrl.replace("kv-dev-1", "kv_dev"),
                    body: { ...vaultBody, properties: { ...vaultBody.properties, accessPolicies: "none" } },
                }),
                resource("azure-native:batch:Pool", "p-pool", undefined),
                resource("azure-native:keyvault:AccessPolicy", "p-access", { method: "PUT", url: accessPolicyUrl("merge"), body: accessPolicyBody(["get", null]) }),
            ]),
            specs,
        );
        assert.deepEqual(result.problems, [
            "p-vault (azure-native:keyvault:Vault) path.vaultName: String does not match pattern ^[a-zA-Z0-9-]{3,24}$: kv_dev (PATTERN)",
            "p-vault (azure-native:keyvault:Vault) $.properties.accessPolicies: Expected type array but found type string (INVALID_TYPE)",
            "p-pool (azure-native:batch:Pool): no request rendered; the plan must render the REST call for this type",
            "p-access (azure-native:keyvault:AccessPolicy) path.operationKind: No enum match for: merge (ENUM_MISMATCH)",
            "p-access (azure-native:keyvault:AccessPolicy) $.properties.accessPolicies[0].permissions.secrets[1]: null in a request body (oav does not check nullability; render the field or omit it)",
        ]);
        assert.equal(result.validated["pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate"], 0);
    });

    void test("a certificate request at an api-version other than the SDK's (2025-07-01) is refused", async () => {
        const result = await checkPlanRequests(
            plan([resource("pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate", "c", { method: "POST", url: certificateUrl.replace("2025-07-01", "7.5"), body: certificateBody })]),
            specs,
        );
        assert.equal(result.problems.length, 1);
        assert.match(result.problems[0], /^c \(.*KeyVaultCertificate\) POST \/certificates\/authcert\/create api-version=7\.5: not validated, oav failed/);
    });
});
