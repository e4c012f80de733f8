// The component in the preview of a new stack, under Pulumi's mocks in preview
// mode, answering as azure-native's preview does (every output Azure computes
// unknown): what a reviewer and the policy pack can read there. Values from
// configuration must stay known; only the leaves Azure computes may be unknown.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { AZURE_TYPES } from "../components/azureFacts";
import { CertRotationPool, type CertRotationPoolArgs } from "../components/certRotationPool";
import { checkStack } from "../policy/rules";
import { invokeAnswer, resourceAnswer, type State } from "../tools/plan/answers";
import { previewCreateOutputs } from "./engine/standin/azureNative";

interface Registered {
    type: string;
    name: string;
    inputs: State;
}

const registered: Registered[] = [];

/** How a value unknown in the preview reaches the mocks. */
function isUnknown(value: unknown): boolean {
    return value === undefined || (typeof value === "object" && value !== null && "__pulumiUnknown" in value);
}

/** azure-native's answers in a preview (test/engine/standin/azureNative.ts): inputs carried over, the rest unknown. */
const previewMocks: pulumi.runtime.Mocks = {
    newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as State });
        if (args.custom === false) return { id: undefined, state: {} };
        // An answer needs the resource's URL, which an unknown input (a role assignment's scope) leaves unknown too.
        const answered = ((): State => {
            try {
                return resourceAnswer(args.type, args.name, args.inputs as State).state;
            } catch {
                return args.inputs as State;
            }
        })();
        return { id: undefined, state: previewCreateOutputs(args.inputs as State, answered) };
    },
    call: (args) => invokeAnswer(args.token, args.inputs as State),
};

const ARGS: CertRotationPoolArgs = {
    location: "westus2",
    resourceGroupName: "rg-test",
    batchAccount: { name: "batchacct", resourceGroupName: "rg-batch" },
    keyVault: { authorization: "rbac" },
    certificates: [{ name: "web", subject: "CN=web.example.com", renewal: { daysBeforeExpiry: 30 } }],
    pool: {
        vmSize: "Standard_D2s_v5",
        image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" },
        // Retired: the advisory rule must be able to say so in the preview.
        nodeAgentSkuId: "batch.node.ubuntu 20.04",
    },
    keyVaultExtension: { pollingIntervalInS: 600 },
};

function only(type: string): Registered {
    const found = registered.filter((r) => r.type === type);
    assert.equal(found.length, 1, `${type}: ${found.length} registered`);
    return found[0];
}

describe("the preview of a new stack (outputs Azure computes unknown)", () => {
    before(async () => {
        await pulumi.runtime.setMocks(previewMocks, "batch-cert-rotation", "preview", true);
        new CertRotationPool("rot", ARGS);
        // Registrations go out asynchronously; a tick of the RPC queue lets them all arrive.
        await new Promise((resolve) => setTimeout(resolve, 500));
    });

    it("the pool's name, image, node agent, VM size and the extension's type, version and polling are known", () => {
        const pool = only(AZURE_TYPES.pool).inputs as {
            poolName?: string; vmSize?: string;
            deploymentConfiguration?: { virtualMachineConfiguration?: { imageReference?: unknown; nodeAgentSkuId?: string;
                extensions?: { type?: string; typeHandlerVersion?: string; settings?: { secretsManagementSettings?: Record<string, unknown>;
                    authenticationSettings?: { msiEndpoint?: string; msiClientId?: string } } }[] } };
        };
        assert.match(pool.poolName ?? "", /^rot-[0-9a-f]{8}$/);
        assert.equal(pool.vmSize, "Standard_D2s_v5");
        const vm = pool.deploymentConfiguration?.virtualMachineConfiguration;
        assert.deepEqual(vm?.imageReference, { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" });
        assert.equal(vm?.nodeAgentSkuId, "batch.node.ubuntu 20.04");
        const [extension] = vm?.extensions ?? [];
        assert.equal(extension?.type, "KeyVaultForLinux");
        assert.equal(extension?.typeHandlerVersion, "3.0");
        assert.equal(extension?.settings?.secretsManagementSettings?.pollingIntervalInS, "600");
        assert.equal(extension?.settings?.authenticationSettings?.msiEndpoint, "http://169.254.169.254/metadata/identity");
        // The leaves Azure computes are unknown here (the mocks drop them): the preview is a real one.
        assert.ok(isUnknown(extension?.settings?.authenticationSettings?.msiClientId));
    });

    it("role-assignment names are known, though the principal IDs are not", () => {
        const assignments = registered.filter((r) => r.type === AZURE_TYPES.roleAssignment);
        assert.equal(assignments.length, 2);
        for (const a of assignments) assert.match(String(a.inputs.roleAssignmentName), /^[0-9a-f-]{36}$/, a.name);
        assert.ok(assignments.some((a) => isUnknown(a.inputs.principalId)), "the identity's principal ID should be unknown in this preview");
    });

    it("the policy pack's configuration-only rules evaluate the pool in the preview", () => {
        const violations = checkStack({ resources: registered.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })), identities: [] });
        assert.ok(violations.some((v) => v.rule === "pool-node-agent-sku-not-retired"),
            `the retired node agent SKU went unseen: ${JSON.stringify(violations.map((v) => v.rule))}`);
    });
});
