// Command-line parsing for `npm run verify`. Pure: argv in, options or a
// usage error out.
import { ExitCode, VerifyError } from "./errors";

export interface VerifyOptions {
    /** Read outputs with `pulumi stack output` for this stack. */
    stack?: string;
    /** Read outputs from this JSON file (the same document `pulumi stack output --json` prints). */
    outputsFile?: string;
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

export function parseArgs(argv: readonly string[]): VerifyOptions {
    const options: VerifyOptions = {
        checkFiles: false,
        json: false,
        help: false,
        intervalMs: DEFAULT_INTERVAL_MS,
        taskTimeoutMs: DEFAULT_TASK_TIMEOUT_MS,
    };
    for (let i = 0; i < argv.length; i++) {
        const raw = argv[i];
        // Accept --flag=value as well as --flag value.
        const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
        const flag = eq > 0 ? raw.slice(0, eq) : raw;
        const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
        const next = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
        switch (flag) {
            case "--stack":
                options.stack = stringValue(flag, next(), "a stack name, e.g. --stack dev");
                break;
            case "--outputs":
                options.outputsFile = stringValue(flag, next(), "a file path, e.g. --outputs outputs.json");
                break;
            case "--check-files":
                options.checkFiles = true;
                break;
            case "--wait":
                options.waitMs = durationValue(flag, next());
                break;
            case "--interval":
                options.intervalMs = durationValue(flag, next());
                break;
            case "--task-timeout":
                options.taskTimeoutMs = durationValue(flag, next());
                break;
            case "--json":
                options.json = true;
                break;
            case "-h":
            case "--help":
                options.help = true;
                break;
            default:
                throw new VerifyError(ExitCode.Usage, `unknown argument "${raw}"\n\n${USAGE}`);
        }
    }
    if (options.help) return options;
    if (options.stack !== undefined && options.outputsFile !== undefined) {
        throw new VerifyError(ExitCode.Usage, "give either --stack or --outputs, not both");
    }
    if (options.stack === undefined && options.outputsFile === undefined) {
        throw new VerifyError(ExitCode.Usage, `say which deployment to verify: --stack NAME or --outputs FILE\n\n${USAGE}`);
    }
    return options;
}
