// `npm run policy -- --plan FILE`: the policy pack's rules over an offline plan
// (written by `npm run plan -- --json FILE`), without Pulumi or Azure.
// Exit codes: 0 no mandatory violation; 1 a mandatory rule failed; 2 bad usage or unreadable plan.
import { parseArgs } from "node:util";
import { checkPlan, formatReport } from "./plan";
import { readPlanFile } from "./planDocument";

const USAGE = "usage: npm run policy -- --plan FILE   (FILE from `npm run plan -- --json FILE`)";

const OPTIONS = { plan: { type: "string" } } as const;

/**
 * Strict parseArgs decides what is accepted; when it refuses, diagnose's
 * lenient token pass finds the argument at fault so the message stays this
 * command's: a missing or option-like --plan value first, then every unknown option.
 */
function planPath(argv: string[]): string {
    let plan: string | undefined;
    try {
        plan = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values.plan;
    } catch (error) {
        throw diagnose(argv, error);
    }
    if (!plan || plan.startsWith("--")) throw new Error(`--plan FILE is required\n${USAGE}`);
    return plan;
}

function diagnose(argv: string[], error: unknown): Error {
    const { tokens } = parseArgs({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
    const plan = tokens.filter((t) => t.kind === "option" && t.name === "plan").pop();
    if (plan?.kind !== "option" || !plan.value || (!plan.inlineValue && plan.value.startsWith("-"))) {
        return new Error(`--plan FILE is required\n${USAGE}`);
    }
    const unknown = tokens.flatMap((t) => (t.kind === "option" && t.name !== "plan" ? [argv[t.index]] : []));
    if (unknown.length > 0) return new Error(`unknown option ${[...new Set(unknown)].join(", ")}\n${USAGE}`);
    const positional = tokens.flatMap((t) => (t.kind === "positional" ? [t.value] : []));
    if (positional.length > 0) return new Error(`unexpected argument ${positional.join(", ")}\n${USAGE}`);
    return new Error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
}

function main(argv: string[]): number {
    let plan;
    try {
        const path = planPath(argv);
        plan = readPlanFile(path);
    } catch (error) {
        console.error(`policy check: ${(error as Error).message}`);
        return 2;
    }
    const report = checkPlan(plan);
    console.log(formatReport(plan.stack || "(unnamed stack)", report));
    return report.mandatory.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
