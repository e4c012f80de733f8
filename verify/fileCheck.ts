// --check-files: a short Batch job with one task per node that prints the
// thumbprint of each certificate the extension installed. Building the command
// and reading its output are pure; runFileCheck is the thin I/O around them.
import { randomBytes } from "node:crypto";
import { addTasks, createJob, deleteJob, listTasks, readTaskFile, type ComputeNode, type TaskSummary } from "./batch";
import type { BatchClient } from "./batchClient";
import type { CurrentCertificate } from "./keyvault";
import type { CertificateTarget, OsFamily } from "./outputs";
import type { FileCheck } from "./verdict";

/** Linux: the extension writes `<store>/<vault>.<certificate>` (a link to the current PEM). */
export function linuxCommand(vaultName: string, certificates: CertificateTarget[]): string {
    const checks = certificates.map((c) => {
        if (c.store.kind !== "linux-file") throw new Error(`certificate ${c.name}: expected a Linux store`);
        const file = `${c.store.path}/${vaultName}.${c.name}`;
        // Names and paths were validated to plain characters (outputs.ts), so double quotes suffice.
        return `if [ -e "${file}" ]; then echo "CERT ${c.name} $(openssl x509 -noout -fingerprint -sha1 -in "${file}" 2>&1 | head -n 1)"; else echo "CERT ${c.name} MISSING ${file}"; fi`;
    });
    return `/bin/bash -c '${checks.join("; ")}'`;
}

const psQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Windows: list the store entries matching the current thumbprint or the certificate's subject. */
export function windowsCommand(certificates: CertificateTarget[], current: CurrentCertificate[]): string {
    const entries = certificates.map((c) => {
        if (c.store.kind !== "windows-store") throw new Error(`certificate ${c.name}: expected a Windows store`);
        const kv = current.find((k) => k.name === c.name);
        return `@{n=${psQuote(c.name)};p=${psQuote(`Cert:\\${c.store.location}\\${c.store.storeName}`)};t=${psQuote(kv?.thumbprint ?? "")};s=${psQuote(kv?.subject ?? "")}}`;
    });
    const script = [
        "$ErrorActionPreference = 'Stop'",
        `foreach ($c in @(${entries.join(",")})) {`,
        "  $found = @(Get-ChildItem -Path $c.p | Where-Object { $_.Thumbprint -eq $c.t -or ($c.s -ne '' -and $_.Subject -eq $c.s) })",
        "  if ($found.Count -eq 0) { \"CERT $($c.n) MISSING $($c.p)\" } else { foreach ($f in $found) { \"CERT $($c.n) $($f.Thumbprint)\" } }",
        "}",
    ].join("\n");
    // -EncodedCommand (UTF-16LE base64) sidesteps cmd.exe quoting entirely.
    return `powershell.exe -NoProfile -NonInteractive -EncodedCommand ${Buffer.from(script, "utf16le").toString("base64")}`;
}

export function checkCommand(os: OsFamily, vaultName: string, certificates: CertificateTarget[], current: CurrentCertificate[]): string {
    return os === "linux" ? linuxCommand(vaultName, certificates) : windowsCommand(certificates, current);
}

/**
 * Reads the task's stdout: lines `CERT <name> <rest>` where rest is MISSING, an
 * openssl fingerprint line (`SHA1 Fingerprint=7C:B8:...`, `sha1 Fingerprint=` on
 * OpenSSL 3) or a bare Windows thumbprint. Returns certificate name -> thumbprints.
 */
export function parseCheckOutput(stdout: string): Record<string, string[]> {
    const observed: Record<string, string[]> = {};
    for (const line of stdout.split(/\r?\n/)) {
        const m = /^CERT (\S+) (.*)$/.exec(line.trim());
        if (!m) continue;
        const [, name, rest] = m;
        observed[name] ??= [];
        if (rest.startsWith("MISSING")) continue;
        const value = rest.includes("=") ? rest.slice(rest.indexOf("=") + 1) : rest;
        const hex = value.replace(/:/g, "").trim().toUpperCase();
        if (/^[0-9A-F]{40}$/.test(hex)) observed[name].push(hex);
    }
    return observed;
}

/** Resolves after ms, or rejects at once when the signal aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface FileCheckOptions {
    os: OsFamily;
    poolName: string;
    vaultName: string;
    certificates: CertificateTarget[];
    current: CurrentCertificate[];
    /** How long to wait for the tasks. */
    timeoutMs: number;
    pollMs: number;
    sleep: Sleep;
    signal?: AbortSignal;
    now: () => number;
    progress: (line: string) => void;
    /** Job ID; random by default. */
    jobId?: string;
}

const SCHEDULABLE: ReadonlySet<string> = new Set(["idle", "running"]);

export function newJobId(now: number): string {
    return `verify-certs-${new Date(now).toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)}-${randomBytes(3).toString("hex")}`;
}

function summarise(task: TaskSummary, stderr: string | undefined): string {
    const first = stderr?.trim().split("\n")[0];
    return `task ${task.id} ${task.result ?? "ended"} with exit code ${task.exitCode ?? "?"}${task.failureMessage ? ` (${task.failureMessage})` : ""}${first ? `: ${first}` : ""}`;
}

/**
 * Runs the check job on every schedulable node and returns what each node holds.
 * The job is deleted in all cases, through `cleanup` (a client without the abort
 * signal, so deletion still goes out after Ctrl-C).
 */
export async function runFileCheck(
    client: BatchClient,
    cleanup: BatchClient,
    nodes: ComputeNode[],
    options: FileCheckOptions,
): Promise<{ results: Map<string, FileCheck>; jobId: string; deleted: boolean; cleanupError?: string }> {
    const results = new Map<string, FileCheck>();
    const targets = nodes.filter((n) => SCHEDULABLE.has(n.state));
    for (const n of nodes) {
        if (n.state === "offline") {
            results.set(n.id, { kind: "task-failed", message: "scheduling is disabled on this node (offline), so the check task cannot run there" });
        }
    }
    const jobId = options.jobId ?? newJobId(options.now());
    if (targets.length === 0) return { results, jobId, deleted: true };
    const command = checkCommand(options.os, options.vaultName, options.certificates, options.current);
    const intended = new Map(targets.map((n, i) => [`node-${i}`, n.id]));
    let created = false;
    let cleanupError: string | undefined;
    try {
        await createJob(client, jobId, options.poolName);
        created = true;
        await addTasks(
            client,
            jobId,
            targets.map((n, i) => ({ id: `node-${i}`, commandLine: command, affinityId: n.affinityId, maxWallClockTime: "PT5M" })),
        );
        const deadline = options.now() + options.timeoutMs;
        let tasks = await listTasks(client, jobId);
        while (tasks.some((t) => t.state !== "completed") && options.now() < deadline) {
            const done = tasks.filter((t) => t.state === "completed").length;
            options.progress(`check-files: ${done}/${tasks.length} tasks completed in job ${jobId}`);
            await options.sleep(Math.min(options.pollMs, Math.max(0, deadline - options.now())), options.signal);
            tasks = await listTasks(client, jobId);
        }
        for (const task of tasks) {
            const nodeId = task.nodeId ?? intended.get(task.id);
            if (nodeId === undefined) continue;
            if (task.state !== "completed") {
                if (!results.has(nodeId)) {
                    results.set(nodeId, { kind: "task-failed", message: `task ${task.id} still ${task.state} after ${Math.round(options.timeoutMs / 1000)}s (raise --task-timeout, or the node is busy)` });
                }
                continue;
            }
            const stdout = await readTaskFile(client, jobId, task.id, "stdout.txt");
            if (task.result === "failure" || (task.exitCode ?? 0) !== 0 || stdout === undefined) {
                const stderr = await readTaskFile(client, jobId, task.id, "stderr.txt");
                results.set(nodeId, { kind: "task-failed", message: summarise(task, stderr) });
                continue;
            }
            results.set(nodeId, { kind: "read", observed: parseCheckOutput(stdout) });
        }
        for (const n of targets) {
            if (!results.has(n.id)) {
                results.set(n.id, { kind: "task-failed", message: "no check task ran on this node (Batch placed it elsewhere); run again" });
            }
        }
    } finally {
        // Runs on success, on error and on abort alike.
        if (created) {
            try {
                await deleteJob(cleanup, jobId);
            } catch (error) {
                cleanupError = `could not delete job ${jobId}: ${error instanceof Error ? error.message : String(error)}; delete it with \`az batch job delete --job-id ${jobId}\``;
            }
            if (cleanupError !== undefined) options.progress(`warning: ${cleanupError}`);
        }
    }
    return { results, jobId, deleted: created && cleanupError === undefined, cleanupError };
}
