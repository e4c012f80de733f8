// Pure rendering of a pool result: a table for people, JSON for machines.
import { ExitCode } from "./errors";
import { describeTrigger } from "./keyvault";
import type { NodeResult, PoolResult } from "./verdict";

const MESSAGE_WIDTH = 60;

function clip(text: string, width: number): string {
    const flat = text.replace(/\s+/g, " ").trim();
    return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

/** First 8 hex digits: enough to tell versions apart at a glance; --json has them in full. */
const short = (thumbprint: string): string => thumbprint.slice(0, 8);

function certificatesCell(node: NodeResult): string {
    return node.certificates
        .map((c) => {
            const onNode = c.nodeThumbprints === undefined ? "" : ` node=${c.nodeThumbprints.length === 0 ? "missing" : c.nodeThumbprints.map(short).join("/")}`;
            return `${c.name} kv=${short(c.keyVaultThumbprint)}${onNode}`;
        })
        .join(", ");
}

export function renderTable(result: PoolResult): string {
    const lines: string[] = [];
    for (const c of result.keyVault) {
        const renewal = c.renewal?.at === undefined ? "" : `, next renewal ${c.renewal.at} (${describeTrigger(c.renewal.trigger)})`;
        lines.push(`Key Vault ${c.name}: current version ${c.version}, thumbprint ${c.thumbprint}${c.expiresOn ? `, expires ${c.expiresOn}` : ""}${renewal}`);
    }
    if (result.nodes.length > 0) {
        const header = ["NODE", "STATE", "EXTENSION", "MESSAGE", "CERTIFICATES", "VERDICT"];
        const rows = result.nodes.map((n) => [
            n.nodeId,
            n.state,
            n.extension?.status ?? "-",
            n.extension?.message ? clip(n.extension.message, MESSAGE_WIDTH) : "-",
            certificatesCell(n),
            n.verdict,
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const format = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
        lines.push("", format(header));
        for (const [i, row] of rows.entries()) {
            lines.push(format(row));
            const node = result.nodes[i];
            if (node.verdict !== "healthy") lines.push(`    -> ${node.reason}`);
        }
    }
    for (const w of result.warnings) lines.push(`warning: ${w}`);
    lines.push("", result.summary);
    return lines.join("\n");
}

export type OverallVerdict = "healthy" | "pending" | "failed" | "no-nodes";

export function overallVerdict(result: PoolResult): OverallVerdict {
    switch (result.exitCode) {
        case ExitCode.Healthy:
            return "healthy";
        case ExitCode.Pending:
            return "pending";
        case ExitCode.NoNodes:
            return "no-nodes";
        default:
            return "failed";
    }
}

/** The --json document. Field names are a contract for pipelines: add, don't rename. */
export function renderJson(result: PoolResult): string {
    return JSON.stringify(
        {
            pool: result.poolName,
            verdict: overallVerdict(result),
            exitCode: result.exitCode,
            summary: result.summary,
            checkedFiles: result.checkedFiles,
            counts: result.counts,
            keyVault: result.keyVault,
            nodes: result.nodes,
            warnings: result.warnings,
        },
        null,
        2,
    );
}

/** --json when the run could not produce a pool result (bad outputs, 403, ...). */
export function renderErrorJson(exitCode: number, message: string): string {
    return JSON.stringify({ verdict: "error", exitCode, error: message }, null, 2);
}
