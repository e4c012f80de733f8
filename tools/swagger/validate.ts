// A strict Swagger 2.0 schema validator for request bodies, built for Azure's
// REST specs. Strict on purpose: Azure silently drops many unknown or
// read-only properties, so a typo in a request "works" and the setting is
// simply lost. Here anything the spec does not declare is an error.
//
// Only `loadSpec` touches the file system; it reads every file the spec
// references up front, so validation itself is a pure function.

import { readFileSync } from "node:fs";
import * as path from "node:path";

export interface SwaggerSchema {
    $ref?: string;
    type?: string;
    format?: string;
    properties?: Record<string, SwaggerSchema>;
    required?: string[];
    additionalProperties?: boolean | SwaggerSchema;
    items?: SwaggerSchema;
    allOf?: SwaggerSchema[];
    enum?: unknown[];
    readOnly?: boolean;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: boolean;
    exclusiveMaximum?: boolean;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
    minItems?: number;
    maxItems?: number;
    discriminator?: string;
    "x-nullable"?: boolean;
}

export interface SwaggerParameter {
    $ref?: string;
    name?: string;
    in?: string;
    required?: boolean;
    type?: string;
    pattern?: string;
    minLength?: number;
    maxLength?: number;
    enum?: unknown[];
    schema?: SwaggerSchema;
}

export interface SwaggerOperation {
    operationId?: string;
    parameters?: SwaggerParameter[];
}

export interface SwaggerDocument {
    swagger?: string;
    info?: { version?: string; title?: string };
    host?: string;
    paths?: Record<string, Record<string, SwaggerOperation | SwaggerParameter[]>>;
    parameters?: Record<string, SwaggerParameter>;
    definitions?: Record<string, SwaggerSchema>;
}

/** A spec and every document it references, keyed by normalized path. */
export interface Spec {
    readonly mainFile: string;
    readonly documents: ReadonlyMap<string, SwaggerDocument>;
}

/** A schema together with the document its relative `$ref`s resolve against. */
interface Located {
    schema: SwaggerSchema;
    doc: string;
}

/** Splits `common.json#/definitions/X` into its file and JSON-pointer parts. */
function splitRef(ref: string): { file: string; pointer: string } {
    const hash = ref.indexOf("#");
    return hash < 0 ? { file: ref, pointer: "" } : { file: ref.slice(0, hash), pointer: ref.slice(hash + 1) };
}

function refTargetDoc(fromDoc: string, file: string): string {
    return file === "" ? fromDoc : path.normalize(path.join(path.dirname(fromDoc), file));
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every file-qualified `$ref` target in a document (e.g. `common.json`). */
function referencedFiles(node: unknown, found: Set<string>): Set<string> {
    if (Array.isArray(node)) {
        for (const item of node) referencedFiles(item, found);
    } else if (isRecord(node)) {
        for (const [key, value] of Object.entries(node)) {
            // Example payloads are documentation, not schemas, and are often not shipped beside the spec.
            if (key === "x-ms-examples") continue;
            if (key === "$ref" && typeof value === "string") {
                const { file } = splitRef(value);
                if (file !== "") found.add(file);
            } else {
                referencedFiles(value, found);
            }
        }
    }
    return found;
}

function asDocument(name: string, parsed: unknown): SwaggerDocument {
    if (!isRecord(parsed)) throw new Error(`${name}: not a Swagger document (expected a JSON object)`);
    if (parsed.swagger !== undefined && parsed.swagger !== "2.0") {
        throw new Error(`${name}: swagger "${String(parsed.swagger)}" is not supported; only Swagger 2.0 is`);
    }
    if (parsed.definitions !== undefined && !isRecord(parsed.definitions)) {
        throw new Error(`${name}: "definitions" must be an object`);
    }
    return parsed as SwaggerDocument;
}

/**
 * Builds a Spec from documents already in memory (tests, or a caller that
 * read them itself). Keys are file names; relative `$ref`s resolve against
 * the referencing document's folder, as they do on disk.
 */
export function specFromDocuments(mainFile: string, documents: Record<string, unknown>): Spec {
    const normalized = new Map<string, SwaggerDocument>();
    for (const [name, doc] of Object.entries(documents)) normalized.set(path.normalize(name), asDocument(name, doc));
    const main = path.normalize(mainFile);
    if (!normalized.has(main)) throw new Error(`specFromDocuments: main document "${mainFile}" is not among the documents given`);
    return { mainFile: main, documents: normalized };
}

/** Reads a spec file and, transitively, every sibling file its `$ref`s name. */
export function loadSpec(file: string): Spec {
    const documents = new Map<string, SwaggerDocument>();
    const pending = [path.resolve(file)];
    while (pending.length > 0) {
        const next = pending.pop() as string;
        if (documents.has(next)) continue;
        let text: string;
        try {
            text = readFileSync(next, "utf8");
        } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new Error(`cannot read Swagger file ${next} (${reason})`);
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new Error(`${next} is not valid JSON: ${reason}`);
        }
        documents.set(next, asDocument(next, parsed));
        for (const ref of referencedFiles(parsed, new Set())) pending.push(refTargetDoc(next, ref));
    }
    return { mainFile: path.resolve(file), documents };
}

/** The spec's `info.version`, which is the `api-version` its operations take. */
export function specApiVersion(spec: Spec): string {
    const version = spec.documents.get(spec.mainFile)?.info?.version;
    if (version === undefined) throw new Error(`${spec.mainFile} has no info.version`);
    return version;
}

function decodePointerToken(token: string): string {
    return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Follows one `$ref` (local or relative-file) to the node it names. */
export function resolveRef(spec: Spec, ref: string, fromDoc: string): { node: unknown; doc: string } {
    const { file, pointer } = splitRef(ref);
    const doc = refTargetDoc(fromDoc, file);
    const document = spec.documents.get(doc);
    if (document === undefined) {
        throw new Error(`$ref "${ref}" in ${fromDoc}: document ${doc} is not loaded (is the file beside the spec?)`);
    }
    let node: unknown = document;
    for (const token of pointer.split("/").slice(1).map(decodePointerToken)) {
        if (!isRecord(node) || !(token in node)) throw new Error(`$ref "${ref}" in ${fromDoc}: "${token}" not found`);
        node = node[token];
    }
    return { node, doc };
}

interface Dereferenced extends Located {
    /** readOnly set on the schema or on any `$ref` wrapper leading to it (Azure puts it beside `$ref`). */
    readOnly: boolean;
    nullable: boolean;
}

function deref(spec: Spec, start: Located): Dereferenced {
    let current = start;
    let readOnly = start.schema.readOnly === true;
    let nullable = start.schema["x-nullable"] === true;
    const seen = new Set<string>();
    while (current.schema.$ref !== undefined) {
        const key = `${current.doc}::${current.schema.$ref}`;
        if (seen.has(key)) throw new Error(`$ref cycle at "${current.schema.$ref}" in ${current.doc}`);
        seen.add(key);
        const { node, doc } = resolveRef(spec, current.schema.$ref, current.doc);
        if (!isRecord(node)) throw new Error(`$ref "${current.schema.$ref}" in ${current.doc} does not name a schema`);
        current = { schema: node as SwaggerSchema, doc };
        readOnly ||= current.schema.readOnly === true;
        nullable ||= current.schema["x-nullable"] === true;
    }
    return { ...current, readOnly, nullable };
}

/** A schema with its `allOf` members merged in. */
interface Flattened {
    type?: string;
    format?: string;
    enum?: unknown[];
    properties: Map<string, Located>;
    required: Set<string>;
    additionalProperties?: boolean | Located;
    items?: Located;
    schema: SwaggerSchema;
    nullable: boolean;
    discriminator?: string;
}

function flatten(spec: Spec, start: Located, visiting: Set<SwaggerSchema> = new Set()): Flattened {
    const { schema, doc, nullable } = deref(spec, start);
    if (visiting.has(schema)) throw new Error(`allOf cycle in ${doc}`);
    visiting.add(schema);
    const flat: Flattened = {
        type: schema.type,
        format: schema.format,
        enum: schema.enum,
        properties: new Map(),
        required: new Set(schema.required ?? []),
        additionalProperties:
            schema.additionalProperties === undefined || typeof schema.additionalProperties === "boolean"
                ? schema.additionalProperties
                : { schema: schema.additionalProperties, doc },
        items: schema.items === undefined ? undefined : { schema: schema.items, doc },
        schema,
        nullable,
        // Only the schema's own discriminator matters: a derived schema validated directly is not polymorphic.
        discriminator: schema.discriminator,
    };
    for (const [name, property] of Object.entries(schema.properties ?? {})) flat.properties.set(name, { schema: property, doc });
    // Own declarations win over inherited ones: the derived schema is the more specific.
    for (const member of schema.allOf ?? []) {
        const inherited = flatten(spec, { schema: member, doc }, visiting);
        flat.type ??= inherited.type;
        flat.format ??= inherited.format;
        flat.enum ??= inherited.enum;
        flat.additionalProperties ??= inherited.additionalProperties;
        flat.items ??= inherited.items;
        for (const [name, property] of inherited.properties) if (!flat.properties.has(name)) flat.properties.set(name, property);
        for (const name of inherited.required) flat.required.add(name);
    }
    visiting.delete(schema);
    return flat;
}

/** `a.b`, or `a["/subscriptions/..."]` when the key is not a plain identifier. */
function childPath(parent: string, key: string): string {
    const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
    if (parent === "" || segment.startsWith("[")) return `${parent}${segment}`;
    return `${parent}.${segment}`;
}

function describe(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    return typeof value;
}

function show(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const DURATION = /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

function checkStringFormat(value: string, format: string | undefined): string | undefined {
    switch (format) {
        case "uuid":
            return UUID.test(value) ? undefined : `${show(value)} is not a valid uuid`;
        case "date-time":
            return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))
                ? undefined
                : `${show(value)} is not a valid date-time (RFC 3339, e.g. 2024-07-01T00:00:00Z)`;
        case "duration":
            return DURATION.test(value) ? undefined : `${show(value)} is not a valid ISO 8601 duration (e.g. PT15M)`;
        default:
            return undefined; // other formats (arm-id, uri, byte, ...) are not worth a parser here
    }
}

function checkIntegerFormat(value: number, format: string | undefined): string | undefined {
    if (format === "int32" && (value < -2147483648 || value > 2147483647)) return `${value} is outside the int32 range`;
    if (format === "int64" && !Number.isSafeInteger(value)) return `${value} cannot be represented exactly as int64 in JSON from JavaScript`;
    return undefined;
}

function checkNumberRange(value: number, schema: SwaggerSchema): string | undefined {
    if (schema.minimum !== undefined) {
        if (schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum) {
            return `${value} is below the minimum ${schema.minimum}${schema.exclusiveMinimum === true ? " (exclusive)" : ""}`;
        }
    }
    if (schema.maximum !== undefined) {
        if (schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum) {
            return `${value} is above the maximum ${schema.maximum}${schema.exclusiveMaximum === true ? " (exclusive)" : ""}`;
        }
    }
    return undefined;
}

/** String length limits and `pattern`; shared with path-parameter checks. */
export function checkStringConstraints(
    value: string,
    rules: { minLength?: number; maxLength?: number; pattern?: string },
): string[] {
    const problems: string[] = [];
    const length = [...value].length;
    if (rules.minLength !== undefined && length < rules.minLength) {
        problems.push(`${show(value)} is shorter than minLength ${rules.minLength}`);
    }
    if (rules.maxLength !== undefined && length > rules.maxLength) {
        problems.push(`${show(value)} is longer than maxLength ${rules.maxLength}`);
    }
    if (rules.pattern !== undefined && !new RegExp(rules.pattern).test(value)) {
        problems.push(`${show(value)} does not match the pattern ${rules.pattern}`);
    }
    return problems;
}

function validateNode(spec: Spec, location: Located, value: unknown, at: string, errors: string[]): void {
    const flat = flatten(spec, location);
    const where = at === "" ? "(root)" : at;
    const fail = (message: string): void => {
        errors.push(`${where}: ${message}`);
    };
    if (flat.discriminator !== undefined) {
        throw new Error(`schema with discriminator "${flat.discriminator}" at ${where}: polymorphic schemas are not supported by this validator`);
    }
    const type = flat.type ?? (flat.properties.size > 0 ? "object" : undefined);
    if (value === null) {
        if (!flat.nullable && type !== undefined) fail(`expected ${type}, got null`);
        return;
    }
    if (flat.enum !== undefined && !flat.enum.some((allowed) => allowed === value)) {
        fail(`${show(value)} is not one of [${flat.enum.map(String).join(", ")}]`);
        return;
    }
    switch (type) {
        case undefined:
            return; // no type and no properties: the spec leaves the value free
        case "string": {
            if (typeof value !== "string") return fail(`expected string, got ${describe(value)}`);
            const formatProblem = checkStringFormat(value, flat.format);
            if (formatProblem !== undefined) fail(formatProblem);
            for (const problem of checkStringConstraints(value, flat.schema)) fail(problem);
            return;
        }
        case "integer":
        case "number": {
            if (typeof value !== "number" || !Number.isFinite(value)) return fail(`expected ${type}, got ${describe(value)}`);
            if (type === "integer" && !Number.isInteger(value)) return fail(`expected integer, got non-integer number ${value}`);
            const problem = (type === "integer" ? checkIntegerFormat(value, flat.format) : undefined) ?? checkNumberRange(value, flat.schema);
            if (problem !== undefined) fail(problem);
            return;
        }
        case "boolean":
            if (typeof value !== "boolean") fail(`expected boolean, got ${describe(value)}`);
            return;
        case "array": {
            if (!Array.isArray(value)) return fail(`expected array, got ${describe(value)}`);
            if (flat.schema.minItems !== undefined && value.length < flat.schema.minItems) {
                fail(`has ${value.length} items, fewer than minItems ${flat.schema.minItems}`);
            }
            if (flat.schema.maxItems !== undefined && value.length > flat.schema.maxItems) {
                fail(`has ${value.length} items, more than maxItems ${flat.schema.maxItems}`);
            }
            const items = flat.items;
            if (items !== undefined) value.forEach((item, index) => validateNode(spec, items, item, `${at}[${index}]`, errors));
            return;
        }
        case "object":
            return validateObject(spec, flat, value, at, errors, fail);
        default:
            throw new Error(`schema type "${type}" at ${where} is not supported by this validator`);
    }
}

function validateObject(
    spec: Spec,
    flat: Flattened,
    value: unknown,
    at: string,
    errors: string[],
    fail: (message: string) => void,
): void {
    if (!isRecord(value)) return fail(`expected object, got ${describe(value)}`);
    for (const [key, child] of Object.entries(value)) {
        const here = childPath(at, key);
        const declared = flat.properties.get(key);
        if (declared !== undefined) {
            if (deref(spec, declared).readOnly) {
                errors.push(`${here}: read-only property in a request body (the server ignores it); remove it`);
            } else {
                validateNode(spec, declared, child, here, errors);
            }
            continue;
        }
        const extra = flat.additionalProperties;
        if (typeof extra === "object") {
            validateNode(spec, extra, child, here, errors);
        } else if (extra === false || (extra === undefined && flat.properties.size > 0)) {
            errors.push(`${here}: unknown property`);
        }
        // additionalProperties true, or a free-form object: anything goes
    }
    for (const name of flat.required) {
        if (value[name] !== undefined) continue;
        const declared = flat.properties.get(name);
        // A required read-only property (e.g. an `id`) is for responses; a request cannot send it.
        if (declared !== undefined && deref(spec, declared).readOnly) continue;
        errors.push(`${childPath(at, name)}: required property missing`);
    }
}

/**
 * Validates a request body against `#/definitions/<definitionName>` of the
 * spec's main document. Returns one message per problem, each prefixed by the
 * property path; an empty list means the body is valid. Throws when the spec
 * itself cannot be used (unknown definition, broken `$ref`).
 */
export function validateAgainstDefinition(spec: Spec, definitionName: string, value: unknown): string[] {
    const definition = spec.documents.get(spec.mainFile)?.definitions?.[definitionName];
    if (definition === undefined) throw new Error(`definition "${definitionName}" not found in ${spec.mainFile}`);
    const errors: string[] = [];
    validateNode(spec, { schema: definition, doc: spec.mainFile }, value, "", errors);
    return errors;
}
