// The failures a user meets first, through the real CLI: the certificate
// resource, as `pulumi up` runs it, can't reach the vault (its name doesn't
// resolve, as the proxy reports), then reaches it but the vault's firewall
// refuses the deployer. Each is one line naming the vault URL, the cause and
// the fix, with no stack trace, within a bounded time. Loopback only.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { type EngineSession, openSession, openStack } from "./harness";
import { type EngineAzure, startEngineAzure } from "./keyvault";
import { routeVaultsTo } from "../support/loopbackNetwork";

const BOUND_MS = 90_000;

/** What `pulumi up` printed when it failed, and how long it took. */
async function failedUp(stack: Stack, configFile: string): Promise<{ output: string; elapsedMs: number }> {
    const started = Date.now();
    try {
        await stack.up({ configFile, color: "never" });
    } catch (err) {
        return { output: String((err as Error).message), elapsedMs: Date.now() - started };
    }
    throw new Error("pulumi up succeeded; a failure was expected");
}

function errorLines(output: string): string[] {
    return output.split("\n").filter((l) => /KeyVaultCertificate|certificate "authcert"/.test(l) && /Fix: /.test(l));
}

describe("the certificate resource's failures through the real engine", { concurrency: false }, () => {
    let kv: EngineAzure;
    let session: EngineSession;
    let stack: Stack;
    let configFile: string;

    before(async () => {
        kv = await startEngineAzure({}, { routeVaults: false });
        session = await openSession(kv.env);
        ({ stack, configFile } = await openStack(session, "failures", "Pulumi.dev.yaml"));
    });
    after(async () => {
        await kv?.close();
        session?.close();
    });

    it("a vault whose name doesn't resolve: can't reach the vault at its URL, the proxy's reason and the network fix", async () => {
        const { output, elapsedMs } = await failedUp(stack, configFile);
        const lines = errorLines(output);
        assert.ok(lines.length >= 1, output);
        assert.match(lines[0], /create certificate "authcert" in (https:\/\/kv-[a-z0-9-]+\.vault\.azure\.net\/): can't reach the vault at \1 \(a proxy or gateway answered HTTP 502 instead of Key Vault: Unable to resolve host name kv-[a-z0-9-]+\.vault\.azure\.net\)\. Fix: check the network path from where pulumi runs to the vault: DNS \(the vault's private DNS zone\), its firewall, and the proxy in HTTPS_PROXY\/NO_PROXY if one is set/);
        assert.doesNotMatch(output, /issuance failed|\[object Object\]|error: undefined/);
        assert.doesNotMatch(output, /\n\s+at .+:\d+:\d+\)?\n/, "the user sees a stack trace");
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });

    it("the vault's firewall refuses the deployer: names the vault, the rule and the fix, not retried as propagation", async () => {
        routeVaultsTo(kv.network.proxy, kv.endpoint);
        kv.endpoint.faults.inject({ kind: "forbiddenByFirewall" });
        const { output, elapsedMs } = await failedUp(stack, configFile);
        const lines = errorLines(output);
        assert.ok(lines.length >= 1, output);
        assert.match(lines[0], /create certificate "authcert" in https:\/\/kv-[a-z0-9-]+\.vault\.azure\.net\/: the firewall of vault https:\/\/kv-[a-z0-9-]+\.vault\.azure\.net\/ refuses this client's address \(Key Vault answered 403 ForbiddenByFirewall: Client address is not authorized/);
        assert.match(lines[0], /Fix: add the deployer's public IP address to keyVault\.network\.ipRules/);
        assert.equal(kv.endpoint.calls.filter((c) => c.kind === "fault:forbiddenByFirewall").length, 1, "one attempt");
        assert.doesNotMatch(output, /\n\s+at .+:\d+:\d+\)?\n/, "the user sees a stack trace");
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });
});
