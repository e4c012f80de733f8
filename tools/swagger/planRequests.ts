// Which planned resources map to which Azure REST spec, and the check of a
// whole offline plan against them. The specs live beside the repository in
// `../shared/specs` (CI clones the repo with shared/ next to it).

import { existsSync } from "node:fs";
import * as path from "node:path";
import type { PlanDocument } from "../plan/types";
import { validateRestCall } from "./request";
import { loadSpec, type Spec } from "./validate";
import { CERTIFICATE_TYPE } from "../../components/azureFacts";

export interface SpecBinding {
    /** Pulumi type token of the planned resource. */
    resourceType: string;
    /** Spec file, relative to the specs folder. */
    specFile: string;
    /** The definition the request body must satisfy. */
    definition: string;
    /** Every plan must contain one (the component always creates it); otherwise checked when present. */
    requiredInEveryPlan: boolean;
}

export const SPEC_BINDINGS: readonly SpecBinding[] = [
    {
        resourceType: "azure-native:batch:Pool",
        specFile: "batch-2024-07-01/BatchManagement.json",
        definition: "Pool",
        requiredInEveryPlan: true,
    },
    {
        resourceType: "azure-native:keyvault:Vault",
        specFile: "keyvault/keyvault-2024-11-01.json",
        definition: "VaultCreateOrUpdateParameters",
        requiredInEveryPlan: true,
    },
    {
        resourceType: CERTIFICATE_TYPE,
        specFile: "keyvault/certificates-7.5.json",
        definition: "CertificateCreateParameters",
        requiredInEveryPlan: true,
    },
    // Present only on access-policy vaults. (The Batch account is not checked: the stored Batch
    // spec is a trimmed copy without the account's PUT operation.)
    {
        resourceType: "azure-native:keyvault:AccessPolicy",
        specFile: "keyvault/keyvault-2024-11-01.json",
        definition: "VaultAccessPolicyParameters",
        requiredInEveryPlan: false,
    },
];

/** Loaded specs by resource type. */
export type BoundSpecs = ReadonlyMap<string, Spec>;

/** Loads every bound spec from `specsRoot`; fails naming the folder when it is missing. */
export function loadBoundSpecs(specsRoot: string, bindings: readonly SpecBinding[] = SPEC_BINDINGS): BoundSpecs {
    if (!existsSync(specsRoot)) {
        throw new Error(
            `Azure REST specs not found at ${specsRoot}: the spec checks need the shared/ folder (with specs/) beside the repository clone`,
        );
    }
    // One load per file: several resource types share a spec.
    const byFile = new Map<string, Spec>();
    for (const { specFile } of bindings) if (!byFile.has(specFile)) byFile.set(specFile, loadSpec(path.join(specsRoot, specFile)));
    return new Map(bindings.map((binding) => [binding.resourceType, byFile.get(binding.specFile) as Spec]));
}

export interface PlanCheckResult {
    /** One line per problem: `<resource name> (<type>) <where>: <message>`. */
    problems: string[];
    /** How many requests were validated, per bound resource type (0 included). */
    validated: Record<string, number>;
}

/** Validates the rendered request of every planned resource that has a bound spec. */
export function checkPlanRequests(
    plan: PlanDocument,
    specs: BoundSpecs,
    bindings: readonly SpecBinding[] = SPEC_BINDINGS,
): PlanCheckResult {
    const problems: string[] = [];
    const validated: Record<string, number> = Object.fromEntries(bindings.map((binding) => [binding.resourceType, 0]));
    for (const resource of plan.resources) {
        const binding = bindings.find((candidate) => candidate.resourceType === resource.type);
        if (binding === undefined) continue;
        const spec = specs.get(binding.resourceType);
        if (spec === undefined) throw new Error(`no spec loaded for ${binding.resourceType}`);
        const label = `${resource.name} (${resource.type})`;
        if (resource.request === undefined) {
            problems.push(`${label}: no request rendered; the plan must render the REST call for this type`);
            continue;
        }
        for (const problem of validateRestCall(spec, resource.request, binding.definition)) problems.push(`${label} ${problem}`);
        validated[binding.resourceType] += 1;
    }
    return { problems, validated };
}
