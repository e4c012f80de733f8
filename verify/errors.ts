// Every way `npm run verify` can end has its own exit code, so a pipeline can
// tell "the pool is broken" from "the verifier could not look" without parsing
// text. docs/verify.md ("Exit codes") documents this table; keep the two in step.

export const ExitCode = {
    /** Every node runs the extension and holds the current certificate. */
    Healthy: 0,
    /** At least one node failed (extension error, missing or stale certificate file, unusable node). */
    NodesFailed: 1,
    /** The command line is wrong. */
    Usage: 2,
    /** The stack outputs are missing a key or are not the expected JSON. */
    BadOutputs: 3,
    /** `--stack` was given but the `pulumi` CLI is not on PATH. */
    PulumiNotFound: 4,
    /** `pulumi stack output` failed, usually an unknown stack name. */
    StackUnavailable: 5,
    /** The Batch account has no pool with the name from the outputs. */
    PoolNotFound: 6,
    /** The pool exists but has no compute nodes. */
    NoNodes: 7,
    /** Some nodes are still starting (and --wait, if given, ran out). */
    Pending: 8,
    /** Batch or Key Vault answered 401/403: the verifier's identity lacks a role. */
    Forbidden: 9,
    /** Still throttled (429/503) after the bounded retries. */
    Throttled: 10,
    /** No Azure credential is available (not signed in). */
    NotSignedIn: 11,
    /** Any other service or network failure. */
    ServiceError: 12,
    /** Interrupted by SIGINT/SIGTERM (the temporary job was deleted first). */
    Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the user can act on: the message says what and how to fix it. */
export class VerifyError extends Error {
    constructor(
        readonly exitCode: ExitCodeValue,
        message: string,
    ) {
        super(message);
        this.name = "VerifyError";
    }
}

/** An HTTP answer the caller did not expect, with what the service said. */
export class HttpError extends Error {
    constructor(
        readonly service: "Batch" | "Key Vault",
        readonly status: number,
        readonly code: string | undefined,
        readonly serviceMessage: string | undefined,
        readonly url: string,
    ) {
        super(`${service} answered ${status}${code ? ` ${code}` : ""} for ${url}${serviceMessage ? `: ${serviceMessage}` : ""}`);
        this.name = "HttpError";
    }
}
