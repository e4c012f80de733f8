// Orchestration: outputs -> Batch nodes and extension views + Key Vault
// current versions (+ files on the nodes) -> verdicts, polling with --wait.
// Every dependency with a side effect comes in through VerifyDeps.
import type { TokenCredential } from "@azure/identity";
import type { VerifyOptions } from "./args";
import { getNodeExtension, listNodes, type ExtensionView } from "./batch";
import { ExitCode, HttpError, VerifyError, type ExitCodeValue } from "./errors";
import { runFileCheck } from "./fileCheck";
import { abortableSleep, BATCH_SCOPE, BatchHttpClient, type FetchLike, type Sleep } from "./http";
import { readCurrentCertificates, type CertificateReaderFactory } from "./keyvault";
import type { VerifyTarget } from "./outputs";
import { judgePool, STARTING_STATES, type FileCheck, type NodeEvidence, type PoolResult } from "./verdict";

export interface VerifyDeps {
    /** Reads and validates the stack outputs (file or pulumi CLI). */
    readTarget: (options: VerifyOptions) => Promise<VerifyTarget>;
    credential: TokenCredential;
    certificateReaderFactory: CertificateReaderFactory;
    /** TEST ONLY: replaces https://<batchAccountEndpoint>. Never set from outputs or config. */
    testBatchBaseUrl?: string;
    fetch?: FetchLike;
    sleep?: Sleep;
    now?: () => number;
    signal?: AbortSignal;
    /** Progress lines (stderr in the CLI). */
    progress: (line: string) => void;
    maxRetries?: number;
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

function tokenSource(credential: TokenCredential): () => Promise<string> {
    let cached: { token: string; expiresOnTimestamp: number } | undefined;
    return async () => {
        // Refresh two minutes early so a long --wait never sends an expired token.
        if (cached === undefined || cached.expiresOnTimestamp - Date.now() < 120_000) {
            const token = await credential.getToken(BATCH_SCOPE);
            if (token === null) throw new VerifyError(ExitCode.NotSignedIn, "the Azure credential returned no token for Batch; sign in with `az login`");
            cached = token;
        }
        return cached.token;
    };
}

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
    client: BatchHttpClient,
    cleanupClient: BatchHttpClient,
    jobs: VerifyOutcome["jobs"],
): Promise<PoolResult> {
    const now = deps.now ?? Date.now;
    const nodes = await listNodes(client, target.poolName);
    const reader = deps.certificateReaderFactory(target.vaultUri);
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
        const base = deps.testBatchBaseUrl ?? `https://${target.batchAccountEndpoint}`;
        const token = tokenSource(deps.credential);
        const http = { fetch: deps.fetch, sleep, maxRetries: deps.maxRetries, maxRetryDelayMs: deps.maxRetryDelayMs };
        const client = new BatchHttpClient(base, token, { ...http, signal: deps.signal });
        // No abort signal: the job must still be deleted after Ctrl-C.
        const cleanupClient = new BatchHttpClient(base, token, http);
        const deadline = options.waitMs === undefined ? undefined : now() + options.waitMs;
        for (let round = 1; ; round++) {
            const result = await oneRound(options, deps, target, client, cleanupClient, jobs);
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
