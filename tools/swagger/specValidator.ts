// Validates rendered REST calls against Azure's own REST specs with Microsoft's
// oav (its LiveValidator, offline: the spec files are local, nothing is cloned
// or fetched). This wrapper exists for oav's silent failures, measured:
// - a spec that fails to load is only logged, and `initialize()` still resolves;
// - a request whose operation or api-version the loaded specs lack, or whose
//   schema has a dangling $ref, comes back with `runtimeException` and an EMPTY
//   error list, which reads as "no problems" unless `isSuccessful` is checked.
// Both are turned into loud failures here.

import { existsSync } from "node:fs";
import * as path from "node:path";
import { LiveValidator } from "oav";
import { parseValidationRequest } from "oav/dist/lib/liveValidation/liveValidator";

export interface RestCall {
    method: string;
    url: string;
    body: unknown;
}

export interface CallResult {
    /** The spec operation oav matched, e.g. `Pool_Create`; undefined when none matched. */
    operationId: string | undefined;
    /** The api-version of the matched operation. */
    apiVersion: string | undefined;
    /** One line per problem, `<JSON path>: <message> (<oav code>)`; empty when the spec accepts the call. */
    problems: string[];
}

/** Thrown when a spec can't be loaded: nothing validated against it would mean anything. */
export class SpecLoadError extends Error {}

export class SpecValidator {
    private constructor(
        private readonly validator: LiveValidator,
        /** The loaded files, relative to the specs root. */
        readonly specFiles: readonly string[],
    ) {}

    /**
     * Loads `specFiles` (relative to `specsRoot`, whose layout must keep the
     * files' relative $refs resolvable). Throws SpecLoadError naming the file
     * when one is missing or oav can't load it.
     */
    static async load(specsRoot: string, specFiles: readonly string[]): Promise<SpecValidator> {
        const root = path.resolve(specsRoot);
        if (!existsSync(root)) throw new SpecLoadError(`Azure REST specs folder ${root} does not exist`);
        for (const file of specFiles) {
            if (!existsSync(path.join(root, file))) throw new SpecLoadError(`Azure REST spec ${path.join(root, file)} is missing`);
        }
        const failures: string[] = [];
        const validator = new LiveValidator(
            {
                directory: root,
                swaggerPaths: specFiles.map((file) => path.join(root, file)),
                git: { shouldClone: false },
                // ARM and Key Vault match path literals case-insensitively (`resourcegroups` is common).
                isPathCaseSensitive: false,
                loadValidatorInBackground: false,
                loadValidatorInInitialize: true,
            },
            (message: string, level: string) => {
                // Load failures are only logged; everything else oav says (e.g. that the data-plane
                // specs have no ARM provider) is noise for an offline check.
                // The stack trace oav appends says nothing about the spec.
                if (level === "error" || /Failed to load spec|Unable to initialize/.test(message)) failures.push(message.replace(/\s*ErrorStack:[\s\S]*$/, ""));
            },
        );
        await validator.initialize();
        if (failures.length > 0) {
            throw new SpecLoadError(`oav could not load the Azure REST specs under ${root}:\n${failures.join("\n")}`);
        }
        return new SpecValidator(validator, specFiles);
    }

    /**
     * Validates one call; never resolves to "no problems" unless oav says the call is valid.
     * `expectedOperationId` settles one ambiguity of oav's path matching: it ignores the enum
     * of a path parameter, so Private DNS's `.../privateDnsZones/{zone}/virtualNetworkLinks/{link}`
     * also matches `.../privateDnsZones/{zone}/{recordType}/{relativeRecordSetName}`, although
     * `virtualNetworkLinks` is not a record type. When oav finds several operations and
     * exactly one is the expected one, the call is validated against that one.
     */
    async validate(call: RestCall, expectedOperationId?: string): Promise<CallResult> {
        let url: URL;
        try {
            url = new URL(call.url);
        } catch {
            return { operationId: undefined, apiVersion: undefined, problems: [`url: ${JSON.stringify(call.url)} is not an absolute URL`] };
        }
        const request = {
            url: url.toString(),
            method: call.method.toLowerCase(),
            headers: { "content-type": "application/json" },
            body: call.body as Record<string, unknown>,
        };
        let result = await this.validator.validateLiveRequest(request);
        if (result.runtimeException?.code === "MULTIPLE_OPERATIONS_FOUND" && expectedOperationId !== undefined) {
            const validationRequest = parseValidationRequest(request.url, request.method, request.headers);
            const potential = this.validator.operationSearcher.getPotentialOperations(validationRequest);
            const expected = potential.matches.filter((m) => m.operation.operationId === expectedOperationId);
            if (expected.length === 1) {
                result = await this.validator.validateLiveRequest(request, {}, {
                    operationId: expectedOperationId,
                    apiVersion: potential.apiVersion,
                    operationMatch: expected[0],
                    validationRequest,
                });
            }
        }
        const matched = result.operationInfo.operationId;
        const operationId = matched === undefined || matched === "unknownOperationId" ? undefined : matched;
        const apiVersion = operationId === undefined ? undefined : result.operationInfo.apiVersion;
        const problems = result.errors.map((issue) => {
            const found = issue.jsonPathsInPayload?.[0] ?? issue.pathsInPayload[0] ?? "$";
            // oav names a URL parameter `.path.<name>`; body paths are JSON paths (`$.properties...`).
            const where = found.startsWith(".path.") ? found.slice(1) : found;
            return `${where}: ${issue.message} (${issue.code})`;
        });
        if (result.runtimeException !== undefined) {
            const { code, message } = result.runtimeException;
            const version = url.searchParams.get("api-version") ?? "none";
            problems.push(
                `${call.method.toUpperCase()} ${url.pathname} api-version=${version}: not validated, oav failed (${code}: ${message}); ` +
                    "is the operation and this api-version in the loaded specs, with every $ref resolvable?",
            );
        } else if (result.isSuccessful !== true && problems.length === 0) {
            problems.push(`${call.method.toUpperCase()} ${url.pathname}: oav reported failure without an error`);
        }
        return { operationId, apiVersion, problems };
    }
}
