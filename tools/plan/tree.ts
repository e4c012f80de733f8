// The plan as a reader wants it: the resource tree, what each waits for, and
// what would force the pool to be replaced.

import { AZURE_TYPES } from "../../components/azureFacts";
import { POOL_REPLACE_ON_CHANGES } from "../../components/pool";
import type { PlanDocument, PlannedResource } from "../../policy/planDocument";

function label(r: PlannedResource): string {
    return `${r.type} ${r.name}`;
}

function replacementNote(r: PlannedResource): string | undefined {
    if (r.type !== AZURE_TYPES.pool) return undefined;
    if (r.options.deleteBeforeReplace) {
        return `replaced (delete first: pinned name ${String(r.inputs.poolName)}) when ${r.options.replaceOnChanges.join(", ")} change`;
    }
    return `replaced (create first: derived name ${String(r.inputs.poolName)} changes) when ${POOL_REPLACE_ON_CHANGES.join(", ")} change`;
}

export function renderTree(plan: PlanDocument): string {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of plan.resources) {
        const key = r.parent && byUrn.has(r.parent) ? r.parent : undefined;
        children.set(key, [...(children.get(key) ?? []), r]);
    }
    const lines = [`stack ${plan.stack}: ${plan.resources.length} resources`];
    const walk = (parent: string | undefined, indent: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            lines.push(`${indent}${last ? "└─ " : "├─ "}${label(r)}`);
            const detail = indent + (last ? "   " : "│  ");
            const deps = r.dependsOn.map((u) => byUrn.get(u)?.name ?? u);
            if (deps.length > 0) lines.push(`${detail}   depends on: ${deps.join(", ")}`);
            const note = replacementNote(r);
            if (note) lines.push(`${detail}   ${note}`);
            if (r.request) lines.push(`${detail}   ${r.request.method} ${r.request.url}`);
            walk(r.urn, detail);
        });
    };
    walk(undefined, "");
    if (plan.warnings.length > 0) {
        lines.push("", "warnings:");
        for (const w of plan.warnings) lines.push(`  - ${w}`);
    }
    return lines.join("\n");
}
