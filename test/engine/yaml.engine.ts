// The component consumed as a Pulumi package by a Pulumi YAML program
// (examples/yaml), through the real engine: the CLI, the YAML language host
// (built by toolchain.sh from github.com/pulumi/pulumi-yaml), and the
// component's provider started as the CLI starts any plugin, from the
// executable provider/pulumi-resource-batch-cert-rotation on PATH. The YAML
// program is the dev stack written in YAML; the TypeScript dev stack runs in
// its own session beside it, and the stand-ins' records of both are compared.
// What this can't show: `pulumi package add` itself, which needs the Node.js
// host's RunPlugin (not in the host built here; docs/component.md).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { CERTIFICATE_TYPE } from "../../components/azureFacts";
import { cli, type EngineSession, initStack, openSession, openStack, readCalls } from "./harness";
import { type EngineAzure, startEngineAzure, vaultHostOf } from "./keyvault";
import type { RecordedCall } from "./standin/provider";

const YAML_DIR = join("examples", "yaml");

interface Registered {
    urn: string;
    type: string;
    parent?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    custom?: boolean;
}

/** The engine's own bookkeeping (the stack, default providers), owning nothing in Azure. */
const isEngineOwn = (urn: string): boolean => urn.includes("::pulumi:pulumi:Stack::") || urn.includes("::pulumi:providers:");

async function registered(stack: Stack): Promise<Registered[]> {
    return ((await stack.exportStack()).deployment.resources as Registered[]).filter((r) => !isEngineOwn(r.urn));
}

/** What the stand-ins were asked to create, by URN, with the inputs they received (the engine's `__` fields aside). */
function creates(calls: RecordedCall[]): Map<string, Record<string, unknown>> {
    return new Map(calls.filter((c) => c.method === "Create" && !c.preview && c.urn !== undefined).map((c) => [c.urn as string,
        Object.fromEntries(Object.entries(c.inputs ?? {}).filter(([k]) => !k.startsWith("__")))]));
}

/** The stack's type in a URN differs by program (nodejs, yaml): everything after it is the resource's identity. */
const identity = (urn: string): string => urn.replace(/^urn:pulumi:[^:]+::[^:]+::/, "");

/** A session with the component's provider executable first on PATH, as a user puts an installed plugin there. */
async function providerSession(azure: EngineAzure): Promise<EngineSession> {
    const session = await openSession(azure.env);
    session.env.PATH = `${join(session.project, "provider")}:${session.env.PATH}`;
    return session;
}

describe("the YAML program (examples/yaml) through the real engine, with CertRotationPool as a Pulumi package", { concurrency: false }, () => {
    let tsAzure: EngineAzure;
    let yamlAzure: EngineAzure;
    let tsSession: EngineSession;
    let session: EngineSession;
    let tsStack: Stack;
    let stack: Stack;
    let yamlDir: string;

    before(async () => {
        tsAzure = await startEngineAzure();
        tsSession = await openSession(tsAzure.env);
        ({ stack: tsStack } = await openStack(tsSession, "dev", "Pulumi.dev.yaml"));
        yamlAzure = await startEngineAzure();
        session = await providerSession(yamlAzure);
        yamlDir = join(session.project, YAML_DIR);
        initStack(session, "dev", "Pulumi.dev.yaml", yamlDir);
        stack = await LocalWorkspace.selectStack({ stackName: "dev", workDir: yamlDir }, { envVars: session.env, pulumiCommand: session.command });
    });
    after(async () => {
        await yamlAzure?.close();
        await tsAzure?.close();
        session?.close();
        tsSession?.close();
    });

    it("pulumi up of the YAML program registers the TypeScript dev stack's resources, with the same inputs", async () => {
        const [tsResult, result] = [await tsStack.up(), await stack.up()];
        assert.equal(tsResult.summary.result, "succeeded");
        assert.equal(result.summary.result, "succeeded");

        const [tsResources, resources] = [await registered(tsStack), await registered(stack)];
        const shape = (rs: Registered[]) => rs.map((r) => ({ id: identity(r.urn), type: r.type, parent: r.parent && identity(r.parent) }))
            .sort((a, b) => a.id.localeCompare(b.id));
        assert.deepEqual(shape(resources), shape(tsResources), "the YAML program registered other resources than the TypeScript stack");

        const [tsCreates, yamlCreates] = [creates(readCalls(tsSession)), creates(readCalls(session))];
        const byIdentity = (m: Map<string, Record<string, unknown>>) => new Map([...m].map(([urn, inputs]) => [identity(urn), inputs]));
        const [want, got] = [byIdentity(tsCreates), byIdentity(yamlCreates)];
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), "the stand-ins were asked to create other resources");
        for (const [id, inputs] of want) assert.deepEqual(got.get(id), inputs, `${id}: other inputs than the TypeScript stack sent`);

        // The certificate is a dynamic resource, created by Pulumi's dynamic-provider process the provider's construct registered.
        const certs = (rs: Registered[]) => rs.filter((r) => r.type === CERTIFICATE_TYPE);
        assert.equal(certs(resources).length, 1);
        const [cert] = certs(resources);
        const vault = yamlAzure.endpoint.state(vaultHostOf(cert.outputs?.vaultUri as string));
        assert.deepEqual(vault.live, ["authcert"], "the loopback Key Vault holds no certificate the provider process created");
        assert.equal(vault.versions("authcert").length, 1);
        assert.deepEqual(
            { ...certs(resources)[0].inputs, __provider: undefined },
            { ...certs(tsResources)[0].inputs, __provider: undefined },
            "the certificate's inputs differ from the TypeScript stack's");
    });

    it("the component's outputs read in YAML: vault URI, versionless secret IDs, pool name, extension settings", async () => {
        const [tsOutputs, outputs] = [await tsStack.outputs(), await stack.outputs()];
        for (const key of ["vaultUri", "vaultName", "vaultId", "identityId", "identityClientId", "certificates", "poolName", "poolId", "osFamily", "keyVaultExtension"]) {
            assert.deepEqual(outputs[key]?.value, tsOutputs[key]?.value, `output ${key} differs from the TypeScript stack's`);
        }
        const vaultUri = outputs.vaultUri.value as string;
        assert.match(vaultUri, /^https:\/\/kv-certpool-[0-9a-f]+\.vault\.azure\.net\/$/);
        assert.equal(outputs.authcertSecretId.value, `${vaultUri}secrets/authcert`);
        const extension = outputs.keyVaultExtension.value as { settings: { secretsManagementSettings: { observedCertificates: string[] } } };
        assert.deepEqual(extension.settings.secretsManagementSettings.observedCertificates, [`${vaultUri}secrets/authcert`]);
    });

    it("bad input is refused with the one-line message TypeScript gives, no stack trace, nothing created", () => {
        const file = join(yamlDir, "Pulumi.yaml");
        const doc = parseDocument(readFileSync(file, "utf8"));
        doc.setIn(["resources", "certpool", "properties", "certificates", 0, "renewal"], { daysBeforeExpiry: 400 });
        writeFileSync(file, doc.toString());
        initStack(session, "bad", "Pulumi.dev.yaml", yamlDir);
        const run = cli(session, ["preview", "--stack", "bad", "--non-interactive", "--color", "never"], yamlDir);
        const output = run.stdout + run.stderr;
        assert.notEqual(run.code, 0, output);
        // ValidationError's own text, as `new CertRotationPool(...)` throws it in TypeScript (test/package.test.ts).
        assert.match(output, /CertRotationPool resource 'certpool' has a problem: invalid configuration:\n\s+- certificates\[0\]\.renewal\.daysBeforeExpiry: 400 is outside 1\.\.324 \(validityInMonths 12 x 27\)\n/);
        assert.doesNotMatch(output, /\n\s+at .+\(.+:\d+:\d+\)/, "the user sees a stack trace");
        // The preview's steps: the YAML program's own resource group and Batch account, never the component or a child.
        const planned = [...output.matchAll(/^ \+ +(\S+) \S+ create\s*$/gm)].map((m) => m[1]).filter((t) => t !== "pulumi:pulumi:Stack");
        assert.deepEqual(planned.sort(), ["azure-native:batch:BatchAccount", "azure-native:resources:ResourceGroup"],
            "the component or a child was planned despite the bad input");
    });
});
