// `npm run verify`: the CLI around runVerify. Wires the real credential and
// clients, the test-only overrides (environment variables named as such), the
// Ctrl-C handler, and prints the result.
import { DefaultAzureCredential, type AccessToken, type TokenCredential } from "@azure/identity";
import { parseArgs, USAGE, type VerifyOptions } from "./args";
import { ExitCode, VerifyError } from "./errors";
import { defaultCertificateReaderFactory } from "./keyvault";
import { renderErrorJson, renderJson, renderTable } from "./render";
import { runVerify, type VerifyDeps } from "./run";
import { readOutputsFile, readStackOutputs } from "./stackOutputs";
import { loopbackHttpClient } from "./testOverrides";

/**
 * TEST ONLY. These point the command at a local fake of Batch and Key Vault.
 * They are read from the environment of the process alone: nothing in the
 * stack config or the outputs file can set them.
 */
export const TEST_ENV = {
    batchUrl: "BATCH_CERT_ROTATION_TEST_BATCH_URL",
    keyVaultUrl: "BATCH_CERT_ROTATION_TEST_KEYVAULT_URL",
    token: "BATCH_CERT_ROTATION_TEST_TOKEN",
} as const;

export interface MainIO {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    env: Record<string, string | undefined>;
    signal?: AbortSignal;
    /** Overrides for tests that run in-process (sleep, transport, credential for both services, retry bounds). */
    deps?: Partial<VerifyDeps>;
}

/** A fixed bearer token, for tests only: DefaultAzureCredential has no login there. */
function staticCredential(token: string): TokenCredential {
    return {
        getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
}

function readTarget(options: VerifyOptions): ReturnType<VerifyDeps["readTarget"]> {
    return options.outputsFile !== undefined ? readOutputsFile(options.outputsFile, options.pool) : readStackOutputs(options.stack ?? "", options.pool);
}

export async function main(argv: string[], io: MainIO): Promise<number> {
    let options: VerifyOptions;
    try {
        options = parseArgs(argv);
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        io.stderr(`verify: ${message}`);
        return error instanceof VerifyError ? error.exitCode : ExitCode.Usage;
    }
    if (options.help) {
        io.stdout(USAGE);
        return ExitCode.Healthy;
    }
    const testBatchBaseUrl = io.env[TEST_ENV.batchUrl] || undefined;
    const testKeyVaultUrl = io.env[TEST_ENV.keyVaultUrl] || undefined;
    const testToken = io.env[TEST_ENV.token] || undefined;
    if (testBatchBaseUrl || testKeyVaultUrl || testToken) {
        io.stderr(`verify: TEST overrides in effect (${Object.values(TEST_ENV).filter((k) => io.env[k]).join(", ")}): for the test suite only`);
    }
    const credential = io.deps?.credential ?? (testToken ? staticCredential(testToken) : new DefaultAzureCredential());
    const certificateReaderFactory = defaultCertificateReaderFactory(
        credential,
        // Both bearer policies only talk https: keep the real URLs and carry requests to the fake.
        testKeyVaultUrl ? { httpClient: loopbackHttpClient(testKeyVaultUrl), retryOptions: { maxRetries: 1, retryDelayInMs: 10 } } : {},
    );
    const deps: VerifyDeps = {
        readTarget,
        credential,
        certificateReaderFactory,
        httpClient: testBatchBaseUrl ? loopbackHttpClient(testBatchBaseUrl) : undefined,
        signal: io.signal,
        progress: (line) => io.stderr(line),
        ...io.deps,
    };
    const outcome = await runVerify(options, deps);
    if (outcome.result !== undefined) {
        io.stdout(options.json ? renderJson(outcome.result) : renderTable(outcome.result));
    } else {
        const message = outcome.error ?? "failed";
        if (options.json) io.stdout(renderErrorJson(outcome.exitCode, message));
        io.stderr(`verify: ${message}`);
    }
    for (const job of outcome.jobs) {
        if (!job.deleted) io.stderr(`verify: warning: job ${job.id} may still exist; delete it with \`az batch job delete --job-id ${job.id}\``);
    }
    return outcome.exitCode;
}

if (require.main === module) {
    const controller = new AbortController();
    let interrupts = 0;
    const onSignal = (): void => {
        interrupts++;
        if (interrupts === 1) {
            process.stderr.write("verify: interrupted; cleaning up (press Ctrl-C again to quit at once)\n");
            controller.abort();
        } else {
            process.exit(ExitCode.Interrupted);
        }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    main(process.argv.slice(2), {
        stdout: (text) => process.stdout.write(`${text}\n`),
        stderr: (text) => process.stderr.write(`${text}\n`),
        env: process.env,
        signal: controller.signal,
    }).then(
        (code) => {
            process.exitCode = code;
        },
        (error: unknown) => {
            // Last resort: runVerify maps every failure, so this is a bug; still no stack trace.
            process.stderr.write(`verify: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exitCode = ExitCode.ServiceError;
        },
    );
}
