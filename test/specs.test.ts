// Every request the offline plan renders, for every stack and example, checked
// against Azure's own REST specs: the pool against Batch 2024-07-01, the vault
// against Key Vault management 2024-11-01, each certificate against the Key
// Vault data plane 7.5. A clean result means ARM would accept the bodies as
// written, with no property silently dropped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { planStack } from "../tools/plan/run";
import { checkPlanRequests, loadBoundSpecs, SPEC_BINDINGS } from "../tools/swagger/planRequests";
import { REPO_ROOT, sharedPath } from "../tools/swagger/shared";

const stackFiles = readdirSync(REPO_ROOT).filter((file) => /^Pulumi\.[^.]+\.ya?ml$/.test(file)).sort();
const exampleFiles = readdirSync(path.join(REPO_ROOT, "examples")).filter((file) => /\.ya?ml$/.test(file)).sort();

void test("there are stacks and examples to check", () => {
    assert.ok(stackFiles.includes("Pulumi.dev.yaml"), `no Pulumi.dev.yaml at the repository root (found: ${stackFiles.join(", ") || "none"})`);
    assert.ok(exampleFiles.includes("how-to-linux.yaml") && exampleFiles.includes("how-to-windows.yaml"), `examples missing (found: ${exampleFiles.join(", ") || "none"})`);
});

const specs = loadBoundSpecs(sharedPath("specs"));

const plans = [
    ...stackFiles.map((file) => ({ label: file, options: { stack: /^Pulumi\.([^.]+)\./.exec(file)?.[1] as string } })),
    ...exampleFiles.map((file) => ({ label: `examples/${file}`, options: { configFile: path.join(REPO_ROOT, "examples", file) } })),
];

for (const { label, options } of plans) {
    void test(`${label}: the pool, vault and certificate requests satisfy Azure's REST specs`, async () => {
        const plan = await planStack({ ...options, projectDir: REPO_ROOT });
        // Several plans share this process: let this one's last RPCs (the stack's outputs) land on
        // its own mock monitor before the next plan installs another.
        await pulumi.runtime.disconnect();
        const { problems, validated } = checkPlanRequests(plan, specs);
        assert.deepEqual(problems, [], `${label}: requests Azure's spec rejects:\n${problems.join("\n")}`);
        for (const { resourceType } of SPEC_BINDINGS.filter((binding) => binding.requiredInEveryPlan)) {
            assert.ok(validated[resourceType] >= 1, `${label}: the plan rendered no ${resourceType} request, so nothing of that kind was checked`);
        }
    });
}
