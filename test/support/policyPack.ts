// The policy pack as Pulumi runs it (`pulumi preview --policy-pack policy`):
// started the way the Node.js host starts it (run-policy-pack, working
// directory policy/, TypeScript compiled on the fly) and spoken to over the
// analyzer protocol. Shared by the policy tests and the engine suite.
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { AnalyzeRequest, type AnalyzeResponse, AnalyzerResourceOptions } from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

const REPO_ROOT = path.resolve(__dirname, "../..");

export async function startPolicyPack(): Promise<{ client: AnalyzerClient; stop: () => void }> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [path.join(REPO_ROOT, "policy")] });
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: path.join(REPO_ROOT, "policy"), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`policy pack did not start in 60 s: ${stderr}`)), 60_000);
        child.stdout.on("data", (chunk: Buffer) => {
            const match = /^(\d+)\s*$/m.exec(chunk.toString());
            if (match) { clearTimeout(timer); resolve(match[1]); }
        });
        child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`policy pack exited with ${code}: ${stderr}`)); });
    });
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return { client, stop: () => { client.close(); child.kill(); } };
}

export function call<T>(invoke: (callback: (error: grpc.ServiceError | null, response: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
}

export interface Diagnostic {
    policy: string;
    level: number;
    message: string;
}

/** What the CLI sends the pack for one resource: its type, name, URN and inputs. */
export async function analyze(client: AnalyzerClient, resource: { type: string; name: string; urn: string; properties: Record<string, unknown> }): Promise<Diagnostic[]> {
    const request = new AnalyzeRequest();
    request.setType(resource.type);
    request.setName(resource.name);
    request.setUrn(resource.urn);
    request.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(resource.properties)) as Parameters<typeof Struct.fromJavaScript>[0]));
    request.setOptions(new AnalyzerResourceOptions());
    const response = await call<AnalyzeResponse>((cb) => client.analyze(request, cb));
    return response.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
}
