// `npm run policy -- --plan FILE`: the policy pack's rules over an offline plan
// (written by `npm run plan -- --json FILE`), without Pulumi or Azure.
// Exit codes: 0 no mandatory violation; 1 a mandatory rule failed; 2 bad usage or unreadable plan.
import { readFileSync } from "node:fs";
import { checkPlan, formatReport, parsePlanDocument } from "../policy/plan";

const USAGE = "usage: npm run policy -- --plan FILE   (FILE from `npm run plan -- --json FILE`)";

function planPath(argv: string[]): string {
    const index = argv.indexOf("--plan");
    const path = index >= 0 ? argv[index + 1] : undefined;
    if (!path || path.startsWith("--")) throw new Error(`--plan FILE is required\n${USAGE}`);
    const unknown = argv.filter((arg, i) => arg.startsWith("--") && i !== index);
    if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(", ")}\n${USAGE}`);
    return path;
}

function readPlan(path: string): unknown {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(code === "ENOENT"
            ? `plan file ${path} does not exist; write it with \`npm run plan -- --json ${path}\``
            : `cannot read plan file ${path}: ${(error as Error).message}`);
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        throw new Error(`plan file ${path} is not valid JSON (${(error as Error).message}); write it with \`npm run plan -- --json ${path}\``);
    }
}

function main(argv: string[]): number {
    let plan;
    try {
        const path = planPath(argv);
        plan = parsePlanDocument(readPlan(path), path);
    } catch (error) {
        console.error(`policy check: ${(error as Error).message}`);
        return 2;
    }
    const report = checkPlan(plan);
    console.log(formatReport(plan.stack || "(unnamed stack)", report));
    return report.mandatory.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
