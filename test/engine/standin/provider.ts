// TEST DOUBLE for the azure-native and azuread provider plugins, for the
// engine suite only. Their real binaries can't be had here, so the engine
// finds this one on PATH as `pulumi-resource-<name>`. It speaks Pulumi's
// provider protocol directly (the Node.js provider SDK's server doesn't
// announce preview support, and then the engine echoes inputs as outputs),
// answers from tools/plan/answers.ts, the same source as the offline plan's
// mocks, and records every call so tests can assert on what the engine asked.
//
// The rules it applies are azure-native's own (azureNative.ts, each with its
// source) in front of a small model of the Azure services (azureModel.ts,
// each of Azure's refusals with its source), shared by every stand-in process
// of one run through the file STANDIN_AZURE_MODEL names.
import * as grpc from "@grpc/grpc-js";
import { appendFileSync, readFileSync } from "node:fs";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import * as pluginProto from "@pulumi/pulumi/proto/plugin_pb";
import { invokeAnswer, resourceAnswer, type State } from "../../../tools/plan/answers";
import { deleteResource, getResource } from "./azureModel";
import { standInSchema } from "./schema";
import {
    armIdOf, azureErrorMessage, createInModel, diffInputs, previewCreateOutputs, previewUpdateOutputs, updateInModel,
} from "./azureNative";

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
    diff?: { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean };
}

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

/**
 * Who azuread's getClientConfig says is signed in, when a test changes the deployer (a person, then a pipeline);
 * absent, the shared deterministic answer.
 */
export const STANDIN_DEPLOYER_OBJECT_ID_ENV = "STANDIN_DEPLOYER_OBJECT_ID";

function invokeResult(token: string, args: State): State {
    const answer = invokeAnswer(token, args);
    const deployer = process.env[STANDIN_DEPLOYER_OBJECT_ID_ENV];
    return token === "azuread:index/getClientConfig:getClientConfig" && deployer ? { ...answer, objectId: deployer } : answer;
}

/** The model file every stand-in process of one engine run shares; absent: no model, answers only. */
function modelPath(): string | undefined {
    return process.env.STANDIN_AZURE_MODEL || undefined;
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
        getSchema: unary(() => new providerProto.GetSchemaResponse().setSchema(standInSchema(plugin, version))),
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
            return new providerProto.InvokeResponse().setReturn(toStruct(invokeResult(req.getTok(), args)));
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
                diff: { changes: result.changes, replaces: result.replaces, deleteBeforeReplace: result.deleteBeforeReplace } });
            return new providerProto.DiffResponse()
                .setChanges(result.changes ? providerProto.DiffResponse.DiffChanges.DIFF_SOME : providerProto.DiffResponse.DiffChanges.DIFF_NONE)
                .setReplacesList(result.replaces)
                .setDiffsList(result.diffs)
                .setDeletebeforereplace(result.deleteBeforeReplace);
        }),
        create: unary((req: providerProto.CreateRequest) => {
            const type = req.getType() || urnType(req.getUrn());
            const name = req.getName() || urnName(req.getUrn());
            const inputs = toJs(req.getProperties());
            record({ plugin, method: "Create", type, name, urn: req.getUrn(), preview: req.getPreview(), inputs });
            const answer = resourceAnswer(type, name, inputs);
            if (req.getPreview()) {
                return new providerProto.CreateResponse().setId("").setProperties(toStruct(previewCreateOutputs(inputs, answer.state)));
            }
            const path = modelPath();
            const id = path === undefined ? armIdOf(type, inputs) : createInModel(path, type, inputs);
            return new providerProto.CreateResponse().setId(id ?? answer.id ?? `${type}/${name}`).setProperties(toStruct(answer.state));
        }),
        update: unary((req: providerProto.UpdateRequest) => {
            const type = req.getType() || urnType(req.getUrn());
            const name = req.getName() || urnName(req.getUrn());
            const news = toJs(req.getNews());
            record({ plugin, method: "Update", type, name, urn: req.getUrn(), preview: req.getPreview(), inputs: news });
            const answer = resourceAnswer(type, name, news);
            if (req.getPreview()) {
                return new providerProto.UpdateResponse().setProperties(toStruct(previewUpdateOutputs(news, answer.state, toJs(req.getOlds()))));
            }
            const path = modelPath();
            if (path !== undefined) updateInModel(path, type, news);
            return new providerProto.UpdateResponse().setProperties(toStruct(answer.state));
        }),
        read: unary((req: providerProto.ReadRequest) => {
            record({ plugin, method: "Read", type: urnType(req.getUrn()), name: urnName(req.getUrn()), urn: req.getUrn() });
            const path = modelPath();
            // provider.go Read: a 404 means the resource was deleted, answered with an empty ID.
            if (path !== undefined && req.getId().startsWith("/") && getResource(path, req.getId()).status === 404) {
                return new providerProto.ReadResponse().setId("");
            }
            const response = new providerProto.ReadResponse().setId(req.getId());
            const properties = req.getProperties();
            const inputs = req.getInputs();
            if (properties) response.setProperties(properties);
            if (inputs) response.setInputs(inputs);
            return response;
        }),
        delete: unary((req: providerProto.DeleteRequest) => {
            record({ plugin, method: "Delete", type: urnType(req.getUrn()), name: urnName(req.getUrn()), urn: req.getUrn(), inputs: toJs(req.getOldInputs() ?? req.getProperties()) });
            const path = modelPath();
            if (path !== undefined && req.getId().startsWith("/")) {
                const answer = deleteResource(path, req.getId());
                if (answer.status >= 400) throw new Error(azureErrorMessage(answer.status, answer.body));
            }
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
