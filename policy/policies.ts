// The rules of rules.ts as @pulumi/policy definitions. Kept apart from the
// `new PolicyPack(...)` call in index.ts, which starts the analyzer's gRPC
// server: tests load this module to check the wiring without a server.
// Only types come from @pulumi/policy, so loading it starts nothing.
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import {
    KnownIdentity,
    ResourceRule,
    ResourceUnderCheck,
    RULES,
    StackRule,
    Violation,
} from "./rules";
import { AZURE_TYPES } from "../components/azureFacts";

export const POLICY_PACK_NAME = "batch-cert-rotation-guardrails";

function asRecord(value: unknown): Record<string, unknown> {
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function describe(rule: ResourceRule | StackRule): string {
    return `${rule.description} Anchor: ${rule.anchor}.`;
}

function format(violation: Violation): string {
    return `${violation.resource}: ${violation.message}`;
}

function toResourceValidationPolicy(rule: ResourceRule): ResourceValidationPolicy {
    return {
        name: rule.name,
        description: describe(rule),
        enforcementLevel: rule.level,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (!rule.appliesTo(args.type)) return;
            const resource: ResourceUnderCheck = { type: args.type, name: args.name, urn: args.urn, inputs: asRecord(args.props) };
            for (const violation of rule.check(resource)) reportViolation(format(violation));
        },
    };
}

/**
 * What the engine knows of each user-assigned identity: its outputs (client and
 * principal IDs) and which pools take it in their `identity` property.
 */
export function identitiesFromStack(resources: PolicyResource[]): KnownIdentity[] {
    const pools = resources.filter((r) => r.type === AZURE_TYPES.pool);
    return resources
        .filter((r) => r.type === AZURE_TYPES.identity)
        .map((identity) => {
            const props = asRecord(identity.props);
            const attachedTo = pools
                .filter((pool) => (pool.propertyDependencies?.identity ?? []).some((dep) => dep.urn === identity.urn))
                .map((pool) => pool.urn);
            return {
                resourceId: typeof props.id === "string" ? props.id : undefined,
                clientId: typeof props.clientId === "string" ? props.clientId : undefined,
                principalId: typeof props.principalId === "string" ? props.principalId : undefined,
                attachedTo,
            };
        });
}

function toStackValidationPolicy(rule: StackRule): StackValidationPolicy {
    return {
        name: rule.name,
        description: describe(rule),
        enforcementLevel: rule.level,
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            const resources: ResourceUnderCheck[] = args.resources.map((r) => ({
                type: r.type, name: r.name, urn: r.urn, inputs: asRecord(r.props),
            }));
            const urnOf = new Map(resources.map((r) => [r.name, r.urn]));
            for (const violation of rule.check({ resources, identities: identitiesFromStack(args.resources) })) {
                reportViolation(format(violation), urnOf.get(violation.resource));
            }
        },
    };
}

/** One policy per rule, with the rule's name and enforcement level. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = RULES.map((rule) =>
    rule.kind === "resource" ? toResourceValidationPolicy(rule) : toStackValidationPolicy(rule));
