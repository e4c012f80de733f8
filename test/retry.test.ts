import { test } from "node:test";
import assert from "node:assert/strict";
import {
    isRetryExhausted,
    isForbiddenByFirewall,
    isRetryable,
    networkFailureCodeOf,
    retryAfterMsOf,
    retryWithBackoff,
    type RetryOptions,
} from "../components/retry";

/** A fake clock: sleep advances it, so bounds are checked without waiting. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
    let t = 1_000_000;
    const sleeps: number[] = [];
    return {
        now: () => t,
        sleep: async (ms: number) => {
            sleeps.push(ms);
            t += ms;
        },
        sleeps,
    };
}

function restError(statusCode: number, message = `status ${statusCode}`): Error & { statusCode: number } {
    return Object.assign(new Error(message), { statusCode });
}

function options(clock: ReturnType<typeof fakeClock>, over: Partial<RetryOptions> = {}): RetryOptions {
    return {
        operation: 'create certificate "authcert"',
        maxAttempts: 6,
        maxTotalWaitMs: 60_000,
        initialDelayMs: 1_000,
        maxDelayMs: 8_000,
        sleep: clock.sleep,
        now: clock.now,
        ...over,
    };
}

void test("isRetryable: 403 (RBAC propagation), 408, 429, 5xx and network errors retry; answers like 400/401/404/409 do not", () => {
    for (const code of [403, 408, 429, 500, 503]) {
        assert.equal(isRetryable(restError(code)), true, `HTTP ${code}`);
    }
    for (const code of [400, 401, 404, 409]) {
        assert.equal(isRetryable(restError(code)), false, `HTTP ${code}`);
    }
    assert.equal(isRetryable(Object.assign(new Error("reset"), { code: "ECONNRESET" })), true);
    assert.equal(isRetryable(new Error("plain")), false);
    assert.equal(isRetryable("not an error"), false);
});

void test("403 that clears: succeeds on a later attempt, with exponential delays", async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retryWithBackoff(async () => {
        calls++;
        if (calls < 4) {
            throw restError(403, "Forbidden: caller is not authorized");
        }
        return "ok";
    }, options(clock));
    assert.equal(result, "ok");
    assert.equal(calls, 4);
    assert.deepEqual(clock.sleeps, [1_000, 2_000, 4_000]);
});

void test("403 that never clears: stops at the attempt limit with an error naming what, how long and the fix", async () => {
    const clock = fakeClock();
    let calls = 0;
    await assert.rejects(
        retryWithBackoff(async () => {
            calls++;
            throw restError(403, "Forbidden");
        }, options(clock, { maxAttempts: 4 })),
        (err: unknown) => {
            assert.ok(isRetryExhausted(err));
            assert.equal(err.attempts, 4);
            assert.match(err.message, /create certificate "authcert"/);
            assert.match(err.message, /HTTP 403 after 4 attempt\(s\) over 7 s/);
            assert.match(err.message, /role assignment for the deployer may still be propagating; wait and rerun `pulumi up`/);
            assert.match(err.message, /Key Vault Certificates Officer/);
            return true;
        },
    );
    assert.equal(calls, 4);
    assert.deepEqual(clock.sleeps, [1_000, 2_000, 4_000]);
});

void test("the total wait is bounded even when attempts remain; delays are capped", async () => {
    const clock = fakeClock();
    const started = clock.now();
    await assert.rejects(
        retryWithBackoff(async () => {
            throw restError(503);
        }, options(clock, { maxAttempts: 100, maxTotalWaitMs: 20_000 })),
        (err: unknown) => isRetryExhausted(err) && /HTTP 503/.test(err.message) && /check the vault is reachable/.test(err.message),
    );
    assert.ok(clock.now() - started <= 20_000, `waited ${clock.now() - started} ms`);
    assert.ok(Math.max(...clock.sleeps) <= 8_000, "no single delay above maxDelayMs");
    assert.deepEqual(clock.sleeps, [1_000, 2_000, 4_000, 8_000, 5_000]);
});

void test("a non-retryable error is rethrown at once, unchanged", async () => {
    const clock = fakeClock();
    const notFound = restError(404, "Certificate not found");
    let calls = 0;
    await assert.rejects(
        retryWithBackoff(async () => {
            calls++;
            throw notFound;
        }, options(clock)),
        (err: unknown) => err === notFound,
    );
    assert.equal(calls, 1);
    assert.deepEqual(clock.sleeps, []);
});

void test("jitter hook shapes each delay; a custom fix is used in the final error", async () => {
    const clock = fakeClock();
    await assert.rejects(
        retryWithBackoff(async () => {
            throw restError(429);
        }, options(clock, { maxAttempts: 3, jitter: (ms) => ms / 2, fix: () => "lower the request rate" })),
        /HTTP 429 .*Fix: lower the request rate/,
    );
    assert.deepEqual(clock.sleeps, [500, 1_000]);
});

void test("a bad attempt limit is refused", async () => {
    await assert.rejects(retryWithBackoff(async () => 1, { ...options(fakeClock()), maxAttempts: 0 }), /maxAttempts 0 must be a whole number >= 1/);
});

/** A 403 as the SDK raises it: status, code, and the response body it keeps as text. */
function forbidden(inner: string, message: string): Error & { statusCode: number } {
    return Object.assign(new Error(message), {
        statusCode: 403,
        code: "Forbidden",
        response: { bodyAsText: JSON.stringify({ error: { code: "Forbidden", message, innererror: { code: inner } } }), headers: { get: () => undefined } },
    });
}

void test("ForbiddenByFirewall is recognised from the body's innererror (or its message) and is not retried; an RBAC 403 still is", () => {
    const firewall = forbidden("ForbiddenByFirewall", "Client address is not authorized and caller is not a trusted service.\r\nClient address: 203.0.113.7");
    assert.equal(isForbiddenByFirewall(firewall), true);
    assert.equal(isRetryable(firewall), false);
    assert.equal(isForbiddenByFirewall(Object.assign(new Error("Client address is not authorized and caller is not a trusted service."), { statusCode: 403 })), true);
    const rbac = forbidden("ForbiddenByRbac", "Caller is not authorized to perform action on resource.");
    assert.equal(isForbiddenByFirewall(rbac), false);
    assert.equal(isRetryable(rbac), true);
});

void test("networkFailureCodeOf: DNS, refused, timed-out and TLS failures, through cause chains; never an HTTP answer", () => {
    for (const code of ["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_HAS_EXPIRED", "SELF_SIGNED_CERT_IN_CHAIN"]) {
        assert.equal(networkFailureCodeOf(Object.assign(new Error(code), { code })), code);
    }
    const wrapped = new Error("outer", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND kv.vault.azure.net"), { code: "ENOTFOUND" }) });
    assert.equal(networkFailureCodeOf(wrapped), "ENOTFOUND");
    assert.equal(networkFailureCodeOf(Object.assign(new Error("x"), { statusCode: 500, code: "ECONNRESET" })), undefined);
    assert.equal(networkFailureCodeOf(new Error("Issuer returned: policy not accepted")), undefined);
});

void test("Retry-After is honoured (seconds or a date), within the wait budget", async () => {
    const throttled = (value: string): Error => Object.assign(new Error("throttled"), { statusCode: 429, response: { headers: { get: (n: string) => (n === "retry-after" ? value : undefined) } } });
    assert.equal(retryAfterMsOf(throttled("7")), 7_000);
    assert.equal(retryAfterMsOf(throttled(new Date(10_000).toUTCString()), () => 4_000), 6_000);
    assert.equal(retryAfterMsOf(new Error("no response")), undefined);
    const clock = fakeClock();
    let calls = 0;
    await retryWithBackoff(async () => {
        if (calls++ === 0) throw throttled("5");
        return "ok";
    }, options(clock, { initialDelayMs: 100 }));
    assert.deepEqual(clock.sleeps, [5_000], "waited what the server asked, not the 100 ms backoff");
    const capped = fakeClock();
    await assert.rejects(retryWithBackoff(async () => Promise.reject(throttled("600")), options(capped, { maxTotalWaitMs: 2_000 })), (err: unknown) => isRetryExhausted(err));
    assert.ok(capped.sleeps.every((ms) => ms <= 2_000), "never past the budget");
});
