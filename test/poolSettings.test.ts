// A pool's updatable settings, sent as Batch's PATCH by the provider as
// `pulumi up` runs it: serialized, served by Pulumi's dynamic-provider process,
// on @azure/arm-batch with the default credential, reaching a loopback
// Resource Manager through the loopback proxy. The pool lives in the same model
// of Azure the azure-native stand-in keeps, which refuses a PUT of the whole
// body to a pool with nodes, as Batch does.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
    covers,
    defaultPoolClientFactory,
    makePoolSettingsProvider,
    observedSettings,
    patchFor,
    type PoolSettingsInputs,
    type PoolSettingsOutputs,
    type PoolSettingsProviderOptions,
} from "../components/poolSettingsProvider";
import { getResource, nodeCount, patchPool, putResource } from "./engine/standin/azureModel";
import type { ArmEndpoint } from "./support/armEndpoint";
import { type ShippedArmProvider, startShippedArmProvider } from "./support/shippedArmProvider";
import type { ShippedProvider } from "./support/shippedProvider";

const POOLS = "/subscriptions/272d4431-d5de-5e67-80ea-484f51dabce8/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/bcr/pools";
const fixed = (n: number) => ({ fixedScale: { targetDedicatedNodes: n, resizeTimeout: "PT15M" } });
const SHORT: Partial<PoolSettingsProviderOptions> = {
    resizeWaitMs: 600,
    pollIntervalMs: 100,
    requestTimeoutMs: 2_000,
    retry: { maxAttempts: 2, maxTotalWaitMs: 200, initialDelayMs: 20, maxDelayMs: 50 },
};

void describe("which settings a PATCH carries", () => {
    void it("Azure's defaults are no difference; a changed node count, metadata cleared or a new start task are", () => {
        const current = {
            scaleSettings: { fixedScale: { targetDedicatedNodes: 1, resizeTimeout: "PT15M", nodeDeallocationOption: "Requeue" } },
            metadata: [{ name: "team", value: "batch" }],
            startTask: { commandLine: "echo hi", maxTaskRetryCount: 0, waitForSuccess: true, userIdentity: { autoUser: { scope: "Pool" } } },
        };
        const wanted = { scaleSettings: fixed(1), metadata: [{ name: "team", value: "batch" }], startTask: { commandLine: "echo hi", maxTaskRetryCount: 0, waitForSuccess: true } };
        assert.ok(covers(current.scaleSettings, wanted.scaleSettings));
        assert.deepEqual(patchFor(current, wanted), {});
        assert.deepEqual(patchFor(current, { ...wanted, scaleSettings: fixed(3) }), { scaleSettings: fixed(3) });
        assert.deepEqual(patchFor(current, { scaleSettings: fixed(1), startTask: wanted.startTask }), { metadata: [] });
        assert.deepEqual(patchFor(current, { ...wanted, startTask: { commandLine: "echo bye" } }), { startTask: { commandLine: "echo bye" } });
        assert.deepEqual(observedSettings(current, { ...wanted, scaleSettings: fixed(3) }), { ...wanted, scaleSettings: current.scaleSettings });
    });
});

void describe("the pool settings provider as shipped, against a loopback Resource Manager", () => {
    let model: string;
    let arm: ArmEndpoint;
    let provider: ShippedProvider<PoolSettingsInputs, PoolSettingsOutputs>;
    let shipped: ShippedArmProvider<PoolSettingsInputs, PoolSettingsOutputs>;
    let pools = 0;

    /** A pool with `nodes` dedicated nodes, as the azure-native stand-in would have created it. */
    function runningPool(nodes: number, metadata?: { name: string; value: string }[]): PoolSettingsInputs {
        const poolId = `${POOLS}/pool${++pools}`;
        const created = putResource(model, poolId, {
            properties: { vmSize: "Standard_D2s_v5", scaleSettings: fixed(nodes), ...(metadata ? { metadata } : {}), deploymentConfiguration: { virtualMachineConfiguration: {} } },
        });
        assert.equal(created.status, 201);
        return { poolId, armEndpoint: "https://management.azure.com", settings: { scaleSettings: fixed(nodes), ...(metadata ? { metadata } : {}) } };
    }

    before(async () => {
        shipped = await startShippedArmProvider(makePoolSettingsProvider(defaultPoolClientFactory, SHORT), "pool-settings-");
        ({ model, arm, provider } = shipped);
    });
    after(async () => {
        await shipped?.close();
    });

    void it("Batch refuses azure-native's whole-body PUT to a pool with nodes, but the provider's PATCH changes the node count", async () => {
        const inputs = runningPool(2);
        const body = getResource(model, inputs.poolId).body;
        assert.equal(putResource(model, inputs.poolId, { ...body, properties: { ...(body.properties as object), scaleSettings: fixed(4) } }).status, 400);

        const created = await provider.create(inputs);
        assert.equal(arm.calls.filter((c) => c.method === "PATCH").length, 0, "nothing to change at create");
        await provider.update(created.id, created.outs ?? inputs, { ...inputs, settings: { scaleSettings: fixed(4) } });
        const patches = arm.calls.filter((c) => c.method === "PATCH");
        assert.deepEqual(patches.map((c) => [c.apiVersion, c.body, c.status]), [["2024-07-01", { properties: { scaleSettings: fixed(4) } }, 200]]);
        assert.equal(nodeCount(model, inputs.poolId), 4);
    });

    void it("metadata taken out of the configuration is cleared; the diff says update, never replace", async () => {
        const inputs = runningPool(1, [{ name: "team", value: "batch" }]);
        const news = { ...inputs, settings: { scaleSettings: fixed(1) } };
        assert.deepEqual(await provider.diff("id", inputs, news), { changes: true, replaces: [] });
        await provider.update("id", inputs, news);
        assert.deepEqual((getResource(model, inputs.poolId).body.properties as { metadata: unknown }).metadata, []);
    });

    void it("refresh shows a node count changed outside Pulumi, and a pool deleted outside Pulumi as gone", async () => {
        const inputs = runningPool(2);
        assert.equal(patchPool(model, inputs.poolId, { properties: { scaleSettings: fixed(5) } }).status, 200);
        const read = await provider.read("id", inputs);
        assert.deepEqual(read.props?.settings.scaleSettings, fixed(5));
        assert.deepEqual(await provider.diff("id", read.props as PoolSettingsOutputs, inputs), { changes: true, replaces: [] });

        const gone = { ...inputs, poolId: `${POOLS}/never-created` };
        assert.deepEqual(await provider.read("id", gone), { id: "", props: undefined });
    });

    void it("a resize in progress is waited out, and past the bound refused naming the pool and the fix", async () => {
        const inputs = runningPool(1);
        const name = inputs.poolId.split("/").pop() ?? "";
        arm.resizing.start(name);
        setTimeout(() => arm.resizing.stop(name), 250);
        await provider.update("id", inputs, { ...inputs, settings: { scaleSettings: fixed(2) } });
        assert.equal(nodeCount(model, inputs.poolId), 2);

        arm.resizing.start(name);
        await assert.rejects(provider.update("id", inputs, { ...inputs, settings: { scaleSettings: fixed(3) } }), (err: Error) => {
            assert.match(err.message, new RegExp(`^update pool "${name}" in Batch account "bcr": a resize has been in progress for over 1 s, .*Fix: wait for it to end .*az batch pool stop-resize --pool-id ${name}`));
            return true;
        });
        arm.resizing.stop(name);
        assert.equal(nodeCount(model, inputs.poolId), 2, "no PATCH while resizing");
    });

    void it("Resource Manager out of reach is reported as such, in one line", async () => {
        const inputs = runningPool(1);
        const elsewhere = { ...inputs, armEndpoint: "https://management.unreachable.example" };
        const started = Date.now();
        await assert.rejects(provider.create(elsewhere), (err: Error) => {
            assert.ok(!err.message.includes("\n"), err.message);
            assert.match(err.message, /^update pool "pool\d+" in Batch account "bcr" \(scaleSettings\): can't reach Azure Resource Manager at https:\/\/management\.unreachable\.example \(a proxy or gateway answered HTTP 502 instead of Azure: Unable to resolve host name management\.unreachable\.example\)\. Fix: check the network path/);
            return true;
        });
        assert.ok(Date.now() - started < 8_000);
    });
});
