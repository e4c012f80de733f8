// npm run plan -- [--stack NAME | --config FILE] [--json OUT]
// The offline plan: the stack program under mocks, printed as a tree, and
// optionally written as JSON. Bad configuration exits non-zero with the
// validation message and writes no JSON.

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { PlanInputError } from "./plan/config";
import { skipProviderSerialization } from "./plan/providerCode";
import { planStack } from "./plan/run";
import { renderTree } from "./plan/tree";

const USAGE = "usage: npm run plan -- [--stack NAME | --config FILE] [--json OUT]";

async function main(argv: string[]): Promise<number> {
    let values: { stack?: string; config?: string; json?: string; help?: boolean };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: { stack: { type: "string" }, config: { type: "string" }, json: { type: "string" }, help: { type: "boolean" } },
            strict: true,
        }));
    } catch (err) {
        console.error(`${(err as Error).message}\n${USAGE}`);
        return 2;
    }
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    skipProviderSerialization();
    try {
        const plan = await planStack({ stack: values.stack, configFile: values.config });
        console.log(renderTree(plan));
        if (values.json) {
            writeFileSync(values.json, `${JSON.stringify(plan, null, 2)}\n`);
            console.log(`\nplan written to ${values.json}`);
        }
        return 0;
    } catch (err) {
        if (err instanceof PlanInputError || err instanceof pulumi.RunError) {
            console.error(`plan failed: ${err.message}`);
            return 1;
        }
        throw err;
    }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
    console.error(err);
    process.exit(1);
});
