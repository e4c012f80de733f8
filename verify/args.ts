// Command-line parsing for `npm run verify`, on node:util's parseArgs. Pure:
// argv in, options or a usage error (exit code 2) out.
import { parseArgs as parseNodeArgs, type ParseArgsOptionsConfig } from "node:util";
import { ExitCode, VerifyError } from "./errors";

export interface VerifyOptions {
    /** Read outputs with `pulumi stack output` for this stack. */
    stack?: string;
    /** Read outputs from this JSON file (the same document `pulumi stack output --json` prints). */
    outputsFile?: string;
    /** With `pools:`: the key of the pool to verify (needed when the stack has several). */
    pool?: string;
    /** Also run a short Batch job that reads the certificate files on every node. */
    checkFiles: boolean;
    /** Keep polling until every node passes or this many milliseconds have passed. */
    waitMs?: number;
    /** Time between polls with --wait. */
    intervalMs: number;
    /** Bound on the --check-files job: how long to wait for its tasks. */
    taskTimeoutMs: number;
    /** Print the result as JSON instead of a table. */
    json: boolean;
    help: boolean;
}

export const USAGE = `Usage: npm run verify -- (--stack NAME | --outputs FILE) [options]

Checks that every compute node of the deployed pool runs the Key Vault VM
extension and holds the certificate version Key Vault currently serves.

  --stack NAME          read the stack outputs with \`pulumi stack output --json --show-secrets\`
  --outputs FILE        read the same JSON from a file (for pipelines)
  --pool KEY            with pools:, the pool to verify (its key; needed when there are several)
  --check-files         run a short Batch job (one task per node) that reads the
                        certificate file the extension wrote and compares thumbprints
  --wait DURATION       keep polling until every node passes or DURATION is up
                        (ISO 8601 like PT10M, or 90s / 10m / 1h)
  --interval DURATION   time between polls with --wait (default 30s)
  --task-timeout DURATION  how long --check-files waits for its tasks (default 10m)
  --json                print the result as JSON
  -h, --help            show this help`;

const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TASK_TIMEOUT_MS = 10 * 60_000;

/**
 * Parses "PT10M", "PT1H30M", "PT45S", "P1DT2H" (ISO 8601 durations without
 * years or months, whose length varies) or the short forms "90s", "10m", "1h",
 * "500ms". Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
    const iso = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
    if (iso && text.toUpperCase() !== "P" && !/T$/i.test(text)) {
        const [, d, h, m, s] = iso;
        const ms =
            (Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000;
        return Math.round(ms);
    }
    const short = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/i.exec(text);
    if (short) {
        const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[short[2].toLowerCase() as "ms" | "s" | "m" | "h"];
        return Math.round(Number(short[1]) * factor);
    }
    return undefined;
}

function durationValue(flag: string, value: string | undefined): number {
    if (value === undefined || value.startsWith("--")) {
        throw new VerifyError(ExitCode.Usage, `${flag} needs a duration, e.g. ${flag} PT10M or ${flag} 10m`);
    }
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) {
        throw new VerifyError(
            ExitCode.Usage,
            `${flag}: "${value}" is not a positive duration; use ISO 8601 (PT10M, PT1H30M) or 90s / 10m / 1h`,
        );
    }
    return ms;
}

function stringValue(flag: string, value: string | undefined, what: string): string {
    if (value === undefined || value === "" || value.startsWith("--")) {
        throw new VerifyError(ExitCode.Usage, `${flag} needs ${what}`);
    }
    return value;
}

const OPTIONS = {
    stack: { type: "string" },
    pool: { type: "string" },
    outputs: { type: "string" },
    "check-files": { type: "boolean" },
    wait: { type: "string" },
    interval: { type: "string" },
    "task-timeout": { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** Each string flag's check, so a usage error reads the same whether strict parsing or the check caught it. */
const CHECKS = {
    stack: (flag: string, value: string | undefined): string => stringValue(flag, value, "a stack name, e.g. --stack dev"),
    outputs: (flag: string, value: string | undefined): string => stringValue(flag, value, "a file path, e.g. --outputs outputs.json"),
    pool: (flag: string, value: string | undefined): string => stringValue(flag, value, "a key under pools:, e.g. --pool linux"),
    wait: durationValue,
    interval: durationValue,
    "task-timeout": durationValue,
} satisfies Partial<Record<keyof typeof OPTIONS, (flag: string, value: string | undefined) => string | number>>;

function check(name: string, flag: string, value: string | undefined): void {
    (CHECKS as Record<string, ((flag: string, value: string | undefined) => unknown) | undefined>)[name]?.(flag, value);
}

/**
 * parseArgs' own messages name the problem but not the fix; re-reading the
 * argv as tokens (the lenient mode never throws) finds the argument at fault
 * and gives the message this command has always given for it.
 */
function usageError(argv: readonly string[], error: unknown): VerifyError {
    const { tokens } = parseNodeArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
    for (const token of tokens) {
        if (token.kind === "positional") return new VerifyError(ExitCode.Usage, `unknown argument "${argv[token.index]}"\n\n${USAGE}`);
        if (token.kind !== "option") continue;
        const spec = (OPTIONS as Record<string, { type: "string" | "boolean" } | undefined>)[token.name];
        if (spec === undefined) return new VerifyError(ExitCode.Usage, `unknown argument "${argv[token.index]}"\n\n${USAGE}`);
        if (spec.type === "boolean") {
            if (token.value !== undefined) return new VerifyError(ExitCode.Usage, `${token.rawName} takes no value\n\n${USAGE}`);
            continue;
        }
        // Strict mode refuses a separate value that starts with "-" (it may be a forgotten value).
        if (token.value === undefined || (!token.inlineValue && token.value.startsWith("-"))) {
            check(token.name, token.rawName, token.value);
            return new VerifyError(ExitCode.Usage, `${token.rawName} "${token.value ?? ""}" looks like an option; write ${token.rawName}=${token.value ?? ""} if it is the value`);
        }
    }
    return new VerifyError(ExitCode.Usage, `${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
}

export function parseArgs(argv: readonly string[]): VerifyOptions {
    let parsed: ReturnType<typeof parseStrict>;
    try {
        parsed = parseStrict(argv);
    } catch (error) {
        throw usageError(argv, error);
    }
    // Checked in the order given, so the first bad argument is the one reported.
    for (const token of parsed.tokens) {
        if (token.kind === "option") check(token.name, token.rawName, token.value);
    }
    const { values } = parsed;
    const options: VerifyOptions = {
        checkFiles: values["check-files"] ?? false,
        json: values.json ?? false,
        help: values.help ?? false,
        intervalMs: values.interval === undefined ? DEFAULT_INTERVAL_MS : CHECKS.interval("--interval", values.interval),
        taskTimeoutMs: values["task-timeout"] === undefined ? DEFAULT_TASK_TIMEOUT_MS : CHECKS["task-timeout"]("--task-timeout", values["task-timeout"]),
    };
    if (values.stack !== undefined) options.stack = CHECKS.stack("--stack", values.stack);
    if (values.outputs !== undefined) options.outputsFile = CHECKS.outputs("--outputs", values.outputs);
    if (values.pool !== undefined) options.pool = CHECKS.pool("--pool", values.pool);
    if (values.wait !== undefined) options.waitMs = CHECKS.wait("--wait", values.wait);
    if (options.help) return options;
    if (options.stack !== undefined && options.outputsFile !== undefined) {
        throw new VerifyError(ExitCode.Usage, "give either --stack or --outputs, not both");
    }
    if (options.stack === undefined && options.outputsFile === undefined) {
        throw new VerifyError(ExitCode.Usage, `say which deployment to verify: --stack NAME or --outputs FILE\n\n${USAGE}`);
    }
    return options;
}

function parseStrict(argv: readonly string[]) {
    return parseNodeArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
}
