// The recorded Azure answers (test/fixtures/keyvault-recordings), classified
// by kind of answer, and the comparison of an answer of the loopback endpoint
// with a recorded one of the same kind: same status, same headers that
// matter (Location, Retry-After, WWW-Authenticate, Content-Type), same body
// keys at every level with the same value types, same error code.
import { readdirSync, readFileSync } from "node:fs";
import { isPlainObject } from "../../components/json";
import { fixturePath } from "../fixtures";
import type { RecordedCall } from "./endpoint";

export interface RecordedEntry {
    RequestUri: string;
    RequestMethod: string;
    RequestHeaders: Record<string, string>;
    RequestBody: unknown;
    StatusCode: number;
    ResponseHeaders: Record<string, string>;
    ResponseBody: unknown;
}

export interface Recording {
    file: string;
    entries: RecordedEntry[];
}

export function loadRecordings(): Recording[] {
    const dir = fixturePath("keyvault-recordings");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
    if (files.length === 0) throw new Error(`no recordings in ${dir}: see its SOURCES.md`);
    return files.map((file) => ({ file, entries: (JSON.parse(readFileSync(fixturePath("keyvault-recordings", file), "utf8")) as { Entries: RecordedEntry[] }).Entries }));
}


/** The kind of a recorded answer, in the endpoint's vocabulary (RecordedCall.kind). */
export function recordedKind(entry: RecordedEntry): string {
    const path = new URL(entry.RequestUri).pathname;
    const segments = path.split("/").slice(1);
    const method = entry.RequestMethod;
    const status = entry.StatusCode;
    const body = entry.ResponseBody;
    if (status === 401) return "challenge:401";
    if (status === 405) return "unknown-route:405";
    const [collection, second, third] = segments;
    if (collection === "certificates" && second === "contacts" && third === undefined) {
        return status === 404 ? "contacts:404" : `contacts:${method.toLowerCase()}`;
    }
    if (collection === "certificates") {
        if (third === "create") return `create:${status}`;
        if (third === "pending") {
            if (status === 404) return "pending:404";
            if (method === "PATCH") return "pending:updated";
            if (method === "DELETE") return "pending:deleted";
            return `pending:${isPlainObject(body) ? String(body.status) : "?"}`;
        }
        if (third === "policy") return method === "PATCH" ? "policy:updated" : "policy:get";
        if (third === "versions") return "versions:list";
        if (method === "DELETE") return `delete:${status}`;
        if (status === 404) return "certificate:404";
        if (third !== undefined && third !== "") return "certificate:version";
        return isPlainObject(body) && "x5t" in body ? "certificate:latest" : "certificate:pending";
    }
    if (collection === "deletedcertificates") {
        if (method === "DELETE") return `purge:${status}`;
        if (third === "recover") return `recover:${status}`;
        return `deleted:${status}`;
    }
    if (collection === "secrets") {
        if (status !== 200) return `secret:${status}`;
        return isPlainObject(body) && body.contentType === "application/x-pem-file" ? "secret:pem" : "secret:pkcs12";
    }
    return `other:${status}`;
}

/** One recorded answer of each kind (the first seen). */
export function recordedExemplars(): Map<string, { file: string; entry: RecordedEntry }> {
    const out = new Map<string, { file: string; entry: RecordedEntry }>();
    for (const rec of loadRecordings()) {
        for (const entry of rec.entries) {
            const kind = recordedKind(entry);
            if (!out.has(kind)) out.set(kind, { file: rec.file, entry });
        }
    }
    return out;
}

function typeName(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    return typeof v;
}

// Keys whose presence follows from what the request asked for (tags given,
// DNS names, which renewal trigger, an EC key's curve: every recording is of
// an RSA certificate), not from Key Vault: their presence may differ from the
// recorded request's answer, their type may not.
const REQUEST_DEPENDENT = [
    /\.tags$/,
    /\.tags\.[^.]+$/,
    /\.sans\.(dns_names|emails|upns|uris|ipAddresses)$/,
    /\.trigger\.(lifetime_percentage|days_before_expiry)$/,
    /\.key_props\.crv$/,
    // A contact's name and phone are optional: present in an answer when the request gave them.
    /\.contacts\[0\]\.(name|phone)$/,
];

/** Differences of shape: keys present on one side only, or a value of another type, at any depth. */
export function shapeDiff(ours: unknown, recorded: unknown, where = "body"): string[] {
    const a = typeName(ours);
    const b = typeName(recorded);
    if (a !== b) return [`${where}: ${a} here, ${b} in the recording`];
    if (a === "array") {
        const xs = ours as unknown[];
        const ys = recorded as unknown[];
        if (xs.length === 0 || ys.length === 0) return [];
        return shapeDiff(xs[0], ys[0], `${where}[0]`);
    }
    if (a !== "object") return [];
    const x = ours as Record<string, unknown>;
    const y = recorded as Record<string, unknown>;
    const problems: string[] = [];
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
        const path = `${where}.${key}`;
        if (!(key in x) || !(key in y)) {
            if (REQUEST_DEPENDENT.some((re) => re.test(path))) continue;
        }
        if (!(key in x)) problems.push(`${where}.${key}: missing here, present in the recording`);
        else if (!(key in y)) problems.push(`${where}.${key}: present here, absent in the recording`);
        else problems.push(...shapeDiff(x[key], y[key], `${where}.${key}`));
    }
    return problems;
}

const COMPARED_HEADERS = ["Location", "Retry-After", "WWW-Authenticate", "Content-Type"];

function header(headers: Record<string, string>, name: string): string | undefined {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : headers[key];
}

/** Replaces what differs by design (hosts, names, ids) so header values compare. */
function normalizeHeader(name: string, value: string | undefined): string | undefined {
    if (value === undefined) return value;
    if (name === "WWW-Authenticate") return value.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, "TENANT");
    if (name !== "Location") return value;
    return value.replace(/^https:\/\/[^/]+/, "https://VAULT").replace(/\/certificates\/[^/]+\//, "/certificates/NAME/").replace(/request_id=[0-9a-f]+/, "request_id=ID");
}

/** Differences between one of our answers and a recorded answer of the same kind. */
export function answerDiff(call: RecordedCall, recorded: RecordedEntry): string[] {
    const problems: string[] = [];
    if (call.status !== recorded.StatusCode) problems.push(`status ${call.status}, recorded ${recorded.StatusCode}`);
    for (const name of COMPARED_HEADERS) {
        const ours = normalizeHeader(name, header(call.responseHeaders, name));
        const theirs = normalizeHeader(name, header(recorded.ResponseHeaders, name));
        if (ours !== theirs) problems.push(`header ${name}: ${JSON.stringify(ours)}, recorded ${JSON.stringify(theirs)}`);
    }
    const recordedBody = recorded.ResponseBody ?? undefined;
    if ((call.responseBody === undefined) !== (recordedBody === undefined)) {
        problems.push(`body: ${call.responseBody === undefined ? "none" : "present"} here, ${recordedBody === undefined ? "none" : "present"} in the recording`);
    } else if (call.responseBody !== undefined) {
        problems.push(...shapeDiff(call.responseBody, recordedBody));
        const ourCode = isPlainObject(call.responseBody) && isPlainObject(call.responseBody.error) ? call.responseBody.error.code : undefined;
        const theirCode = isPlainObject(recordedBody) && isPlainObject(recordedBody.error) ? recordedBody.error.code : undefined;
        if (ourCode !== theirCode) problems.push(`error.code ${String(ourCode)}, recorded ${String(theirCode)}`);
    }
    return problems;
}

/**
 * Answers no recording shows (faults, refusals), with the body Key Vault
 * documents for them: `{error: {code, message[, innererror: {code}]}}`.
 */
export const UNRECORDED_KINDS: Record<string, { status: number; code: string; inner?: string }> = {
    "fault:forbiddenByRbac": { status: 403, code: "Forbidden", inner: "ForbiddenByRbac" },
    "fault:forbiddenByFirewall": { status: 403, code: "Forbidden", inner: "ForbiddenByFirewall" },
    "fault:throttled": { status: 429, code: "Throttled" },
    "fault:serverError": { status: 500, code: "InternalServerError" },
    "fault:notFound": { status: 404, code: "CertificateNotFound" },
    "fault:conflict": { status: 409, code: "Conflict" },
    "create:409": { status: 409, code: "Conflict" },
    "create:400": { status: 400, code: "BadParameter" },
    "purge:409": { status: 409, code: "Conflict" },
    "purge:403": { status: 403, code: "Forbidden" },
    "secret:404": { status: 404, code: "SecretNotFound" },
    "api-version:400": { status: 400, code: "BadParameter" },
    "unauthorized:401": { status: 401, code: "Unauthorized" },
};

/** Every answer in `calls` checked: against its recorded kind, else against the documented error shape. */
export function checkAnswers(calls: RecordedCall[]): string[] {
    const exemplars = recordedExemplars();
    const problems: string[] = [];
    calls.forEach((call, i) => {
        const where = `call ${i} ${call.method} ${call.path} (${call.kind})`;
        const exemplar = exemplars.get(call.kind);
        if (exemplar !== undefined) {
            for (const p of answerDiff(call, exemplar.entry)) problems.push(`${where}: ${p} [${exemplar.file}]`);
            return;
        }
        const documented = UNRECORDED_KINDS[call.kind];
        if (documented === undefined) {
            problems.push(`${where}: no recorded or documented answer of this kind`);
            return;
        }
        if (call.status !== documented.status) problems.push(`${where}: status ${call.status}, expected ${documented.status}`);
        if (documented.code === "") return;
        const body = call.responseBody;
        const error = isPlainObject(body) && isPlainObject(body.error) ? body.error : undefined;
        const keys = error === undefined ? [] : Object.keys(error).sort();
        const expectedKeys = documented.inner !== undefined ? ["code", "innererror", "message"] : ["code", "message"];
        if (error === undefined || JSON.stringify(keys) !== JSON.stringify(expectedKeys) || error.code !== documented.code || typeof error.message !== "string") {
            problems.push(`${where}: body ${JSON.stringify(body)} is not {error: {code: ${documented.code}, message${documented.inner ? `, innererror: {code: ${documented.inner}}` : ""}}}`);
        } else if (documented.inner !== undefined && (!isPlainObject(error.innererror) || error.innererror.code !== documented.inner)) {
            problems.push(`${where}: innererror.code is not ${documented.inner}`);
        }
        if (Object.keys(body as object).length !== 1) problems.push(`${where}: body has keys beside error`);
    });
    return problems;
}
