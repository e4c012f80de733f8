// The certificate resource runs as a serialized closure in Pulumi's
// dynamic-provider process. An error thrown there must still carry its
// message after Pulumi's own serializer rewrote the class, or the user reads
// "error: undefined" (as the real engine showed).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { keyVaultCallError, pollTimeoutError } from "../components/certificateProvider";
import { namedError } from "../components/retry";

async function thrownAfterSerialization(thrower: () => never): Promise<Error> {
    const serialized = await pulumi.runtime.serializeFunction(thrower, { isFactoryFunction: false });
    const module = { exports: {} as Record<string, () => never> };
    new Function("exports", "require", "module", serialized.text)(module.exports, require, module);
    try {
        module.exports[serialized.exportName]();
    } catch (err) {
        return err as Error;
    }
    throw new Error("the serialized function did not throw");
}

describe("errors of the serialized certificate provider", () => {
    const cases: [string, () => never][] = [
        ["RetryExhaustedError", () => { throw namedError("RetryExhaustedError", "still failing with HTTP 403. Fix: wait", undefined, { attempts: 3 }); }],
        ["PollTimeoutError", () => { throw pollTimeoutError("issuance still in progress. Fix: check the CA"); }],
        ["KeyVaultCallError", () => { throw keyVaultCallError("Key Vault answered 400. Fix: check the policy", "400"); }],
    ];
    for (const [name, thrower] of cases) {
        it(`${name} keeps its message and name`, async () => {
            const err = await thrownAfterSerialization(thrower);
            assert.match(err.message, /Fix: /);
            assert.equal(err.name, name);
        });
    }
});
