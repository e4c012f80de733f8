// Reads the stack outputs: from a file, or from the `pulumi` CLI. Thin I/O;
// parsing and validation live in outputs.ts.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { ExitCode, VerifyError } from "./errors";
import { parseOutputsText, type VerifyTarget } from "./outputs";

export async function readOutputsFile(file: string, pool?: string): Promise<VerifyTarget> {
    let text: string;
    try {
        text = await readFile(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new VerifyError(
            ExitCode.BadOutputs,
            code === "ENOENT"
                ? `outputs file ${file} does not exist; write it with \`pulumi stack output --json --show-secrets --stack NAME > ${file}\``
                : `cannot read outputs file ${file}: ${code ?? String(error)}`,
        );
    }
    return parseOutputsText(text, `outputs file ${file}`, pool);
}

interface PulumiResult {
    stdout: string;
    stderr: string;
    exitCode: number;
}

function runPulumi(args: string[]): Promise<PulumiResult> {
    return new Promise((resolve, reject) => {
        execFile("pulumi", args, { maxBuffer: 32 * 1024 * 1024, env: process.env }, (error, stdout, stderr) => {
            if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
                reject(
                    new VerifyError(
                        ExitCode.PulumiNotFound,
                        "the `pulumi` CLI is not on PATH; install it (https://www.pulumi.com/docs/install/) or pass the outputs as a file: " +
                            "`pulumi stack output --json --show-secrets --stack NAME > outputs.json` then `npm run verify -- --outputs outputs.json`",
                    ),
                );
                return;
            }
            const exitCode = error ? (typeof error.code === "number" ? error.code : 1) : 0;
            resolve({ stdout, stderr, exitCode });
        });
    });
}

export async function readStackOutputs(stack: string, pool?: string): Promise<VerifyTarget> {
    // --show-secrets: the outputs hold no key material, but masked values would
    // hide the endpoint and names the verifier needs.
    const result = await runPulumi(["stack", "output", "--json", "--show-secrets", "--stack", stack]);
    if (result.exitCode !== 0) {
        const said = result.stderr.trim().split("\n").filter(Boolean).slice(0, 3).join(" / ") || `exit code ${result.exitCode}`;
        const unknown = /no stack named|not found|does not exist/i.test(result.stderr);
        throw new VerifyError(
            ExitCode.StackUnavailable,
            unknown
                ? `stack "${stack}" is unknown to pulumi (${said}); list stacks with \`pulumi stack ls\` and check you are logged in to the right backend`
                : `\`pulumi stack output --stack ${stack}\` failed: ${said}`,
        );
    }
    return parseOutputsText(result.stdout, `outputs of stack "${stack}"`, pool);
}
