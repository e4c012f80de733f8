// Orchestration: outputs -> Batch nodes and extension views + Key Vault
// current versions (+ files on the nodes) -> verdicts, polling with --wait.
// Every dependency with a side effect comes in through VerifyDeps.
import { setTimeout as delay } from "node:timers/promises";
import type { HttpClient } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import type { VerifyOptions } from "./args";
import { getNodeExtension, listNodes, type ExtensionView } from "./batch";
import { createBatchClient, type BatchClient, type RetryEvent } from "./batchClient";
import { ExitCode, HttpError, VerifyError, type ExitCodeValue } from "./errors";
import { runFileCheck, type Sleep } from "./fileCheck";
import { readCurrentCertificates, type CertificateReader, type CertificateReaderFactory } from "./keyvault";
import type { VerifyTarget } from "./outputs";
import { judgePool, STARTING_STATES, type FileCheck, type NodeEvidence, type PoolResult } from "./verdict";

export interface VerifyDeps {
    /** Reads and validates the stack outputs (file or pulumi CLI). */
    readTarget: (options: VerifyOptions) => Promise<VerifyTarget>;
    credential: TokenCredential;
    certificateReaderFactory: CertificateReaderFactory;
    /**
     * The transport for Batch requests (default: the library's Node client).
     * TEST ONLY when set: main.ts installs the loopback client from the test
     * environment variables; never from outputs or config.
     */
    httpClient?: HttpClient;
    /** Waits between --wait rounds and --check-files polls (HTTP retries wait inside the pipeline). */
    sleep?: Sleep;
    now?: () => number;
    signal?: AbortSignal;
    /** Progress lines (stderr in the CLI). */
    progress: (line: string) => void;
    /** Retries after a 429/503 (default 4). */
    maxRetries?: number;
    /** Upper bound on one retry's wait, whatever Retry-After says (default 60 s). */
    maxRetryDelayMs?: number;
    /** Parallel extension reads. */
    concurrency?: number;
}

export interface VerifyOutcome {
    exitCode: ExitCodeValue;
    result?: PoolResult;
    /** Set when the run ended before a pool result: what went wrong and how to fix it. */
    error?: string;
    /** --check-files: the job IDs created and whether each was deleted. */
    jobs: { id: string; deleted: boolean }[];
}

/** Resolves after ms, or rejects at once when the signal aborts. */
export const abortableSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array<R>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            const i = next++;
            out[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
}

/** Maps any failure to a VerifyError whose message names the cause and the fix. */
export function explain(error: unknown, target: VerifyTarget | undefined, checkFiles: boolean, aborted = false): VerifyError {
    if (error instanceof VerifyError) return error;
    const name = error instanceof Error ? error.name : "";
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    if (aborted || name === "AbortError") {
        return new VerifyError(ExitCode.Interrupted, "interrupted");
    }
    if (name === "CredentialUnavailableError" || name === "AuthenticationRequiredError" || name === "AggregateAuthenticationError") {
        return new VerifyError(
            ExitCode.NotSignedIn,
            `no Azure credential is available (${message}); sign in with \`az login\` (or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or run with a managed identity)`,
        );
    }
    if (name === "AuthenticationError") {
        return new VerifyError(ExitCode.NotSignedIn, `Azure sign-in failed (${message}); run \`az login\` again`);
    }
    if (error instanceof HttpError) {
        if (error.status === 401 || error.status === 403) {
            if (error.service === "Batch") {
                const host = target?.batchAccountEndpoint ?? "the Batch account";
                return new VerifyError(
                    ExitCode.Forbidden,
                    `Batch account ${host} denied ${error.url} (${error.status}${error.code ? ` ${error.code}` : ""}${error.serviceMessage ? `: ${error.serviceMessage}` : ""}). ` +
                        `The identity running verify needs Batch data-plane read on the account, e.g. the "Azure Batch Account Reader" or "Azure Batch Data Contributor" role` +
                        (checkFiles ? `; --check-files also creates and deletes a job, which needs "Azure Batch Job Submitter" or "Azure Batch Data Contributor"` : "") +
                        ` (az role assignment create --assignee <you> --role "Azure Batch Data Contributor" --scope <Batch account resource ID>). Role assignments take a few minutes to apply.`,
                );
            }
            const vault = target?.vaultUri ?? "the vault";
            return new VerifyError(
                ExitCode.Forbidden,
                `Key Vault ${vault} denied ${error.url} (${error.status}${error.code ? ` ${error.code}` : ""}). ` +
                    `The identity running verify needs certificate get: on an access-policy vault add a policy with certificate permission "get" ` +
                    `(az keyvault set-policy --name ${target?.vaultName ?? "<vault>"} --object-id <you> --certificate-permissions get); ` +
                    `on an RBAC vault assign "Key Vault Certificate User" (or "Key Vault Reader") at vault scope.`,
            );
        }
        if (error.status === 429 || error.status === 503) {
            return new VerifyError(ExitCode.Throttled, `${error.service} kept throttling (${error.status}) after bounded retries; try again later`);
        }
        return new VerifyError(ExitCode.ServiceError, error.message);
    }
    return new VerifyError(ExitCode.ServiceError, `unexpected failure: ${message}`);
}

async function oneRound(
    options: VerifyOptions,
    deps: VerifyDeps,
    target: VerifyTarget,
    client: BatchClient,
    cleanupClient: BatchClient,
    reader: CertificateReader,
    jobs: VerifyOutcome["jobs"],
): Promise<PoolResult> {
    const now = deps.now ?? Date.now;
    const nodes = await listNodes(client, target.poolName);
    const current = await readCurrentCertificates(reader, target.vaultUri, target.certificates.map((c) => c.name));
    const extensions = await mapLimit(nodes, deps.concurrency ?? 8, async (node): Promise<ExtensionView | undefined | "not-read"> =>
        STARTING_STATES.has(node.state) ? "not-read" : getNodeExtension(client, target.poolName, node.id, target.extensionName),
    );
    let files: Map<string, FileCheck> | undefined;
    if (options.checkFiles && nodes.length > 0) {
        const check = await runFileCheck(client, cleanupClient, nodes, {
            os: target.osFamily,
            poolName: target.poolName,
            vaultName: target.vaultName,
            certificates: target.certificates,
            current,
            timeoutMs: options.taskTimeoutMs,
            pollMs: Math.min(options.intervalMs, 5_000),
            sleep: deps.sleep ?? abortableSleep,
            signal: deps.signal,
            now,
            progress: deps.progress,
        });
        jobs.push({ id: check.jobId, deleted: check.deleted });
        files = check.results;
    }
    const evidence: NodeEvidence[] = nodes.map((node, i) => ({ node, extension: extensions[i], files: files?.get(node.id) }));
    return judgePool(target.poolName, evidence, current, target.extensionName, target.extensionType, options.checkFiles, new Date(now()));
}

function formatDelay(ms: number): string {
    if (ms < 1000) return `${ms}ms`;
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

function retryLine(event: RetryEvent): string {
    const why =
        event.retryAfterMs === undefined
            ? "no Retry-After, backing off"
            : event.retryAfterMs > event.delayMs
              ? `Retry-After ${formatDelay(event.retryAfterMs)}, capped`
              : "as Retry-After asked";
    return `[retry] Batch answered ${event.status} to ${event.method} ${event.path}; retry ${event.retry} of ${event.maxRetries} in ${formatDelay(event.delayMs)} (${why})`;
}

function formatMs(ms: number): string {
    const s = Math.max(0, Math.round(ms / 1000));
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export async function runVerify(options: VerifyOptions, deps: VerifyDeps): Promise<VerifyOutcome> {
    const jobs: VerifyOutcome["jobs"] = [];
    let target: VerifyTarget | undefined;
    const now = deps.now ?? Date.now;
    const sleep = deps.sleep ?? abortableSleep;
    try {
        target = await deps.readTarget(options);
        const client = createBatchClient(`https://${target.batchAccountEndpoint}`, {
            credential: deps.credential,
            httpClient: deps.httpClient,
            bounds: { maxRetries: deps.maxRetries, maxRetryDelayMs: deps.maxRetryDelayMs },
            onRetry: (event) => deps.progress(retryLine(event)),
            signal: deps.signal,
        });
        // No abort signal: the job must still be deleted after Ctrl-C.
        const cleanupClient = client.withSignal(undefined);
        // One reader for every round, so Key Vault's token is fetched once too.
        const reader = deps.certificateReaderFactory(target.vaultUri);
        const deadline = options.waitMs === undefined ? undefined : now() + options.waitMs;
        for (let round = 1; ; round++) {
            const result = await oneRound(options, deps, target, client, cleanupClient, reader, jobs);
            if (deadline === undefined || result.exitCode === ExitCode.Healthy || now() >= deadline) {
                if (deadline !== undefined && result.exitCode !== ExitCode.Healthy) {
                    result.summary += `; --wait ran out after ${round} check${round === 1 ? "" : "s"}`;
                }
                return { exitCode: result.exitCode, result, jobs };
            }
            const left = deadline - now();
            deps.progress(
                `[wait] check ${round}: ${result.counts.healthy}/${result.nodes.length} healthy, ${result.counts.pending} pending, ${result.counts.stale} stale, ${result.counts.failed} failed; ` +
                    `next check in ${formatMs(Math.min(options.intervalMs, left))} (${formatMs(left)} left)`,
            );
            await sleep(Math.min(options.intervalMs, left), deps.signal);
        }
    } catch (error) {
        const explained = explain(error, target, options.checkFiles, deps.signal?.aborted ?? false);
        return { exitCode: explained.exitCode, error: explained.message, jobs };
    }
}
