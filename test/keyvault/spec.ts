// A structural check of a Key Vault data-plane request against the REST spec
// of the API version the client is pinned to (Azure/azure-rest-api-specs,
// copied into test/fixtures/specs): the path matches an operation's template,
// the method is that operation's, `api-version` is the spec's, path parameters
// match their patterns, and every body key is a property the spec defines
// (recursively, with types and readOnly checked). It is lighter than oav's
// live validator and needs nothing beside the repository.
import { readFileSync } from "node:fs";
import { KEY_VAULT_API_VERSION } from "../../components/certificatePolicy";
import { fixturePath } from "../fixtures";

interface Schema {
    $ref?: string;
    type?: string;
    properties?: Record<string, Schema>;
    additionalProperties?: Schema | boolean;
    items?: Schema;
    allOf?: Schema[];
    required?: string[];
    readOnly?: boolean;
    enum?: unknown[];
    "x-ms-enum"?: { modelAsString?: boolean };
}

interface Parameter {
    $ref?: string;
    name?: string;
    in?: string;
    required?: boolean;
    pattern?: string;
    schema?: Schema;
}

interface Operation {
    operationId: string;
    parameters?: Parameter[];
}

interface SpecFile {
    info: { version: string };
    paths: Record<string, Record<string, Operation>>;
    definitions: Record<string, Schema>;
    parameters?: Record<string, Parameter>;
}

interface Route {
    template: string;
    regex: RegExp;
    names: string[];
    literalSegments: number;
    methods: Record<string, Operation>;
    spec: SpecFile;
}

export interface RequestCheck {
    operationId?: string;
    problems: string[];
}

let routes: Route[] | undefined;

function loadRoutes(): Route[] {
    if (routes !== undefined) return routes;
    const loaded: Route[] = [];
    for (const file of ["certificates.json", "secrets.json"]) {
        const spec = JSON.parse(readFileSync(fixturePath("specs", `keyvault-${KEY_VAULT_API_VERSION}`, file), "utf8")) as SpecFile;
        for (const [template, methods] of Object.entries(spec.paths)) {
            const names: string[] = [];
            const segments = template.split("/").filter((s) => s.length > 0);
            // A version parameter may be empty: the SDK asks for the latest version as `/{name}/`.
            const pattern = segments
                .map((segment) => {
                    const m = /^\{(.+)\}$/.exec(segment);
                    if (m === null) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
                    names.push(m[1]);
                    return m[1].endsWith("-version") ? "([^/]*)" : "([^/]+)";
                })
                .join("/");
            loaded.push({
                template,
                regex: new RegExp(`^/${pattern}$`),
                names,
                literalSegments: segments.filter((s) => !s.startsWith("{")).length,
                methods: Object.fromEntries(Object.entries(methods).filter(([k]) => k !== "parameters")),
                spec,
            });
        }
    }
    // Literal paths first: `/certificates/{name}/policy` before `/certificates/{name}/{version}`.
    loaded.sort((a, b) => b.literalSegments - a.literalSegments);
    routes = loaded;
    return loaded;
}

function resolveRef(spec: SpecFile, schema: Schema): Schema {
    let s = schema;
    for (let depth = 0; s.$ref !== undefined && depth < 10; depth++) {
        const name = s.$ref.replace(/^#\/definitions\//, "");
        const target = spec.definitions[name];
        if (target === undefined) throw new Error(`spec: unresolved $ref ${s.$ref}`);
        s = target;
    }
    return s;
}

/** Properties and required keys of a schema, its allOf parents included. */
function flatten(spec: SpecFile, schema: Schema): { properties: Record<string, Schema>; required: string[]; additional?: Schema | boolean; type?: string } {
    const s = resolveRef(spec, schema);
    const properties: Record<string, Schema> = { ...(s.properties ?? {}) };
    const required = [...(s.required ?? [])];
    for (const parent of s.allOf ?? []) {
        const p = flatten(spec, parent);
        Object.assign(properties, p.properties);
        required.push(...p.required);
    }
    return { properties, required, additional: s.additionalProperties, type: s.type };
}

function typeOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function checkValue(spec: SpecFile, schema: Schema, value: unknown, where: string, problems: string[]): void {
    const s = resolveRef(spec, schema);
    const flat = flatten(spec, s);
    const expected = s.type ?? (Object.keys(flat.properties).length > 0 ? "object" : undefined);
    const actual = typeOf(value);
    if (expected !== undefined && !(expected === actual || (expected === "number" && actual === "integer"))) {
        problems.push(`${where}: ${actual}, the spec says ${expected}`);
        return;
    }
    if (s.enum !== undefined && s["x-ms-enum"]?.modelAsString !== true && !s.enum.includes(value)) {
        problems.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
    }
    if (actual === "array" && s.items !== undefined) {
        (value as unknown[]).forEach((item, i) => checkValue(spec, s.items as Schema, item, `${where}[${i}]`, problems));
        return;
    }
    if (actual !== "object") return;
    const obj = value as Record<string, unknown>;
    for (const key of flat.required) {
        if (!(key in obj)) problems.push(`${where}.${key}: required by the spec, missing`);
    }
    for (const [key, child] of Object.entries(obj)) {
        const prop = flat.properties[key];
        if (prop === undefined) {
            if (typeof flat.additional === "object") {
                checkValue(spec, flat.additional, child, `${where}.${key}`, problems);
            } else if (flat.additional !== true) {
                problems.push(`${where}.${key}: not a property the spec defines here`);
            }
            continue;
        }
        if (resolveRef(spec, prop).readOnly === true || prop.readOnly === true) {
            problems.push(`${where}.${key}: read-only in the spec, a client must not send it`);
        }
        checkValue(spec, prop, child, `${where}.${key}`, problems);
    }
}

/** Checks one request (path without the vault's origin, query as parsed, body as JSON or undefined). */
export function checkKeyVaultRequest(method: string, pathname: string, query: URLSearchParams, body: unknown): RequestCheck {
    const problems: string[] = [];
    const matching = loadRoutes().filter((r) => r.regex.test(pathname));
    const route = matching.find((r) => r.methods[method.toLowerCase()] !== undefined) ?? matching[0];
    if (route === undefined) {
        return { problems: [`${method} ${pathname}: no path of the ${KEY_VAULT_API_VERSION} spec matches`] };
    }
    const op = route.methods[method.toLowerCase()];
    if (op === undefined) {
        return { problems: [`${method} ${route.template}: the spec has no ${method} here (it has ${Object.keys(route.methods).join(", ").toUpperCase()})`] };
    }
    const apiVersion = query.get("api-version");
    if (apiVersion !== route.spec.info.version) {
        problems.push(`api-version: ${apiVersion === null ? "missing" : JSON.stringify(apiVersion)}, the spec is ${route.spec.info.version}`);
    }
    const values = route.regex.exec(pathname)?.slice(1) ?? [];
    const params = (op.parameters ?? []).map((p) => (p.$ref !== undefined ? route.spec.parameters?.[p.$ref.replace(/^#\/parameters\//, "")] ?? p : p));
    route.names.forEach((name, i) => {
        const param = params.find((p) => p.in === "path" && p.name === name);
        const value = decodeURIComponent(values[i] ?? "");
        if (param?.pattern !== undefined && value !== "" && !new RegExp(param.pattern).test(value)) {
            problems.push(`path.${name}: ${JSON.stringify(value)} does not match ${param.pattern}`);
        }
    });
    const bodyParam = params.find((p) => p.in === "body");
    if (bodyParam?.schema !== undefined) {
        if (body === undefined) {
            if (bodyParam.required === true) problems.push("body: required by the spec, missing");
        } else {
            checkValue(route.spec, bodyParam.schema, body, "body", problems);
        }
    } else if (body !== undefined) {
        problems.push(`body: ${op.operationId} takes none`);
    }
    for (const key of query.keys()) {
        if (key !== "api-version" && !params.some((p) => p.in === "query" && p.name === key)) {
            problems.push(`query.${key}: not a parameter of ${op.operationId}`);
        }
    }
    return { operationId: op.operationId, problems };
}
