// The loopback endpoint against Azure's recorded answers: each recorded
// session is replayed request by request (same method, path, body, and the
// same token-less first request), and every answer must be of the recorded
// kind, status, headers and body shape. Each request it receives is also
// checked against the Key Vault spec of the pinned API version.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as https from "node:https";
import { KEY_VAULT_API_VERSION } from "../../components/certificatePolicy";
import { TEST_VAULT_HOST_HEADER } from "./loopbackClient";
import { startKeyVaultEndpoint, type KeyVaultEndpoint } from "./endpoint";
import { answerDiff, checkAnswers, loadRecordings, recordedKind, type RecordedEntry } from "./recorded";
import { checkKeyVaultRequest } from "./spec";

const RECORDED_HOST = "keyvault_name.vault.azure.net";

interface RawAnswer {
    status: number;
    headers: Record<string, string>;
    body: unknown;
}

function send(endpoint: KeyVaultEndpoint, method: string, pathAndQuery: string, body: unknown, authorized: boolean): Promise<RawAnswer> {
    const payload = body === undefined || body === null ? "" : JSON.stringify(body);
    return new Promise((resolve, reject) => {
        const req = https.request(
            `${endpoint.url}${pathAndQuery}`,
            {
                method,
                ca: endpoint.caPem,
                headers: {
                    [TEST_VAULT_HOST_HEADER]: RECORDED_HOST,
                    "Content-Type": "application/json",
                    "Content-Length": Buffer.byteLength(payload),
                    ...(authorized ? { Authorization: `Bearer ${endpoint.token}` } : {}),
                },
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));
                    resolve({ status: res.statusCode ?? 0, headers, body: text === "" ? undefined : (JSON.parse(text) as unknown) });
                });
            },
        );
        req.on("error", reject);
        req.end(payload);
    });
}

/** The version segment of a Key Vault object id, if any. */
function versionOfId(body: unknown): string | undefined {
    const id = typeof body === "object" && body !== null ? (body as { id?: unknown }).id : undefined;
    if (typeof id !== "string") return undefined;
    const segments = new URL(id).pathname.split("/").filter((s) => s.length > 0);
    return segments.length === 3 && /^[0-9a-f]{32}$/.test(segments[2]) ? segments[2] : undefined;
}

/** The recorder replaced the issuer "Self" by "Sanitized" in one session; send what the SDK sent. */
function unsanitized(body: unknown): unknown {
    if (body === null || body === undefined) return undefined;
    const text = JSON.stringify(body).replace(/"issuer":\{"name":"Sanitized"\}/g, '"issuer":{"name":"Self"}');
    return JSON.parse(text) as unknown;
}

/** How many inProgress polls the recording shows before `completed`; none completed: never within the replay. */
function pendingPollsOf(entries: RecordedEntry[]): number {
    let polls = 0;
    for (const e of entries) {
        const kind = recordedKind(e);
        if (kind === "pending:inProgress" && e.RequestMethod === "GET") polls++;
        if (kind === "pending:completed") return polls;
        if (kind === "create:202" && polls > 0) break;
    }
    return 1000;
}

describe("the loopback endpoint replays each recorded Azure session with the recorded answers", () => {
    const endpoints: KeyVaultEndpoint[] = [];
    after(async () => {
        for (const e of endpoints) await e.close();
    });

    for (const recording of loadRecordings()) {
        it(recording.file, async () => {
            const endpoint = await startKeyVaultEndpoint({ pendingPolls: pendingPollsOf(recording.entries), deletedLagPolls: 2, recoveredLagPolls: 2 });
            endpoints.push(endpoint);
            const versions = new Map<string, string>(); // recorded version -> ours
            const problems: string[] = [];
            for (const [i, entry] of recording.entries.entries()) {
                const url = new URL(entry.RequestUri);
                let path = url.pathname;
                for (const [theirs, ours] of versions) path = path.replace(`/${theirs}`, `/${ours}`);
                const authorized = "Authorization" in entry.RequestHeaders;
                const answer = await send(endpoint, entry.RequestMethod, `${path}${url.search}`, unsanitized(entry.RequestBody), authorized);
                const call = endpoint.calls[endpoint.calls.length - 1];
                assert.equal(call.status, answer.status);
                const recordedVersion = versionOfId(entry.ResponseBody);
                const ourVersion = versionOfId(answer.body);
                if (recordedVersion !== undefined && ourVersion !== undefined && !versions.has(recordedVersion)) versions.set(recordedVersion, ourVersion);
                const expectedKind = recordedKind(entry);
                if (call.kind !== expectedKind) problems.push(`entry ${i} ${entry.RequestMethod} ${path}: answered ${call.kind}, recorded ${expectedKind}`);
                for (const p of answerDiff(call, entry)) problems.push(`entry ${i} ${entry.RequestMethod} ${path}: ${p}`);
            }
            assert.deepEqual(problems, []);
            // The one request the spec has no path for is the recorded invalid one (an empty name), answered 405 as Azure did.
            const checked = endpoint.calls.filter((c) => c.kind !== "unknown-route:405");
            assert.deepEqual(checked.flatMap((c) => c.specProblems.map((p) => `${c.method} ${c.path}: ${p}`)), []);
        });
    }
});

describe("the loopback endpoint refuses what Key Vault refuses", () => {
    let endpoint: KeyVaultEndpoint;
    after(async () => endpoint?.close());

    it("an api-version other than the pinned one is a 400 BadParameter, like Key Vault's unsupported-version answer", async () => {
        endpoint = await startKeyVaultEndpoint();
        const answer = await send(endpoint, "GET", "/certificates/authcert/?api-version=7.5", undefined, true);
        assert.equal(answer.status, 400);
        assert.deepEqual(Object.keys(answer.body as object), ["error"]);
        assert.equal((answer.body as { error: { code: string } }).error.code, "BadParameter");
        assert.match((answer.body as { error: { message: string } }).error.message, /7\.5.*not recognized.*2025-07-01/);
        const missing = await send(endpoint, "GET", "/certificates/authcert/", undefined, true);
        assert.equal(missing.status, 400);
    });

    it("a route it does not implement answers 405 with Key Vault's error body, never a silent 200", async () => {
        for (const [method, path] of [
            ["GET", "/certificates"],
            ["PUT", "/certificates/issuers/digicert"],
            ["POST", "/certificates/authcert/import"],
            ["GET", "/keys/authcert/"],
            ["POST", "/certificates//create"],
        ]) {
            const answer = await send(endpoint, method, `${path}?api-version=${KEY_VAULT_API_VERSION}`, method === "GET" ? undefined : {}, true);
            assert.equal(answer.status, 405, `${method} ${path}`);
            assert.deepEqual(answer.body, { error: { code: "MethodNotAllowed", message: `HTTP ${method} not allowed` } });
        }
    });

    it("a token-less request gets the recorded challenge; a wrong token gets 401 too", async () => {
        const challenge = await send(endpoint, "GET", `/certificates/x/?api-version=${KEY_VAULT_API_VERSION}`, undefined, false);
        assert.equal(challenge.status, 401);
        assert.match(challenge.headers["www-authenticate"] ?? "", /^Bearer authorization="https:\/\/login\.microsoftonline\.com\/[0-9a-f-]+", resource="https:\/\/vault\.azure\.net"$/);
        const wrong = await new Promise<number>((resolve, reject) => {
            const req = https.request(`${endpoint.url}/certificates/x/?api-version=${KEY_VAULT_API_VERSION}`, { ca: endpoint.caPem, headers: { Authorization: "Bearer not-the-token" } }, (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            });
            req.on("error", reject);
            req.end();
        });
        assert.equal(wrong, 401);
        assert.deepEqual(checkAnswers(endpoint.calls), []);
    });

    it("its TLS certificate is trusted only through the CA it hands out", async () => {
        await assert.rejects(
            new Promise((resolve, reject) => {
                const req = https.request(`${endpoint.url}/certificates/x/?api-version=${KEY_VAULT_API_VERSION}`, {}, resolve);
                req.on("error", reject);
                req.end();
            }),
            (err: NodeJS.ErrnoException) => /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/.test(err.code ?? ""),
        );
    });
});

describe("the spec check itself", () => {
    it("accepts the create the SDK sends and names what the spec does not allow", () => {
        const ok = checkKeyVaultRequest("POST", "/certificates/authcert/create", new URLSearchParams({ "api-version": KEY_VAULT_API_VERSION }), {
            policy: { key_props: { kty: "RSA", key_size: 2048, exportable: true, reuse_key: false }, x509_props: { subject: "CN=a", validity_months: 12 } },
            attributes: { enabled: true },
        });
        assert.deepEqual(ok, { operationId: "CreateCertificate", problems: [] });
        const bad = checkKeyVaultRequest("POST", "/certificates/authcert/create", new URLSearchParams({ "api-version": "7.5" }), {
            policy: { key_props: { keySize: 2048 } },
            attributes: { created: 1 },
        });
        assert.ok(bad.problems.some((p) => /api-version: "7.5"/.test(p)), bad.problems.join("; "));
        assert.ok(bad.problems.some((p) => /body.policy.key_props.keySize: not a property/.test(p)), bad.problems.join("; "));
        assert.ok(bad.problems.some((p) => /body.attributes.created: read-only/.test(p)), bad.problems.join("; "));
        assert.match(checkKeyVaultRequest("PUT", "/certificates/authcert/create", new URLSearchParams(), undefined).problems[0], /has no PUT/);
    });
});
