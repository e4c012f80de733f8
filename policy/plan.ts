// The offline plan (policy/planDocument.ts) as the rules see a stack, and the
// report the policy check prints. Pure: the CLI in policy/cli.ts does
// the reading, printing and exit code.
import type { PlanDocument, PlannedResource } from "./planDocument";
import { checkStack, KnownIdentity, levelOf, ResourceUnderCheck, StackUnderCheck, Violation } from "./rules";
import { AZURE_TYPES } from "../components/azureFacts";
import { isPlainObject } from "../components/json";

type Obj = Record<string, unknown>;

function optionalString(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

function toResource(resource: PlannedResource): ResourceUnderCheck {
    return {
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        inputs: isPlainObject(resource.inputs) ? resource.inputs : {},
        request: resource.request ? { method: resource.request.method, url: resource.request.url, body: resource.request.body } : undefined,
    };
}

/**
 * Identities whose output values the plan knows: the stack's exported identity
 * (identityId / identityClientId / identityPrincipalId, as the mocks answer),
 * and any identity resource that carries its own `outputs`.
 */
export function identitiesFromPlan(plan: PlanDocument): KnownIdentity[] {
    const identities: KnownIdentity[] = [];
    const outputs = isPlainObject(plan.outputs) ? plan.outputs : {};
    const exported = {
        resourceId: optionalString(outputs.identityId),
        clientId: optionalString(outputs.identityClientId),
        principalId: optionalString(outputs.identityPrincipalId),
    };
    if (exported.resourceId || exported.clientId) identities.push(exported);
    for (const resource of plan.resources) {
        const own: unknown = (resource as unknown as Obj).outputs;
        if (resource.type !== AZURE_TYPES.identity || !isPlainObject(own)) continue;
        identities.push({
            resourceId: optionalString(own.id),
            clientId: optionalString(own.clientId),
            principalId: optionalString(own.principalId),
        });
    }
    return identities;
}

export function stackFromPlan(plan: PlanDocument): StackUnderCheck {
    return { resources: plan.resources.map(toResource), identities: identitiesFromPlan(plan) };
}

export interface PolicyReport {
    mandatory: Violation[];
    advisory: Violation[];
}

export function checkPlan(plan: PlanDocument): PolicyReport {
    const violations = checkStack(stackFromPlan(plan));
    return {
        mandatory: violations.filter((v) => levelOf(v) === "mandatory"),
        advisory: violations.filter((v) => levelOf(v) === "advisory"),
    };
}

function compact(value: unknown): string {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

export function formatViolation(label: "ERROR" | "WARNING", v: Violation): string {
    return `${label} [${v.rule}] ${v.resource}: ${v.message}\n    value: ${compact(v.value)}`;
}

export function formatReport(stackName: string, report: PolicyReport): string {
    const lines = [
        ...report.mandatory.map((v) => formatViolation("ERROR", v)),
        ...report.advisory.map((v) => formatViolation("WARNING", v)),
    ];
    const verdict = report.mandatory.length > 0 ? "FAILED" : "passed";
    lines.push(`policy check of ${stackName}: ${verdict}: ${report.mandatory.length} mandatory violation(s), ${report.advisory.length} advisory warning(s)`);
    return lines.join("\n");
}
