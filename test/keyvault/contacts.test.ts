// The certificate-contacts resource against the loopback Key Vault endpoint,
// in this process and as `pulumi up` ships it (serialized, served by Pulumi's
// dynamic-provider process, reaching the vault through the loopback proxy
// with the SDK's default client). Every answer is compared with the recorded
// contacts session and every request checked against the 2025-07-01 spec.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { KEY_VAULT_API_VERSION } from "../../components/certificatePolicy";
import {
    type ContactsInputs,
    type ContactsOutputs,
    defaultContactsClientFactory,
    diffContacts,
    makeContactsProvider,
} from "../../components/certificateContactsProvider";
import { startLoopbackNetwork } from "../support/loopbackNetwork";
import { startShippedProvider } from "../support/shippedProvider";
import { startKeyVaultEndpoint, type KeyVaultEndpoint } from "./endpoint";
import { loopbackCertificateClient } from "./loopbackClient";
import { checkAnswers } from "./recorded";
import { PROVIDER_MODES, type ProviderMode, SHORT_BOUNDS, VAULT_HOST, VAULT_URI, timedRejection } from "./support";

const OWNERS = [{ email: "certificates@example.com", name: "Certificate owners" }];
const ON_CALL = [{ email: "oncall@example.com", phone: "+1 555 0100" }, { email: "owners@example.com" }];
const inputs = (contacts: ContactsInputs["contacts"]): ContactsInputs => ({ vaultUri: VAULT_URI, contacts });

for (const mode of PROVIDER_MODES) {
    describe(`certificate contacts (${mode})`, () => {
        let endpoint: KeyVaultEndpoint;
        let provider: pulumi.dynamic.ResourceProvider<ContactsInputs, ContactsOutputs>;
        let close = async (): Promise<void> => undefined;
        before(async () => {
            endpoint = await startKeyVaultEndpoint();
            ({ provider, close } = await startProvider(mode, endpoint));
        });
        after(async () => {
            await close();
            await endpoint.close();
        });
        afterEach(() => {
            const calls = endpoint.calls.splice(0);
            endpoint.faults.clear();
            assert.deepEqual(checkAnswers(calls), []);
            assert.deepEqual(calls.flatMap((c) => c.specProblems.map((p) => `${c.method} ${c.path}: ${p}`)), []);
            for (const call of calls) {
                assert.equal(call.query["api-version"], KEY_VAULT_API_VERSION, `${call.method} ${call.path}`);
                assert.equal(call.vaultHost, VAULT_HOST);
            }
        });

        it("create sets the list (SetCertificateContacts) and names the collection", async () => {
            const created = await provider.create(inputs(OWNERS));
            assert.equal(created.id, "https://kvcertrotationtest.vault.azure.net/certificates/contacts");
            assert.deepEqual(created.outs, { ...inputs(OWNERS), contactsId: created.id });
            assert.deepEqual(endpoint.contacts(VAULT_HOST), OWNERS);
            const put = endpoint.calls.filter((c) => c.method === "PUT" && c.authorized);
            assert.deepEqual(put.map((c) => c.operationId), ["SetCertificateContacts"]);
            assert.deepEqual(put[0].body, { contacts: [{ email: "certificates@example.com", name: "Certificate owners" }] });
        });

        it("read reports what the vault holds; update replaces the whole list", async () => {
            const created = await provider.create(inputs(OWNERS));
            const read = await provider.read?.(created.id, created.outs as ContactsOutputs);
            assert.deepEqual(read?.props?.contacts, OWNERS);
            const updated = await provider.update?.(created.id, created.outs as ContactsOutputs, inputs(ON_CALL));
            assert.deepEqual(updated?.outs?.contacts, ON_CALL);
            assert.deepEqual(endpoint.contacts(VAULT_HOST), ON_CALL);
            const again = await provider.read?.(created.id, updated?.outs as ContactsOutputs);
            assert.deepEqual(again?.props?.contacts, ON_CALL);
        });

        it("delete removes them (DeleteCertificateContacts); contacts deleted out of band read as gone and delete again quietly", async () => {
            const created = await provider.create(inputs(OWNERS));
            await provider.delete?.(created.id, created.outs as ContactsOutputs);
            assert.equal(endpoint.contacts(VAULT_HOST), undefined);
            const read = await provider.read?.(created.id, created.outs as ContactsOutputs);
            assert.equal(read?.id, "", "refresh drops them from the state, so `up` sets them again");
            await provider.delete?.(created.id, created.outs as ContactsOutputs);
            assert.deepEqual(endpoint.calls.filter((c) => c.method === "DELETE" && c.authorized).map((c) => c.status), [200, 404]);
        });

        it("a deployer the vault refuses (403, as while a grant propagates) is retried within bounds, then told the fix", async () => {
            endpoint.faults.inject({ kind: "forbiddenByRbac", path: /\/certificates\/contacts$/ });
            const { error } = await timedRejection(() => provider.create(inputs(OWNERS)));
            assert.match(error.message, /^set certificate contacts of https:\/\/kvcertrotationtest\.vault\.azure\.net\/: still failing with HTTP 403 after 3 attempt/);
            assert.match(error.message, /Fix: .*Key Vault Certificates Officer \(or certificate permissions in the vault's access policy\)/);
            assert.equal(endpoint.calls.filter((c) => c.authorized && c.method === "PUT").length, SHORT_BOUNDS.retry?.maxAttempts);
        });

        // Shipped only: the in-process loopback client sends every vault URI to the endpoint.
        if (mode === "shipped") it("a vault it can't reach is named as such", async () => {
            const unreachable = { ...inputs(OWNERS), vaultUri: "https://127.0.0.1:9/" };
            const { error } = await timedRejection(() => provider.create(unreachable));
            assert.match(error.message, /^set certificate contacts of https:\/\/127\.0\.0\.1:9\/: can't reach the vault at https:\/\/127\.0\.0\.1:9\/ \(ECONNREFUSED: /);
        });
    });
}

describe("certificate contacts: diff", () => {
    const olds: ContactsOutputs = { ...inputs(OWNERS), contactsId: "https://kvcertrotationtest.vault.azure.net/certificates/contacts" };
    it("same list, no change; another list, an update; another vault, a replacement", () => {
        assert.deepEqual(diffContacts(olds, inputs([{ email: "certificates@example.com", name: "Certificate owners" }])), { changes: false, replaces: [] });
        assert.deepEqual(diffContacts(olds, inputs(ON_CALL)), { changes: true, replaces: [] });
        assert.deepEqual(diffContacts(olds, { ...inputs(OWNERS), vaultUri: "https://other.vault.azure.net/" }),
            { changes: true, replaces: ["vaultUri"], deleteBeforeReplace: false });
        assert.deepEqual(diffContacts(olds, { ...inputs(OWNERS), vaultUri: "https://KVCERTROTATIONTEST.vault.azure.net" }), { changes: false, replaces: [] });
    });
});

async function startProvider(mode: ProviderMode, endpoint: KeyVaultEndpoint): Promise<{
    provider: pulumi.dynamic.ResourceProvider<ContactsInputs, ContactsOutputs>;
    close: () => Promise<void>;
}> {
    if (mode === "module") {
        const loopback = { endpoint: endpoint.url, token: endpoint.token, caPem: endpoint.caPem, sdkRetry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 50 } };
        const provider = makeContactsProvider((vaultUri, options) => loopbackCertificateClient(vaultUri, loopback, options.requestTimeoutMs), SHORT_BOUNDS);
        return { provider, close: () => Promise.resolve() };
    }
    const network = await startLoopbackNetwork(endpoint);
    const shipped = await startShippedProvider(makeContactsProvider(defaultContactsClientFactory, SHORT_BOUNDS), {
        ...network.env,
        PATH: network.pathWith(process.env.PATH ?? ""),
    });
    return {
        provider: shipped,
        close: async () => {
            await shipped.close();
            await network.close();
        },
    };
}
