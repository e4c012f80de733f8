// npm run check-specs -- PLAN.json [PLAN.json ...] [--specs DIR]
// Validates the requests of offline-plan JSON files (npm run plan -- --json
// OUT) against Azure's REST specs with oav, for CI jobs that keep the plan as
// an artifact. The specs default to the repository's copies. Exits 1 on any
// violation or when a plan lacks a pool, vault or certificate request; 2 on
// usage errors, a file that is not a plan, or specs that can't be loaded.

import { parseArgs } from "node:util";
import { readPlanFile } from "../../policy/planDocument";
import { checkPlanRequests, loadBoundSpecs, SPEC_BINDINGS } from "./planRequests";
import { fixturePath } from "../../test/fixtures";

const USAGE = "usage: npm run check-specs -- PLAN.json [PLAN.json ...] [--specs DIR]";

async function main(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args: argv, options: { specs: { type: "string" } }, allowPositionals: true, strict: true });
    if (positionals.length === 0) {
        console.error(USAGE);
        return 2;
    }
    const specs = await loadBoundSpecs(values.specs ?? fixturePath("specs"));
    let failed = false;
    for (const file of positionals) {
        const { problems, validated, unchecked } = await checkPlanRequests(readPlanFile(file), specs);
        const missing = SPEC_BINDINGS.filter((binding) => binding.requiredInEveryPlan && validated[binding.resourceType] === 0);
        for (const binding of missing) problems.push(`no ${binding.resourceType} request in the plan: nothing of that kind was checked`);
        const counts = Object.entries(validated).map(([type, count]) => `${type.split(":").pop() ?? type} ${count}`).join(", ");
        const skipped = Object.entries(unchecked).map(([type, count]) => `${type.split(":").pop() ?? type} ${count}`).join(", ");
        if (skipped !== "") console.log(`${file}: not checked, no spec in the fixtures: ${skipped}`);
        if (problems.length === 0) {
            console.log(`${file}: requests valid against the specs (${counts})`);
        } else {
            failed = true;
            console.error(`${file}: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
        }
    }
    return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exitCode = 2;
    },
);
