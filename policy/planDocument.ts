// The offline plan's JSON document (DESIGN section 4): what `npm run plan -- --json`
// writes and `npm run policy -- --plan` reads. It lives with its reader, so the
// pack depends on no tool; tests and CI read the same shape. Change it only by
// adding fields.

import { readFileSync } from "node:fs";
import { isPlainObject } from "../components/json";

export interface RenderedRequest {
    method: "PUT" | "POST" | "PATCH";
    url: string;
    body: Record<string, unknown>;
}

export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    dependsOn: string[];
    options: {
        deleteBeforeReplace: boolean;
        replaceOnChanges: string[];
        protect: boolean;
    };
    /** The resource's inputs as the program registered them (SDK property names), secrets masked. */
    inputs: Record<string, unknown>;
    /** The REST call the resource maps to; absent for resources with no single call (the stack, components). */
    request?: RenderedRequest;
}

export interface PlanDocument {
    stack: string;
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
    warnings: string[];
}

/**
 * Checks that a parsed JSON value has the plan's shape, far enough for the
 * rules to read it; the error names the first field that is wrong.
 */
export function parsePlanDocument(value: unknown, source: string): PlanDocument {
    const fail = (what: string): never => {
        throw new Error(`${source}: ${what}; expected the JSON written by \`npm run plan -- --json FILE\``);
    };
    if (!isPlainObject(value)) return fail("the plan is not a JSON object");
    if (!Array.isArray(value.resources)) return fail("`resources` is missing or not a list");
    value.resources.forEach((resource: unknown, index: number) => {
        if (!isPlainObject(resource)) return fail(`resources[${index}] is not an object`);
        if (typeof resource.type !== "string") return fail(`resources[${index}].type is missing`);
        if (typeof resource.name !== "string") return fail(`resources[${index}].name is missing`);
        if (resource.inputs !== undefined && !isPlainObject(resource.inputs)) return fail(`resources[${index}].inputs is not an object`);
        if (resource.request !== undefined && !(isPlainObject(resource.request) && isPlainObject(resource.request.body))) {
            return fail(`resources[${index}].request has no body object`);
        }
        return undefined;
    });
    if (value.outputs !== undefined && !isPlainObject(value.outputs)) return fail("`outputs` is not an object");
    return value as unknown as PlanDocument;
}

/** Reads and checks a plan file; every error says how to write a good one. */
export function readPlanFile(path: string): PlanDocument {
    const rewrite = `write it with \`npm run plan -- --json ${path}\``;
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(code === "ENOENT"
            ? `plan file ${path} does not exist; ${rewrite}`
            : `cannot read plan file ${path}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        throw new Error(`plan file ${path} is not valid JSON (${(error as Error).message}); ${rewrite}`);
    }
    return parsePlanDocument(parsed, path);
}
