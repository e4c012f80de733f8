// TEST DOUBLE: the package schema a stand-in plugin serves (GetSchema), which
// the Pulumi YAML language host loads to resolve a resource's type before the
// program registers it (pulumi-yaml pkg/pulumiyaml/packages.go: "error
// resolving type of resource"). The real schema is azure-native's schema.json,
// which can't be had here; its Node.js SDK is generated from it
// (pulumi/pulumi-azure-native provider/pkg/gen), so each resource's input and
// output property names, and which inputs are required, are read back from the
// SDK's declarations. Every property is typed `pulumi.json#/Any`: the YAML
// host's type check of azure-native properties is not exercised here.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AZURE_TYPES } from "../../../components/azureFacts";

const ANY = { $ref: "pulumi.json#/Any" };

/** The body of `export interface <name> {` or `export declare class <name> ... {` in a declaration file. */
function block(source: string, opener: RegExp): string {
    const start = source.search(opener);
    if (start < 0) return "";
    let depth = 0;
    for (let i = source.indexOf("{", start); i < source.length; i++) {
        if (source[i] === "{") depth++;
        else if (source[i] === "}" && --depth === 0) return source.slice(source.indexOf("{", start) + 1, i);
    }
    return "";
}

/** A resource's schema from its SDK declaration: `azure-native:batch:BatchAccount` -> batch/batchAccount.d.ts. */
export function resourceSchema(sdkRoot: string, token: string): { inputProperties: object; requiredInputs: string[]; properties: object } | undefined {
    const [, module, name] = token.split(":");
    const file = join(sdkRoot, module, `${name[0].toLowerCase()}${name.slice(1)}.d.ts`);
    if (!existsSync(file)) return undefined;
    const source = readFileSync(file, "utf8");
    const args = block(source, new RegExp(`export interface ${name}Args\\b`));
    const cls = block(source, new RegExp(`export declare class ${name}\\b`));
    const inputs = [...args.matchAll(/^\s*(?:readonly )?(\w+)(\??): pulumi\.Input</gm)];
    const outputs = [...cls.matchAll(/^\s*readonly (\w+)!?: pulumi\.Output</gm)].map((m) => m[1]);
    return {
        inputProperties: Object.fromEntries(inputs.map((m) => [m[1], ANY])),
        requiredInputs: inputs.filter((m) => m[2] !== "?").map((m) => m[1]),
        properties: Object.fromEntries(outputs.map((o) => [o, ANY])),
    };
}

/** The schema of `plugin` for the resource types this project uses, as JSON text. */
export function standInSchema(plugin: string, version: string): string {
    const sdkRoot = dirname(require.resolve(`@pulumi/${plugin}/package.json`));
    const tokens = plugin === "azure-native" ? Object.values(AZURE_TYPES) : [];
    const resources = Object.fromEntries(tokens.flatMap((t) => {
        const spec = resourceSchema(sdkRoot, t);
        return spec ? [[t, spec]] : [];
    }));
    return JSON.stringify({ name: plugin, version, resources });
}
