// TEST DOUBLE for the azure-native and azuread provider plugins, for the
// engine suite only. Their real binaries can't be had here, so the engine
// finds this one on PATH as `pulumi-resource-<name>`. It speaks Pulumi's
// provider protocol directly (the Node.js provider SDK's server doesn't
// announce preview support, and then the engine echoes inputs as outputs),
// answers from tools/plan/answers.ts, the same source as the offline plan's
// mocks, and records every call so tests can assert on what the engine asked.
//
// What it mirrors of azure-native (provider/pkg/provider/diff.go and PR #408):
// a change to a parameter of the resource's URL (or its location) replaces,
// any other change updates in place; during preview of a create, every output
// that Azure computes is unknown, inputs are carried over.
import * as grpc from "@grpc/grpc-js";
import { appendFileSync, readFileSync } from "node:fs";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import * as pluginProto from "@pulumi/pulumi/proto/plugin_pb";
import { isPlainObject } from "../../../components/json";
import { invokeAnswer, resourceAnswer, type State } from "../../../tools/plan/answers";
import { PATH_PARAMETERS } from "../../../tools/plan/render";

/** The engine's marker for a value not known until the resource exists. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One line of the call log (JSON Lines, one file shared by every stand-in process of a run). */
export interface RecordedCall {
    plugin: string;
    method: "Check" | "Diff" | "Create" | "Read" | "Update" | "Delete" | "Invoke";
    type?: string;
    name?: string;
    urn?: string;
    preview?: boolean;
    inputs?: State;
    /** Diff only: what the stand-in decided. */
    diff?: { changes: boolean; replaces: string[] };
}

/** Top-level inputs that force a replacement in azure-native besides the URL's parameters. */
const ALSO_REPLACES = ["location"];

function urnName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

function urnType(urn: string): string {
    const parts = urn.split("::");
    return (parts[2] ?? "").split("$").pop() ?? "";
}

function toJs(struct: Struct | undefined): State {
    return (struct?.toJavaScript() ?? {}) as State;
}

function toStruct(value: State): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Parameters<typeof Struct.fromJavaScript>[0]);
}

/** Outputs during preview of a create: inputs carried over, every computed property unknown. */
export function previewOutputs(inputs: State, answered: State): State {
    const result: State = {};
    for (const [key, value] of Object.entries(answered)) {
        if (!(key in inputs)) result[key] = UNKNOWN;
        else if (isPlainObject(value) && isPlainObject(inputs[key])) result[key] = previewOutputs(inputs[key] as State, value);
        else result[key] = inputs[key];
    }
    return result;
}

function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (isPlainObject(value)) return Object.values(value).some(containsUnknown);
    return false;
}

/** azure-native's diff, at the top level of the inputs. */
export function diffInputs(type: string, olds: State, news: State): { changes: boolean; replaces: string[]; diffs: string[] } {
    const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => !k.startsWith("__")).sort();
    const diffs = keys.filter((k) => containsUnknown(news[k]) || JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    const replacing = new Set([...(PATH_PARAMETERS[type] ?? []), ...ALSO_REPLACES]);
    return { changes: diffs.length > 0, replaces: diffs.filter((k) => replacing.has(k)), diffs };
}

function record(call: RecordedCall): void {
    const log = process.env.STANDIN_CALL_LOG;
    if (log) appendFileSync(log, `${JSON.stringify(call)}\n`);
}

function pluginVersion(plugin: string): string {
    const manifest = require.resolve(`@pulumi/${plugin}/package.json`);
    return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

type Handler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

function unary<Req, Res>(fn: (request: Req) => Res | Promise<Res>): Handler<Req, Res> {
    return (call, callback) => {
        Promise.resolve()
            .then(() => fn(call.request))
            .then((response) => callback(null, response), (err: unknown) => callback({
                code: grpc.status.UNKNOWN,
                details: err instanceof Error ? err.message : String(err),
            }));
    };
}

function unimplemented(): Handler<unknown, unknown> {
    return (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: "not implemented by the stand-in" });
}

export function serve(plugin: string): Promise<number> {
    const version = pluginVersion(plugin);
    const server = new grpc.Server();
    const implementation: Record<string, Handler<never, unknown>> = {
        handshake: unimplemented(),
        parameterize: unimplemented(),
        getSchema: unimplemented(),
        call: unimplemented(),
        list: unimplemented(),
        construct: unimplemented(),
        attach: unimplemented(),
        getMapping: unary(() => new providerProto.GetMappingResponse()),
        getMappings: unary(() => new providerProto.GetMappingsResponse()),
        getPluginInfo: unary(() => new pluginProto.PluginInfo().setVersion(version)),
        cancel: unary(() => new Empty()),
        checkConfig: unary((req: providerProto.CheckRequest) => new providerProto.CheckResponse().setInputs(req.getNews())),
        diffConfig: unary(() => new providerProto.DiffResponse().setChanges(providerProto.DiffResponse.DiffChanges.DIFF_NONE)),
        configure: unary(() => new providerProto.ConfigureResponse()
            .setSupportspreview(true).setAcceptsecrets(true).setAcceptresources(true)),
        invoke: unary((req: providerProto.InvokeRequest) => {
            const args = toJs(req.getArgs());
            record({ plugin, method: "Invoke", type: req.getTok(), inputs: args });
            return new providerProto.InvokeResponse().setReturn(toStruct(invokeAnswer(req.getTok(), args)));
        }),
        check: unary((req: providerProto.CheckRequest) => {
            record({ plugin, method: "Check", type: req.getType(), name: req.getName(), urn: req.getUrn(), inputs: toJs(req.getNews()) });
            return new providerProto.CheckResponse().setInputs(req.getNews());
        }),
        diff: unary((req: providerProto.DiffRequest) => {
            const type = req.getType() || urnType(req.getUrn());
            const news = toJs(req.getNews());
            const result = diffInputs(type, toJs(req.getOldInputs() ?? req.getOlds()), news);
            record({ plugin, method: "Diff", type, name: req.getName() || urnName(req.getUrn()), urn: req.getUrn(), inputs: news,
                diff: { changes: result.changes, replaces: result.replaces } });
            return new providerProto.DiffResponse()
                .setChanges(result.changes ? providerProto.DiffResponse.DiffChanges.DIFF_SOME : providerProto.DiffResponse.DiffChanges.DIFF_NONE)
                .setReplacesList(result.replaces)
                .setDiffsList(result.diffs)
                .setDeletebeforereplace(false);
        }),
        create: unary((req: providerProto.CreateRequest) => {
            const type = req.getType() || urnType(req.getUrn());
            const name = req.getName() || urnName(req.getUrn());
            const inputs = toJs(req.getProperties());
            record({ plugin, method: "Create", type, name, urn: req.getUrn(), preview: req.getPreview(), inputs });
            const answer = resourceAnswer(type, name, inputs);
            const outputs = req.getPreview() ? previewOutputs(inputs, answer.state) : answer.state;
            return new providerProto.CreateResponse().setId(req.getPreview() ? "" : answer.id ?? `${type}/${name}`).setProperties(toStruct(outputs));
        }),
        update: unary((req: providerProto.UpdateRequest) => {
            const type = req.getType() || urnType(req.getUrn());
            const name = req.getName() || urnName(req.getUrn());
            const news = toJs(req.getNews());
            record({ plugin, method: "Update", type, name, urn: req.getUrn(), preview: req.getPreview(), inputs: news });
            const answer = resourceAnswer(type, name, news);
            // Unknown inputs stay unknown in an update's preview; computed outputs keep their old values.
            const outputs = req.getPreview() ? { ...toJs(req.getOlds()), ...news } : answer.state;
            return new providerProto.UpdateResponse().setProperties(toStruct(outputs));
        }),
        read: unary((req: providerProto.ReadRequest) => {
            record({ plugin, method: "Read", type: urnType(req.getUrn()), name: urnName(req.getUrn()), urn: req.getUrn() });
            const response = new providerProto.ReadResponse().setId(req.getId());
            const properties = req.getProperties();
            const inputs = req.getInputs();
            if (properties) response.setProperties(properties);
            if (inputs) response.setInputs(inputs);
            return response;
        }),
        delete: unary((req: providerProto.DeleteRequest) => {
            record({ plugin, method: "Delete", type: urnType(req.getUrn()), name: urnName(req.getUrn()), urn: req.getUrn(), inputs: toJs(req.getOldInputs() ?? req.getProperties()) });
            return new Empty();
        }),
    };
    server.addService(providerGrpc.ResourceProviderService, implementation as unknown as grpc.UntypedServiceImplementation);
    return new Promise((resolve, reject) => {
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
}

if (require.main === module) {
    const plugin = process.argv[2];
    if (plugin !== "azure-native" && plugin !== "azuread") {
        console.error(`stand-in provider: unknown plugin ${String(plugin)} (expected azure-native or azuread)`);
        process.exit(2);
    }
    // The engine reads the port from the first line of stdout.
    serve(plugin).then((port) => console.log(port), (err: unknown) => {
        console.error(err);
        process.exit(1);
    });
}
