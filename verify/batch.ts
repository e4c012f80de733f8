// The Batch data-plane calls the verifier makes, with their responses narrowed
// from unknown JSON to the few fields it reads (names as in the 2024-07-01.20.0
// spec: BatchNode, BatchNodeVMExtension, BatchTask).
import { isPlainObject } from "../components/json";
import { ExitCode, HttpError, VerifyError } from "./errors";
import type { BatchClient } from "./batchClient";

export interface ComputeNode {
    id: string;
    /** BatchNodeState, lower case as the service sends it: idle, running, starting, ... */
    state: string;
    affinityId?: string;
}

export interface InstanceViewStatus {
    code?: string;
    displayStatus?: string;
    level?: string;
    message?: string;
    time?: string;
}

export interface ExtensionView {
    provisioningState?: string;
    publisher?: string;
    type?: string;
    typeHandlerVersion?: string;
    statuses: InstanceViewStatus[];
    subStatuses: InstanceViewStatus[];
}

export interface TaskSummary {
    id: string;
    state: string;
    nodeId?: string;
    exitCode?: number;
    result?: string;
    failureMessage?: string;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json => (isPlainObject(value) ? value : {});
const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const seg = encodeURIComponent;

function parseStatuses(value: unknown): InstanceViewStatus[] {
    if (!Array.isArray(value)) return [];
    return value.map((raw) => {
        const s = asObject(raw);
        return {
            code: asString(s["code"]),
            displayStatus: asString(s["displayStatus"]),
            level: asString(s["level"]),
            message: asString(s["message"]),
            time: asString(s["time"]),
        };
    });
}

export async function listNodes(client: BatchClient, poolId: string): Promise<ComputeNode[]> {
    let items: unknown[];
    try {
        items = await client.list(`/pools/${seg(poolId)}/nodes`);
    } catch (error) {
        if (error instanceof HttpError && error.status === 404) {
            throw new VerifyError(
                ExitCode.PoolNotFound,
                `the Batch account has no pool "${poolId}" (${error.code ?? "404"}); was the stack destroyed or the pool replaced since the outputs were read?`,
            );
        }
        throw error;
    }
    return items.map((raw) => {
        const node = asObject(raw);
        const id = asString(node["id"]);
        if (id === undefined) throw new VerifyError(ExitCode.ServiceError, `Batch listed a node without an id in pool "${poolId}"`);
        return { id, state: (asString(node["state"]) ?? "unknown").toLowerCase(), affinityId: asString(node["affinityId"]) };
    });
}

/** The extension's view on one node, or undefined when the node does not report that extension. */
export async function getNodeExtension(
    client: BatchClient,
    poolId: string,
    nodeId: string,
    extensionName: string,
): Promise<ExtensionView | undefined> {
    let body: unknown;
    try {
        body = await client.json({ method: "GET", path: `/pools/${seg(poolId)}/nodes/${seg(nodeId)}/extensions/${seg(extensionName)}` });
    } catch (error) {
        if (error instanceof HttpError && error.status === 404) return undefined;
        throw error;
    }
    const ext = asObject(body);
    const view = asObject(ext["instanceView"]);
    const vm = asObject(ext["vmExtension"]);
    return {
        provisioningState: asString(ext["provisioningState"]),
        publisher: asString(vm["publisher"]),
        type: asString(vm["type"]),
        typeHandlerVersion: asString(vm["typeHandlerVersion"]),
        statuses: parseStatuses(view["statuses"]),
        subStatuses: parseStatuses(view["subStatuses"]),
    };
}

export async function createJob(client: BatchClient, jobId: string, poolId: string): Promise<void> {
    await client.json(
        {
            method: "POST",
            path: "/jobs",
            // The job must not outlive a crashed verifier for long: tasks have
            // a wall-clock limit, and the verifier deletes the job when done.
            body: { id: jobId, poolInfo: { poolId }, priority: 0, usesTaskDependencies: false, onAllTasksComplete: "noaction" },
        },
        [201],
    );
}

export interface TaskSpec {
    id: string;
    commandLine: string;
    affinityId?: string;
    maxWallClockTime: string;
}

export async function addTasks(client: BatchClient, jobId: string, tasks: TaskSpec[]): Promise<void> {
    // addtaskcollection takes at most 100 tasks per call.
    for (let i = 0; i < tasks.length; i += 100) {
        const chunk = tasks.slice(i, i + 100);
        const body = await client.json({
            method: "POST",
            path: `/jobs/${seg(jobId)}/addtaskcollection`,
            body: {
                value: chunk.map((t) => ({
                    id: t.id,
                    commandLine: t.commandLine,
                    ...(t.affinityId ? { affinityInfo: { affinityId: t.affinityId } } : {}),
                    // The extension's files are readable by root / Administrators only.
                    userIdentity: { autoUser: { scope: "pool", elevationLevel: "admin" } },
                    constraints: { maxWallClockTime: t.maxWallClockTime, maxTaskRetryCount: 0, retentionTime: "PT1H" },
                    requiredSlots: 1,
                })),
            },
        });
        const results = asObject(body)["value"];
        for (const raw of Array.isArray(results) ? results : []) {
            const r = asObject(raw);
            if (asString(r["status"]) !== "success") {
                const err = asObject(r["error"]);
                const msg = asObject(err["message"]);
                throw new VerifyError(
                    ExitCode.ServiceError,
                    `Batch refused task ${asString(r["taskId"]) ?? "?"}: ${asString(err["code"]) ?? asString(r["status"]) ?? "unknown"} ${asString(msg["value"]) ?? ""}`.trim(),
                );
            }
        }
    }
}

export async function listTasks(client: BatchClient, jobId: string): Promise<TaskSummary[]> {
    const items = await client.list(`/jobs/${seg(jobId)}/tasks`);
    return items.map((raw) => {
        const t = asObject(raw);
        const exec = asObject(t["executionInfo"]);
        const nodeInfo = asObject(t["nodeInfo"]);
        const failure = asObject(exec["failureInfo"]);
        const exitCode = exec["exitCode"];
        return {
            id: asString(t["id"]) ?? "?",
            state: (asString(t["state"]) ?? "unknown").toLowerCase(),
            nodeId: asString(nodeInfo["nodeId"]),
            exitCode: typeof exitCode === "number" ? exitCode : undefined,
            result: asString(exec["result"]),
            failureMessage: asString(failure["message"]) ?? asString(failure["code"]),
        };
    });
}

export async function readTaskFile(client: BatchClient, jobId: string, taskId: string, file: string): Promise<string | undefined> {
    try {
        return await client.text({ method: "GET", path: `/jobs/${seg(jobId)}/tasks/${seg(taskId)}/files/${file.split("/").map(seg).join("/")}` });
    } catch (error) {
        if (error instanceof HttpError && error.status === 404) return undefined;
        throw error;
    }
}

export async function deleteJob(client: BatchClient, jobId: string): Promise<void> {
    try {
        await client.json({ method: "DELETE", path: `/jobs/${seg(jobId)}` }, [202, 200]);
    } catch (error) {
        if (error instanceof HttpError && error.status === 404) return;
        throw error;
    }
}
