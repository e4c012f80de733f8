// The Pulumi package (provider/): its schema is written from the
// configuration's one definition, field by field, and checked in; the
// provider's construct runs the TypeScript front door's validation and
// construction, so bad input reads the same from either door.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { CertRotationPool, type CertRotationPoolArgs } from "../components/certRotationPool";
import { type AnyField, list, object, oneOf, str, int, type Shape } from "../components/config/kit";
import { configSchema } from "../components/config/schema";
import { PACKAGE_NAME, packageSchema, renderPackageSchema, STACK_ONLY_KEYS, type PropertySpec } from "../components/packageSchema";
import { argsFromInputs, CertRotationPoolProvider } from "../components/provider";
import { COMPONENT_TYPE } from "../components/azureFacts";
import { PACKAGE_SCHEMA, packageVersion } from "../tools/gen-config";

const ROOT = resolve(__dirname, "..");
const schema = packageSchema(packageVersion(ROOT));
const component = schema.resources[COMPONENT_TYPE];
type TypeSpec = (typeof schema.types)[string];

/** The named type a property refers to, through arrays and maps. */
function target(p: PropertySpec): TypeSpec | undefined {
    const inner = (p.items ?? p.additionalProperties ?? p) as PropertySpec;
    const ref = typeof inner.$ref === "string" ? inner.$ref.replace("#/types/", "") : undefined;
    return ref === undefined ? undefined : schema.types[ref];
}

/** Every field of a shape against the schema object holding it, recursively: each is there, described, required as defined. */
function checkShape(shape: Shape, properties: Record<string, PropertySpec>, required: readonly string[], path: string): number {
    let checked = 0;
    for (const [key, f] of Object.entries(shape)) {
        const at = `${path}${key}`;
        const p = properties[key];
        assert.ok(p, `${at} is missing from the package schema`);
        assert.ok(typeof p.description === "string" && p.description.startsWith(f.docs.description.trim()), `${at}: its description is not the definition's`);
        assert.equal(required.includes(key), f.presence === "required", `${at}: required in the schema exactly when the definition requires it`);
        checked++;
        const named = target(p);
        const children = (f.kind?.type === "partial" ? f.kind.of() : undefined) ?? f.shape ?? f.item?.shape;
        if (children && named && "properties" in named) {
            // A partial (a pool's extension override) holds any of the fields, none required.
            checked += checkShape(children, named.properties, f.kind?.type === "partial" ? [] : named.required ?? [], `${at}.`);
        }
        const kind = f.kind?.type === "enum" ? f.kind : f.item?.kind?.type === "enum" ? f.item.kind : undefined;
        if (kind) assert.deepEqual(named && "enum" in named ? named.enum.map((e) => e.value) : undefined, [...kind.values], `${at}: an enum of the values allowed`);
    }
    return checked;
}

describe("the Pulumi package schema", () => {
    it("provider/schema.json is what npm run gen:config writes from the definition (run it after changing the configuration)", () => {
        assert.equal(readFileSync(join(ROOT, PACKAGE_SCHEMA), "utf8"), renderPackageSchema(packageVersion(ROOT)));
    });

    it("declares the component under its unchanged token, with the package's name and version", () => {
        assert.equal(schema.name, "batch-cert-rotation");
        assert.equal(PACKAGE_NAME, COMPONENT_TYPE.split(":")[0]);
        assert.equal(component.isComponent, true);
        assert.equal(schema.version, (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version);
    });

    it("holds every field of the configuration's definition, described, with its required flag and its values as enums", () => {
        const shape = Object.fromEntries(Object.entries(configSchema.shape ?? {}).filter(([k]) => !STACK_ONLY_KEYS.includes(k)));
        const checked = checkShape(shape, component.inputProperties, component.requiredInputs, "");
        assert.ok(checked > 100, `only ${checked} fields checked`);
        for (const own of ["location", "resourceGroupName", "batchAccount"]) assert.ok(component.requiredInputs.includes(own));
    });

    it("carries a default only where the definition applies it whenever the field is absent", () => {
        const kv = schema.types[`${PACKAGE_NAME}:index:KeyVault`];
        assert.ok("properties" in kv);
        assert.equal(kv.properties.softDeleteRetentionInDays.default, 90);
        assert.equal(kv.properties.purgeProtection.default, true);
        const cert = schema.types[`${PACKAGE_NAME}:index:Certificate`];
        assert.ok("properties" in cert);
        // keySize applies to RSA keys only: an SDK filling in 2048 would break every EC certificate.
        assert.equal(cert.properties.keySize.default, undefined);
        assert.match(String(cert.properties.keySize.description), /RSA only/);
    });

    it("picks up a key added to the definition with no other change (written generically over the kit's fields)", () => {
        const extra: AnyField = object({
            ...(configSchema.shape ?? {}),
            widgets: list(object({
                colour: oneOf(["red", "green"] as const, { docs: { description: "A colour." }, default: "red" }),
                size: int({ docs: { description: "A size." }, range: [1, 3], required: "a size" }),
                label: str({ docs: { description: "A label." } }),
            }, { docs: { description: "A widget." } }), { docs: { description: "Widgets." }, notList: "must be a list" }),
        }, { docs: { description: "root" }, required: "the configuration" });
        const grown = packageSchema("0.0.0", extra);
        const widgets = grown.resources[COMPONENT_TYPE].inputProperties.widgets;
        assert.deepEqual(widgets.items, { $ref: `#/types/${PACKAGE_NAME}:index:Widget` });
        assert.deepEqual(grown.types[`${PACKAGE_NAME}:index:Widget`], {
            type: "object",
            description: "A widget.",
            properties: {
                colour: { $ref: `#/types/${PACKAGE_NAME}:index:WidgetColour`, description: "A colour. Allowed: `red`, `green`. Default: `red`." },
                size: { type: "integer", description: "A size. Allowed: 1-3." },
                label: { type: "string", description: "A label." },
            },
            required: ["size"],
        });
        assert.deepEqual(grown.types[`${PACKAGE_NAME}:index:WidgetColour`], {
            type: "string", description: "A colour.", enum: [{ name: "Red", value: "red" }, { name: "Green", value: "green" }],
        });
    });

    it("refuses a field it can't type rather than leaving it out", () => {
        const untyped: AnyField = { presence: "optional", docs: { description: "?" }, resolve: () => undefined };
        const root: AnyField = object({ ...(configSchema.shape ?? {}), odd: untyped }, { docs: { description: "root" } });
        assert.throws(() => packageSchema("0.0.0", root), /the field odd \(Odd\) has no kind/);
    });

    it("docs/component.md shows examples/yaml and examples/python verbatim", () => {
        const doc = readFileSync(join(ROOT, "docs", "component.md"), "utf8");
        for (const [file, lang] of [["examples/yaml/Pulumi.yaml", "yaml"], ["examples/python/__main__.py", "python"]]) {
            assert.ok(doc.includes(`\`\`\`${lang}\n${readFileSync(join(ROOT, file), "utf8")}\`\`\``), `docs/component.md does not show ${file} as it is`);
        }
        assert.equal((parse(readFileSync(join(ROOT, "examples", "yaml", "Pulumi.yaml"), "utf8")) as { runtime: string }).runtime, "yaml");
    });

    it("PulumiPlugin.yaml runs the provider folder on Node.js", () => {
        assert.deepEqual(parse(readFileSync(join(ROOT, "provider", "PulumiPlugin.yaml"), "utf8")), { runtime: "nodejs" });
    });
});

// ------------------------------------------------------------------ construct

const ids = { tenantId: "00000000-0000-0000-0000-000000000001", objectId: "00000000-0000-0000-0000-000000000002", clientId: "00000000-0000-0000-0000-000000000003" };

const DEV_ARGS = {
    location: "westus2",
    resourceGroupName: "rg",
    batchAccount: { name: "acct", resourceGroupName: "rg" },
    certificates: [{ name: "authcert", subject: "CN=batch.example.com", renewal: { daysBeforeExpiry: 30 } }],
    pool: { vmSize: "Standard_D2s_v5", image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" },
};

/** What a front door throws, as text. */
function refusal(fn: () => unknown): string {
    try {
        fn();
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("not refused");
}

describe("the provider's construct", () => {
    it("is the TypeScript front door: same resources, same refusal", async () => {
        await pulumi.runtime.setMocks({
            newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, ...ids, principalId: ids.objectId, properties: { vaultUri: "https://kv.vault.azure.net/" } } }),
            call: (args) => ({ ...args.inputs, ...ids }),
        }, "project", "stack", false);
        const provider = new CertRotationPoolProvider("0.1.0");
        const result = await provider.construct("certs", COMPONENT_TYPE, DEV_ARGS, {});
        const state = result.state as Record<string, pulumi.Output<unknown>>;
        const poolId = await new Promise((r) => state.poolId.apply(r));
        assert.match(String(poolId), /^certs-pool.*-id$/);
        const vaultUri = await new Promise((r) => state.vaultUri.apply(r));
        assert.equal(vaultUri, "https://kv.vault.azure.net/");

        const bad = { ...DEV_ARGS, certificates: [{ ...DEV_ARGS.certificates[0], renewal: { daysBeforeExpiry: 400 } }] };
        const fromTypeScript = refusal(() => new CertRotationPool("bad", bad as CertRotationPoolArgs));
        assert.equal(fromTypeScript, "invalid configuration:\n  - certificates[0].renewal.daysBeforeExpiry: 400 is outside 1..324 (validityInMonths 12 x 27)");
        await assert.rejects(provider.construct("bad", COMPONENT_TYPE, bad, {}), (err: Error) => err.message === fromTypeScript);
    });

    it("refuses configuration that is another resource's output, in one line naming the key", () => {
        const message = refusal(() => argsFromInputs({ ...DEV_ARGS, tags: pulumi.output({ a: "b" }) }));
        assert.equal(message, "invalid configuration:\n  - tags: must be a plain value known when the program runs, not the output of another " +
            "resource (it decides which resources exist and what they are named)");
    });

    it("refuses a request without the component's own required arguments, naming each", () => {
        const rest: pulumi.Inputs = { ...DEV_ARGS, location: undefined, batchAccount: undefined };
        assert.equal(refusal(() => argsFromInputs(rest)), "invalid configuration:\n  - location: is required (the Azure region of the identity and the vault)\n" +
            "  - batchAccount: is required (the Batch account's name and resourceGroupName)");
    });

    it("passes the component's own arguments through as Inputs", async () => {
        const args = argsFromInputs({ ...DEV_ARGS, batchAccount: pulumi.output({ name: "acct", resourceGroupName: "rg" }) });
        assert.equal(await new Promise((r) => pulumi.output(args.batchAccount.name).apply(r)), "acct");
        assert.equal(args.deployer, undefined);
        assert.equal(args.certificates, DEV_ARGS.certificates);
    });
});
