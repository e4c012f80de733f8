// TEST ONLY: Resource Manager on loopback, for the calls the program makes to
// ARM itself (not through azure-native): Batch's Pool - Get and Pool - Update
// (PATCH), and Batch Account - Get and Update (PATCH, the customer-managed key), answered from the same model of Azure the azure-native stand-in
// keeps (test/engine/standin/azureModel.ts), so the pool the stand-in created
// is the pool the PATCH changes. Reached through the loopback proxy as
// management.azure.com, with a bearer token from the stand-in `az`. Every
// request is recorded; anything but those operations is answered 405.
import * as crypto from "node:crypto";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { getResource, patchAccount, patchPool, type Body } from "../engine/standin/azureModel";
import { loopbackTls } from "../keyvault/x509";

export interface ArmCall {
    method: string;
    path: string;
    apiVersion: string | null;
    body: unknown;
    status: number;
}

export interface ArmEndpoint {
    /** `https://127.0.0.1:PORT`. */
    url: string;
    caPem: string;
    calls: ArmCall[];
    /** Pools whose allocation state reads `Resizing` until `steady` (a resize in progress). */
    resizing: { start(poolName: string): void; stop(poolName: string): void };
    close(): Promise<void>;
}

const ACCOUNT_PATH = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Batch\/batchAccounts\/([^/]+)$/i;
const POOL_PATH = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Batch\/batchAccounts\/[^/]+\/pools\/([^/]+)$/i;

export async function startArmEndpoint(modelPath: string, token: string): Promise<ArmEndpoint> {
    const tls = await loopbackTls("batch-cert-rotation test Resource Manager CA (loopback only)");
    const calls: ArmCall[] = [];
    const resizing: string[] = [];

    function answerAccount(method: string, path: string, name: string, body: unknown): { status: number; body: Body } {
        const result = method === "GET" ? getResource(modelPath, path) : method === "PATCH" ? patchAccount(modelPath, path, body as Body) : undefined;
        if (result === undefined) return { status: 405, body: { error: { code: "MethodNotAllowed", message: `${method} is not served here` } } };
        if (result.status !== 200) return result;
        return { status: 200, body: { ...result.body, id: path, name, type: "Microsoft.Batch/batchAccounts" } };
    }

    function answer(method: string, path: string, body: unknown): { status: number; body: Body } {
        const account = ACCOUNT_PATH.exec(path);
        if (account) return answerAccount(method, path, account[1], body);
        const pool = POOL_PATH.exec(path);
        if (!pool) return { status: 405, body: { error: { code: "MethodNotAllowed", message: `the loopback ARM serves Batch accounts and pools only: ${method} ${path}` } } };
        const result = method === "GET" ? getResource(modelPath, path) : method === "PATCH" ? patchPool(modelPath, path, body as Body) : undefined;
        if (result === undefined) return { status: 405, body: { error: { code: "MethodNotAllowed", message: `${method} is not served here` } } };
        if (result.status !== 200) return result;
        // Pool - Get reports allocationState (Steady or Resizing); the model resizes at once.
        const properties = { ...((result.body.properties ?? {}) as Body), allocationState: resizing.includes(pool[1].toLowerCase()) ? "Resizing" : "Steady" };
        return { status: 200, body: { ...result.body, id: path, name: pool[1], type: "Microsoft.Batch/batchAccounts/pools", properties } };
    }

    const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "https://management.azure.com");
            const method = (req.method ?? "GET").toUpperCase();
            const text = Buffer.concat(chunks).toString("utf8");
            const body = text === "" ? undefined : JSON.parse(text) as unknown;
            const result = req.headers.authorization === `Bearer ${token}`
                ? answer(method, url.pathname, body)
                : { status: 401, body: { error: { code: "AuthenticationFailed", message: "Authentication failed. The 'Authorization' header is missing." } } };
            calls.push({ method, path: url.pathname, apiVersion: url.searchParams.get("api-version"), body, status: result.status });
            // ARM's request-tracking headers, on every answer.
            res.writeHead(result.status, {
                "Content-Type": "application/json; charset=utf-8",
                "x-ms-request-id": crypto.randomUUID(),
                "x-ms-correlation-request-id": crypto.randomUUID(),
            });
            res.end(JSON.stringify(result.body));
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `https://127.0.0.1:${port}`,
        caPem: tls.caPem,
        calls,
        resizing: {
            start: (name) => void resizing.push(name.toLowerCase()),
            stop: (name) => void resizing.splice(0, resizing.length, ...resizing.filter((n) => n !== name.toLowerCase())),
        },
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}
