// The Pulumi package schema of the component (`pulumi package get-schema`,
// the typed SDKs `pulumi package add` generates for Python, Go, .NET, YAML):
// written from the configuration's one definition (config/schema.ts) by
// walking the kit's fields, so a key added there reaches every language with
// no further work, plus the arguments and outputs that are the component's
// own (where it goes, who deploys, what it hands back). Pure: the provider
// serves it and `npm run gen:config` writes provider/schema.json from it.

import { type AnyField, defaultText, type Shape } from "./config/kit";
import { CONFIG_NAMESPACE, configSchema } from "./config/schema";
import { COMPONENT_TYPE } from "./azureFacts";

/** The package, as `pulumi package add` and the type token name it. */
export const PACKAGE_NAME = CONFIG_NAMESPACE;
/**
 * Stack-only keys: the component takes the Batch account as its own argument (below), and the account the stack
 * program creates (its lock, its customer-managed key) is the stack program's, not the component's.
 */
export const STACK_ONLY_KEYS: readonly string[] = ["batchAccount", "createdBatchAccount"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type PropertySpec = { [key: string]: Json };
interface ObjectTypeSpec {
    type: "object";
    description: string;
    properties: Record<string, PropertySpec>;
    required?: string[];
}
interface EnumTypeSpec {
    type: "string" | "integer";
    description: string;
    enum: { name: string; value: string | number }[];
}
export interface PackageSchema {
    name: string;
    displayName: string;
    version: string;
    description: string;
    license: string;
    keywords: string[];
    resources: Record<string, {
        isComponent: true;
        description: string;
        inputProperties: Record<string, PropertySpec>;
        requiredInputs: string[];
        properties: Record<string, PropertySpec>;
        required: string[];
    }>;
    types: Record<string, ObjectTypeSpec | EnumTypeSpec>;
    language: Record<string, Record<string, Json>>;
}

function pascal(name: string): string {
    return name.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase()).replace(/^./, (c) => c.toUpperCase());
}

/** A list's or map's item is named for one of them: certificates -> Certificate. */
function singular(name: string): string {
    return name.endsWith("ies") ? `${name.slice(0, -3)}y` : name.endsWith("s") ? name.slice(0, -1) : name;
}

/** An enum member's name in the SDKs: the value as an identifier, after the field's name when it starts with a digit (KeySize2048). */
function memberName(key: string, value: string | number): string {
    const id = pascal(String(value).replace(/[^A-Za-z0-9]+/g, " ").trim().replace(/ +/g, "_"));
    return /^[0-9]/.test(id) ? `${pascal(key)}${id}` : id;
}

/** Markdown for readers: the description, then the values allowed and the default, as docs/configuration.md says them. */
function describe(f: AnyField): string {
    const parts = [f.docs.description.trim()];
    if (f.docs.rule) parts.push(`Allowed: ${f.docs.rule}.`);
    const shown = f.docs.shownDefault ?? (f.default === undefined ? undefined : `\`${defaultText(f.default)}\``);
    if (shown !== undefined && shown !== "") parts.push(`Default: ${shown}.`);
    return parts.filter(Boolean).join(" ");
}

const ref = (typeName: string): PropertySpec => ({ $ref: `#/types/${PACKAGE_NAME}:index:${typeName}` });

/** Walks the configuration's fields into schema properties and named types, one type per shape or set of values. */
class Writer {
    readonly types: Record<string, ObjectTypeSpec | EnumTypeSpec> = {};
    private readonly named = new Map<unknown, string>();

    private claim(identity: unknown, name: string, build: () => ObjectTypeSpec | EnumTypeSpec): string {
        const known = this.named.get(identity);
        if (known !== undefined) return known;
        if (this.types[name] !== undefined) {
            throw new Error(`package schema: two different definitions would both be the type ${name}; rename one of the fields`);
        }
        this.named.set(identity, name);
        this.types[name] = { type: "object", description: "", properties: {} };
        this.types[name] = build();
        return name;
    }

    objectType(shape: Shape, name: string, description: string, partial = false, identity: unknown = shape): string {
        return this.claim(identity, name, () => {
            const properties: Record<string, PropertySpec> = {};
            for (const [key, f] of Object.entries(shape)) properties[key] = this.property(f, `${name}${pascal(key)}`, key, partial);
            const required = partial ? [] : Object.entries(shape).filter(([, f]) => f.presence === "required").map(([k]) => k);
            return { type: "object", description, properties, ...(required.length > 0 ? { required } : {}) };
        });
    }

    /** The type of a field's value, without its description. */
    private type(f: AnyField, name: string, key: string): PropertySpec {
        const kind = f.kind;
        if (kind === undefined) throw new Error(`package schema: the field ${key} (${name}) has no kind; build it with the kit's combinators`);
        switch (kind.type) {
            case "string": case "boolean": case "integer":
                return { type: kind.type };
            case "enum":
                return ref(this.claim(kind.values, name, () => ({
                    type: typeof kind.values[0] === "number" ? "integer" : "string",
                    description: f.docs.description,
                    enum: kind.values.map((value) => ({ name: memberName(key, value), value })),
                })));
            case "object":
                return ref(this.objectType(f.shape ?? {}, name, f.docs.description));
            case "partial":
                return ref(this.objectType(kind.of(), name, f.docs.description, true, kind));
            case "stringMap":
                return { type: "object", additionalProperties: { type: "string" } };
            case "list": case "map": {
                if (!f.item) throw new Error(`package schema: the ${kind.type} ${key} has no item field`);
                const item = this.type(f.item, singular(name), key);
                return kind.type === "list" ? { type: "array", items: item } : { type: "object", additionalProperties: item };
            }
        }
    }

    property(f: AnyField, name: string, key: string, partial = false): PropertySpec {
        const spec: PropertySpec = { ...this.type(f, name, key), description: describe(f) };
        // Only a default that always applies when the field is absent: SDKs fill it in, which must change nothing.
        const primitive = typeof f.default === "string" || typeof f.default === "number" || typeof f.default === "boolean";
        if (!partial && f.presence === "defaulted" && primitive && spec.$ref === undefined) spec.default = f.default as Json;
        return spec;
    }
}

const STRING = { type: "string" } as const;

/** The extension as rendered on a pool (types.ts VmExtension); its settings follow the OS, so they are any JSON. */
const VM_EXTENSION: ObjectTypeSpec = {
    type: "object",
    description: "The Key Vault VM extension as rendered on a pool.",
    properties: {
        name: { ...STRING, description: "The extension's name on the pool." },
        publisher: { ...STRING, description: "Always `Microsoft.Azure.KeyVault`." },
        type: { ...STRING, description: "`KeyVaultForLinux` or `KeyVaultForWindows`." },
        typeHandlerVersion: { ...STRING, description: "The extension's version." },
        autoUpgradeMinorVersion: { type: "boolean", description: "Whether Azure upgrades the extension's minor version." },
        settings: {
            $ref: "pulumi.json#/Any",
            description: "The extension's settings as the pool carries them: `secretsManagementSettings` (the observed " +
                "certificates' versionless secret URLs, polling interval, store) and `authenticationSettings` (the identity).",
        },
    },
    required: ["name", "publisher", "type", "typeHandlerVersion", "autoUpgradeMinorVersion", "settings"],
};

/**
 * The package schema, from the configuration's definition (`root`, the stack
 * configuration's object field) and the component's own arguments and outputs.
 */
export function packageSchema(version: string, root: AnyField = configSchema): PackageSchema {
    const w = new Writer();
    const config: Record<string, PropertySpec> = {};
    const requiredConfig: string[] = [];
    for (const [key, f] of Object.entries(root.shape ?? {})) {
        if (STACK_ONLY_KEYS.includes(key)) continue;
        config[key] = w.property(f, pascal(key), key);
        if (f.presence === "required") requiredConfig.push(key);
    }
    w.types.BatchAccountReference = {
        type: "object",
        description: "The Batch account the pools belong to.",
        properties: {
            name: { ...STRING, description: "The Batch account's name." },
            resourceGroupName: { ...STRING, description: "The Batch account's resource group." },
        },
        required: ["name", "resourceGroupName"],
    };
    w.types.Deployer = {
        type: "object",
        description: "The principal that runs the deployment and creates the certificates.",
        properties: {
            objectId: { ...STRING, description: "Its Entra ID object ID." },
            tenantId: { ...STRING, description: "Its tenant." },
            principalType: { ...STRING, description: "`User`, `ServicePrincipal` or `Group` (how a role assignment names it)." },
        },
        required: ["objectId", "tenantId", "principalType"],
    };
    w.types.CertificateOutputs = {
        type: "object",
        description: "A certificate's versionless identifiers.",
        properties: {
            certificateId: { ...STRING, description: "Versionless: `https://<vault>/certificates/<name>`." },
            secretId: { ...STRING, description: "Versionless: `https://<vault>/secrets/<name>`, the URL the nodes observe." },
        },
        required: ["certificateId", "secretId"],
    };
    w.types.VmExtension = VM_EXTENSION;
    w.types.PoolOutputs = {
        type: "object",
        description: "A pool of `pools`, as created.",
        properties: {
            name: { ...STRING, description: "The pool's name in Batch." },
            id: { ...STRING, description: "The pool's resource ID." },
            osFamily: { ...STRING, description: "`linux` or `windows`." },
            keyVaultExtension: { ...ref("VmExtension"), description: "The Key Vault VM extension as rendered on this pool." },
        },
        required: ["name", "id", "osFamily", "keyVaultExtension"],
    };
    const out = (description: string): PropertySpec => ({ ...STRING, description });
    return {
        name: PACKAGE_NAME,
        displayName: "Batch certificate rotation",
        version,
        description: "Azure Batch pools whose certificates renew themselves: a user-assigned identity, a Key Vault with " +
            "auto-renewing certificates, the grants, and Batch pools carrying the Key Vault VM extension.",
        license: "MIT",
        keywords: ["azure", "batch", "keyvault", "certificates", "kind/component", "category/cloud"],
        resources: {
            [COMPONENT_TYPE]: {
                isComponent: true,
                description: "Azure Batch pools whose certificates renew themselves through the Key Vault VM extension. Every " +
                    "input is checked before the first resource is registered; every problem is reported at once, naming the " +
                    "field, the value and the rule.",
                inputProperties: {
                    location: out("Azure region of the identity, the vault and (by the Batch account) the pool."),
                    resourceGroupName: out("Resource group that receives the identity and the vault."),
                    batchAccount: { ...ref("BatchAccountReference"), description: "The Batch account the pools belong to." },
                    deployer: {
                        ...ref("Deployer"),
                        description: "The principal that runs the deployment and creates the certificates. Default: the signed-in " +
                            "principal (azuread getClientConfig).",
                    },
                    ...config,
                },
                requiredInputs: ["location", "resourceGroupName", "batchAccount", ...requiredConfig],
                properties: {
                    identityId: out("The user-assigned identity's resource ID."),
                    identityClientId: out("The identity's client ID (the nodes sign in with it)."),
                    identityPrincipalId: out("The identity's principal (object) ID."),
                    vaultId: out("The vault's resource ID."),
                    vaultName: out("The vault's name."),
                    vaultUri: out("The vault's URI, e.g. `https://<name>.vault.azure.net/`."),
                    certificates: {
                        type: "object",
                        additionalProperties: ref("CertificateOutputs"),
                        description: "Each certificate's versionless identifiers, by certificate name.",
                    },
                    poolName: out("With `pool`: the pool's name in Batch."),
                    poolId: out("With `pool`: the pool's resource ID."),
                    osFamily: out("With `pool`: `linux` or `windows`."),
                    keyVaultExtension: { ...ref("VmExtension"), description: "With `pool`: the Key Vault VM extension as rendered on the pool." },
                    pools: {
                        type: "object",
                        additionalProperties: ref("PoolOutputs"),
                        description: "With `pools`: each pool by its key.",
                    },
                },
                required: ["identityId", "identityClientId", "identityPrincipalId", "vaultId", "vaultName", "vaultUri", "certificates"],
            },
        },
        types: Object.fromEntries(Object.entries(w.types).map(([name, spec]) => [`${PACKAGE_NAME}:index:${name}`, spec])),
        language: {
            nodejs: { respectSchemaVersion: true },
            python: { packageName: "pulumi_batch_cert_rotation", respectSchemaVersion: true },
        },
    };
}

/** The schema as the checked-in file holds it. */
export function renderPackageSchema(version: string): string {
    return `${JSON.stringify(packageSchema(version), null, 2)}\n`;
}
