// TEST ONLY: a dynamic provider exactly as `pulumi up` runs it. Its code is
// serialized by the call pulumi.dynamic.Resource makes (serializeFunction of
// `() => provider`, secrets allowed), and the text is loaded and served by
// Pulumi's own dynamic-provider process (pulumi-resource-pulumi-nodejs, from
// @pulumi/pulumi), started in the project folder as the engine starts it and
// spoken to over the provider protocol as the engine speaks to it. A construct
// that doesn't survive serialization (a Set, a Map, module state, an Error
// subclass) fails here as it fails in a deployment.
import * as grpc from "@grpc/grpc-js";
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as pulumi from "@pulumi/pulumi";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";

const PROJECT_DIR = resolve(__dirname, "../..");
const SHIM = join(dirname(require.resolve("@pulumi/pulumi/package.json")), "pulumi-resource-pulumi-nodejs");
const PROVIDER_KEY = "__provider";

type Props = Record<string, unknown>;

/** The provider's methods, answered by the dynamic-provider process. */
export interface ShippedProvider<I extends object, O extends object> {
    /** The serialized text, as it lands in the state file. */
    text: string;
    create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
    read(id: string, props?: O): Promise<pulumi.dynamic.ReadResult<O>>;
    diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
    update(id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
    delete(id: string, props: O): Promise<void>;
    /** What the process wrote to stderr (a crash, a stack trace). */
    stderr(): string;
    close(): Promise<void>;
}

/** The text `pulumi up` stores as `__provider` for this provider object. */
export async function serializeAsPulumiDoes(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
    // The same call as @pulumi/pulumi's dynamic/index.js serializeFunctionMaybeSecret.
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    return serialized.text;
}

function toStruct(value: Props): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Parameters<typeof Struct.fromJavaScript>[0]);
}

function withoutProvider<T>(struct: Struct | undefined): T | undefined {
    if (struct === undefined) return undefined;
    const props = struct.toJavaScript() as Props;
    delete props[PROVIDER_KEY];
    return (Object.keys(props).length === 0 ? undefined : props) as T | undefined;
}

export async function startShippedProvider<I extends object, O extends object>(
    provider: pulumi.dynamic.ResourceProvider<I, O>,
    env: Record<string, string>,
): Promise<ShippedProvider<I, O>> {
    const text = await serializeAsPulumiDoes(provider as pulumi.dynamic.ResourceProvider);
    // The engine's address is only used for logging; the process never dials it unless it logs.
    // Its own process group: the shim is a shell script that starts node, and both must go on close.
    const child: ChildProcess = spawn(SHIM, ["127.0.0.1:1"], { cwd: PROJECT_DIR, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((ok, fail) => {
        let out = "";
        child.stdout?.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            const line = out.split("\n")[0];
            if (out.includes("\n") && /^\d+$/.test(line.trim())) ok(Number(line.trim()));
        });
        child.once("exit", (code) => fail(new Error(`dynamic-provider process exited (${code}) before serving: ${stderr}`)));
    });
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const urn = "urn:pulumi:test::batch-cert-rotation::pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate::shipped";
    const withText = (props: object): Struct => toStruct({ ...props, [PROVIDER_KEY]: text });

    function call<Res>(invoke: (cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
        return new Promise((ok, fail) => {
            invoke((err, res) => {
                // The engine shows the user `details`: so does this.
                if (err) fail(new Error(err.details || err.message));
                else ok(res);
            });
        });
    }

    await call<providerProto.ConfigureResponse>((cb) => client.configure(new providerProto.ConfigureRequest().setArgs(toStruct({})), cb));

    return {
        text,
        async create(inputs) {
            const res = await call<providerProto.CreateResponse>((cb) => client.create(new providerProto.CreateRequest().setUrn(urn).setProperties(withText(inputs)), cb));
            return { id: res.getId(), outs: withoutProvider<O>(res.getProperties()) };
        },
        async read(id, props) {
            const res = await call<providerProto.ReadResponse>((cb) => client.read(new providerProto.ReadRequest().setId(id).setUrn(urn).setProperties(withText(props ?? {})).setInputs(withText(props ?? {})), cb));
            const id2 = res.getId();
            return { id: id2, props: id2 === "" ? undefined : withoutProvider<O>(res.getProperties()) };
        },
        async diff(id, olds, news) {
            const res = await call<providerProto.DiffResponse>((cb) => client.diff(new providerProto.DiffRequest().setId(id).setUrn(urn).setOlds(withText(olds)).setNews(withText(news)), cb));
            const changes = res.getChanges();
            return {
                changes: changes === providerProto.DiffResponse.DiffChanges.DIFF_SOME ? true : changes === providerProto.DiffResponse.DiffChanges.DIFF_NONE ? false : undefined,
                replaces: res.getReplacesList(),
                ...(res.getDeletebeforereplace() ? { deleteBeforeReplace: true } : {}),
            };
        },
        async update(id, olds, news) {
            const res = await call<providerProto.UpdateResponse>((cb) => client.update(new providerProto.UpdateRequest().setId(id).setUrn(urn).setOlds(withText(olds)).setNews(withText(news)), cb));
            return { outs: withoutProvider<O>(res.getProperties()) };
        },
        async delete(id, props) {
            await call((cb) => client.delete(new providerProto.DeleteRequest().setId(id).setUrn(urn).setProperties(withText(props)), cb));
        },
        stderr: () => stderr,
        close: async () => {
            client.close();
            if (child.exitCode === null && child.pid !== undefined) {
                const exited = new Promise((ok) => child.once("exit", ok));
                process.kill(-child.pid, "SIGTERM");
                await exited;
            }
        },
    };
}
