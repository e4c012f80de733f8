import { test } from "node:test";
import assert from "node:assert/strict";
import { RetryExhaustedError, isRetryable, retryWithBackoff, type RetryOptions } from "../components/retry";

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
            assert.ok(err instanceof RetryExhaustedError);
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
        (err: unknown) => err instanceof RetryExhaustedError && /HTTP 503/.test(err.message) && /check the vault is reachable/.test(err.message),
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
