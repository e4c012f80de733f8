// Pure verdict logic: a node's state, the Key Vault extension's instance view
// on it, Key Vault's current certificate versions and (with --check-files)
// what the node holds -> one verdict per node, and an exit code for the pool.
import type { ComputeNode, ExtensionView, InstanceViewStatus } from "./batch";
import { ExitCode, type ExitCodeValue } from "./errors";
import { describeTrigger, type CurrentCertificate } from "./keyvault";

/**
 * How long after its renewal date a version may still be the current one before the
 * verifier calls the renewal overdue. Key Vault documents no delay between a trigger and
 * its renewal; a day is this project's allowance, not Azure's promise.
 */
export const RENEWAL_GRACE_MS = 24 * 60 * 60_000;

/**
 * healthy: extension running, and (with --check-files) the node holds the current version.
 * pending: node still starting, or the extension has not finished provisioning; look again later.
 * stale:   the node holds an older certificate than Key Vault's current version.
 * failed:  extension error, extension missing, certificate file missing, or the node is unusable.
 */
export type Verdict = "healthy" | "pending" | "stale" | "failed";

/** Node states in which the node is on its way up; the extension cannot have reported yet. */
export const STARTING_STATES: ReadonlySet<string> = new Set(["creating", "starting", "waitingforstarttask", "rebooting", "reimaging", "upgradingos"]);
/** Node states that are a failure by themselves. */
export const FAILED_STATES: ReadonlySet<string> = new Set(["starttaskfailed", "unusable", "unknown"]);
/** Node states in which the extension is expected to be running. */
export const USABLE_STATES: ReadonlySet<string> = new Set(["idle", "running", "offline"]);

/** What --check-files found on one node. */
export type FileCheck =
    | { kind: "read"; observed: Record<string, string[]> }
    | { kind: "task-failed"; message: string };

export interface NodeEvidence {
    node: ComputeNode;
    /** undefined: the node does not report the extension; "not-read": not asked (node still starting). */
    extension: ExtensionView | undefined | "not-read";
    files?: FileCheck;
}

export interface CertificateResult {
    name: string;
    keyVaultVersion: string;
    keyVaultThumbprint: string;
    /** Thumbprints found on the node (--check-files only). */
    nodeThumbprints?: string[];
    matchesCurrent?: boolean;
}

export interface NodeResult {
    nodeId: string;
    state: string;
    extension: { status: string; level?: string; code?: string; message?: string } | null;
    certificates: CertificateResult[];
    verdict: Verdict;
    reason: string;
}

export interface PoolResult {
    poolName: string;
    checkedFiles: boolean;
    nodes: NodeResult[];
    keyVault: CurrentCertificate[];
    counts: Record<Verdict, number>;
    warnings: string[];
    exitCode: ExitCodeValue;
    summary: string;
}

const lower = (s: string | undefined): string => (s ?? "").toLowerCase();

function isError(s: InstanceViewStatus): boolean {
    return lower(s.level) === "error" || /provisioningstate\/failed/i.test(s.code ?? "");
}

interface ExtensionAssessment {
    verdict: "ok" | "pending" | "failed";
    shown: NodeResult["extension"];
    reason: string;
}

export function assessExtension(view: ExtensionView | undefined, extensionName: string, expectedType: string): ExtensionAssessment {
    if (view === undefined) {
        return {
            verdict: "failed",
            shown: null,
            reason: `extension "${extensionName}" is not reported on this node: the pool was created without it, or under another name (check keyVaultExtension.name)`,
        };
    }
    const all = [...view.statuses, ...view.subStatuses];
    const main = view.statuses[0];
    const shownOf = (s: InstanceViewStatus | undefined): NodeResult["extension"] => ({
        status: s?.displayStatus ?? s?.code ?? view.provisioningState ?? "no status",
        level: s?.level,
        code: s?.code,
        message: s?.message,
    });
    if (view.type !== undefined && expectedType !== "" && view.type !== expectedType) {
        return { verdict: "failed", shown: shownOf(main), reason: `extension "${extensionName}" on the node is ${view.type}, expected ${expectedType}` };
    }
    const error = all.find(isError);
    if (error !== undefined || lower(view.provisioningState) === "failed") {
        const s = error ?? main;
        return { verdict: "failed", shown: shownOf(s), reason: `extension error: ${s?.message ?? s?.displayStatus ?? view.provisioningState ?? "failed"}` };
    }
    if (view.statuses.length === 0 && view.provisioningState === undefined) {
        return { verdict: "pending", shown: shownOf(undefined), reason: "extension has not reported a status yet" };
    }
    const transitioning = all.find((s) => /transitioning|creating|updating/i.test(s.code ?? ""));
    if (transitioning !== undefined || /^(creating|updating)$/i.test(view.provisioningState ?? "")) {
        return { verdict: "pending", shown: shownOf(transitioning ?? main), reason: "extension is still provisioning" };
    }
    const succeeded = all.some((s) => /provisioningstate\/succeeded/i.test(s.code ?? "")) || lower(view.provisioningState) === "succeeded";
    if (!succeeded) {
        return { verdict: "pending", shown: shownOf(main), reason: `extension status "${main?.code ?? view.provisioningState}" is not final yet` };
    }
    const warning = all.find((s) => lower(s.level) === "warning");
    return { verdict: "ok", shown: shownOf(warning ?? main), reason: warning ? `extension running with a warning: ${warning.message ?? warning.displayStatus}` : "extension running" };
}

function certificateResults(current: CurrentCertificate[], files: FileCheck | undefined): CertificateResult[] {
    return current.map((c) => {
        const base: CertificateResult = { name: c.name, keyVaultVersion: c.version, keyVaultThumbprint: c.thumbprint };
        if (files?.kind !== "read") return base;
        const found = (files.observed[c.name] ?? []).map((t) => t.toUpperCase());
        return { ...base, nodeThumbprints: found, matchesCurrent: found.includes(c.thumbprint) };
    });
}

export function judgeNode(evidence: NodeEvidence, current: CurrentCertificate[], extensionName: string, expectedType: string): NodeResult {
    const { node } = evidence;
    const base = { nodeId: node.id, state: node.state, certificates: certificateResults(current, evidence.files) };
    if (STARTING_STATES.has(node.state) || (!USABLE_STATES.has(node.state) && !FAILED_STATES.has(node.state))) {
        return { ...base, extension: null, verdict: "pending", reason: `node is ${node.state}; the extension reports once the node is idle or running` };
    }
    const ext = evidence.extension === "not-read" ? undefined : assessExtension(evidence.extension, extensionName, expectedType);
    if (FAILED_STATES.has(node.state)) {
        const why = ext && ext.verdict === "failed" && ext.shown ? `; ${ext.reason}` : "";
        return { ...base, extension: ext?.shown ?? null, verdict: "failed", reason: `node is ${node.state}${why}` };
    }
    if (ext === undefined) {
        return { ...base, extension: null, verdict: "pending", reason: "extension status not read yet" };
    }
    if (ext.verdict !== "ok") {
        return { ...base, extension: ext.shown, verdict: ext.verdict, reason: ext.reason };
    }
    if (evidence.files === undefined) {
        return { ...base, extension: ext.shown, verdict: "healthy", reason: ext.reason };
    }
    if (evidence.files.kind === "task-failed") {
        return { ...base, extension: ext.shown, verdict: "failed", reason: `certificate file check failed: ${evidence.files.message}` };
    }
    const missing = base.certificates.filter((c) => (c.nodeThumbprints ?? []).length === 0);
    if (missing.length > 0) {
        return {
            ...base,
            extension: ext.shown,
            verdict: "failed",
            reason: `no certificate file on the node for ${missing.map((c) => c.name).join(", ")}: the extension has not written it (see its log)`,
        };
    }
    const stale = base.certificates.filter((c) => c.matchesCurrent === false);
    if (stale.length > 0) {
        const detail = stale.map((c) => `${c.name} holds ${(c.nodeThumbprints ?? []).join("/")} but Key Vault's current version ${c.keyVaultVersion} is ${c.keyVaultThumbprint}`).join("; ");
        return { ...base, extension: ext.shown, verdict: "stale", reason: `${detail}; the extension picks up a new version within pollingIntervalInS` };
    }
    return { ...base, extension: ext.shown, verdict: "healthy", reason: `${ext.reason}; certificate files match Key Vault's current version` };
}

/** Warnings about the certificates themselves, independent of nodes. */
export function certificateWarnings(current: CurrentCertificate[], now: Date): string[] {
    const warnings: string[] = [];
    for (const c of current) {
        if (c.enabled === false) warnings.push(`Key Vault certificate "${c.name}" version ${c.version} is disabled`);
        const expired = c.expiresOn !== undefined && Date.parse(c.expiresOn) <= now.getTime();
        if (expired) {
            warnings.push(`Key Vault certificate "${c.name}" version ${c.version} expired on ${c.expiresOn}: renewal did not happen; check its lifetime action and issuer`);
        }
        warnings.push(...renewalFindings(c, now, expired));
    }
    return warnings;
}

/** A policy without AutoRenew, or a renewal date long past with no newer version: nobody renewed this certificate. */
function renewalFindings(c: CurrentCertificate, now: Date, expired: boolean): string[] {
    if (c.renewal === undefined) return [];
    if (c.renewal === null) {
        return [`Key Vault certificate "${c.name}" has no AutoRenew lifetime action in its policy: Key Vault will not renew it ` +
            "(changed outside the stack? `pulumi up` restores the stack's policy)"];
    }
    const due = c.renewal.at === undefined ? undefined : Date.parse(c.renewal.at);
    if (expired || due === undefined || now.getTime() < due + RENEWAL_GRACE_MS) return [];
    return [`Key Vault certificate "${c.name}" version ${c.version} was due for renewal on ${c.renewal.at} (${describeTrigger(c.renewal.trigger)}) ` +
        `and is still the current version a day later: the renewal failed or is stuck; check its pending operation ` +
        `(az keyvault certificate pending show --vault-name <vault> --name ${c.name}) and its issuer, and renew it by hand if need be`];
}

export function judgePool(
    poolName: string,
    evidence: NodeEvidence[],
    current: CurrentCertificate[],
    extensionName: string,
    expectedType: string,
    checkedFiles: boolean,
    now: Date,
): PoolResult {
    const nodes = evidence.map((e) => judgeNode(e, current, extensionName, expectedType));
    const counts: Record<Verdict, number> = { healthy: 0, pending: 0, stale: 0, failed: 0 };
    for (const n of nodes) counts[n.verdict]++;
    const exitCode: ExitCodeValue =
        nodes.length === 0 ? ExitCode.NoNodes : counts.failed + counts.stale > 0 ? ExitCode.NodesFailed : counts.pending > 0 ? ExitCode.Pending : ExitCode.Healthy;
    const summary =
        nodes.length === 0
            ? `pool ${poolName}: no compute nodes (is it scaled to 0, or still resizing?)`
            : `pool ${poolName}: ${nodes.length} node${nodes.length === 1 ? "" : "s"}: ${counts.healthy} healthy, ${counts.pending} pending, ${counts.stale} stale, ${counts.failed} failed` +
              (checkedFiles ? " (certificate files checked)" : " (extension status only; add --check-files to compare the files on the nodes)");
    return { poolName, checkedFiles, nodes, keyVault: current, counts, warnings: certificateWarnings(current, now), exitCode, summary };
}
