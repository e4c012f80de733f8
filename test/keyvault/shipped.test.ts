// The failures a user meets first, on the provider as `pulumi up` runs it
// (serialized, served by Pulumi's dynamic-provider process, the SDK's default
// client and credential chain): every kind of "can't reach the vault" is
// reported as that, with the vault's URL and the network fix, in one line,
// within a bounded time. These run real failures on loopback: a proxy that
// can't resolve the name, a closed port, a server that never answers, a TLS
// certificate nobody trusts.
import assert from "node:assert/strict";
import * as https from "node:https";
import * as net from "node:net";
import { after, before, describe, it } from "node:test";
import type { CertificateInputs } from "../../components/certificateProvider";
import { loopbackTls } from "./x509";
import type { LoopbackProxy } from "../support/loopbackProxy";
import { type Harness, SHORT_BOUNDS, startHarness, startShipped, timedRejection } from "./support";

const BOUND_MS = 8_000;
const NETWORK_FIX = "Fix: check the network path from where pulumi runs to the vault: DNS (the vault's private DNS zone), its firewall, and the proxy in HTTPS_PROXY/NO_PROXY if one is set";

function listen(server: net.Server): Promise<number> {
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}

async function closedPort(): Promise<number> {
    const server = net.createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    return port;
}

function expectUnreachable(message: string, name: string, vaultUri: string, cause: RegExp): void {
    assert.ok(!message.includes("\n"), `one line: ${message}`);
    assert.ok(message.startsWith(`create certificate "${name}" in ${vaultUri}: can't reach the vault at ${vaultUri} (`), message);
    assert.match(message, cause);
    assert.ok(message.endsWith(NETWORK_FIX), message);
    assert.doesNotMatch(message, /issuance|issuer|\[object Object\]|undefined/);
}

describe("the provider as shipped: a vault it can't reach is reported as such", () => {
    let h: Harness;
    let proxy: LoopbackProxy;
    let inputs: (name: string, vaultUri: string) => CertificateInputs;
    const servers: net.Server[] = [];
    before(async () => {
        h = await startHarness({}, SHORT_BOUNDS, "shipped");
        assert.ok(h.proxy, "the shipped harness reaches vaults through the loopback proxy");
        proxy = h.proxy;
        inputs = (name, vaultUri) => ({ ...h.inputs({ name }), vaultUri });
    });
    after(async () => {
        for (const server of servers) server.close();
        await h.close();
    });

    it("a vault name that doesn't resolve (the proxy says so): not retried, no Key Vault status blamed", async () => {
        const vaultUri = "https://kv-nowhere.vault.azure.net/";
        proxy.unresolvable("kv-nowhere.vault.azure.net");
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(inputs("dns", vaultUri)));
        expectUnreachable(error.message, "dns", vaultUri, /\(a proxy or gateway answered HTTP 502 instead of Key Vault: Unable to resolve host name kv-nowhere\.vault\.azure\.net\)/);
        assert.equal(proxy.connects.filter((c) => c.startsWith("kv-nowhere.")).length, 1, "one attempt: waiting doesn't make a name resolve");
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });

    it("a refused connection, direct (NO_PROXY) and through the proxy", async () => {
        const port = await closedPort();
        const direct = `https://127.0.0.1:${port}/`;
        const first = await timedRejection(() => h.provider.create(inputs("refused", direct)));
        expectUnreachable(first.error.message, "refused", direct, /\(ECONNREFUSED: /);
        assert.ok(first.elapsedMs < BOUND_MS, `${first.elapsedMs} ms`);

        proxy.route("kv-refused.vault.azure.net", port);
        const proxied = "https://kv-refused.vault.azure.net/";
        const second = await timedRejection(() => h.provider.create(inputs("refused", proxied)));
        expectUnreachable(second.error.message, "refused", proxied, /\(a proxy or gateway answered HTTP 502 instead of Key Vault: Connection to kv-refused\.vault\.azure\.net:443 failed: ECONNREFUSED\)/);
        assert.ok(second.elapsedMs < BOUND_MS, `${second.elapsedMs} ms`);
    });

    it("a TLS certificate the client doesn't trust (a TLS-inspecting proxy whose CA is not in NODE_EXTRA_CA_CERTS)", async () => {
        const untrusted = await loopbackTls();
        const server = https.createServer({ key: untrusted.keyPem, cert: untrusted.certPem }, (_req, res) => res.end("{}"));
        servers.push(server);
        proxy.route("kv-inspected.vault.azure.net", await listen(server));
        const vaultUri = "https://kv-inspected.vault.azure.net/";
        const { error, elapsedMs } = await timedRejection(() => h.provider.create(inputs("tls", vaultUri)));
        expectUnreachable(error.message, "tls", vaultUri, /\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|CERT_SIGNATURE_FAILURE): /);
        assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
    });

    it("a vault address that accepts connections and never answers: each attempt bounded by the request timeout", async () => {
        const silent = net.createServer(() => undefined);
        servers.push(silent);
        const vaultUri = `https://127.0.0.1:${await listen(silent)}/`;
        const shipped = await startShipped(h.endpoint, { ...SHORT_BOUNDS, requestTimeoutMs: 300 });
        try {
            const { error, elapsedMs } = await timedRejection(() => shipped.provider.create(inputs("silent", vaultUri)));
            expectUnreachable(error.message, "silent", vaultUri, /\(ETIMEDOUT: no answer within 0\.3 s \(POST https:\/\/127\.0\.0\.1:\d+\)\)/);
            assert.ok(elapsedMs < BOUND_MS, `${elapsedMs} ms`);
        } finally {
            await shipped.close();
        }
    });

    it("ships no test switch: the serialized provider reads no variable of this project's", async () => {
        const shipped = await startShipped(h.endpoint, SHORT_BOUNDS);
        try {
            assert.doesNotMatch(shipped.provider.text, /BATCH_CERT_ROTATION|TEST_KEYVAULT|LOOPBACK/);
        } finally {
            await shipped.close();
        }
    });
});
