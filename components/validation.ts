// Every rule a user can break by configuration, checked before the first
// resource is registered. The rules themselves live in config/schema.ts, beside
// the shapes, defaults and descriptions they belong to; this is the entry point
// the stack program and the component call. Each problem names the field, the
// value given and the rule; all of them are reported at once. Things Azure may
// reject but that can't be known offline are warnings, never errors.

import { At, type OutputOf, type Report } from "./config/kit";
import { type ResolvedPool, resolvePoolSet } from "./config/poolSet";
import { checkExtensionImages, checkLifecycle } from "./config/poolChecks";
import { configSchema, osFamilyOf } from "./config/schema";
import type { OsFamily } from "./types";

export { show } from "./config/kit";
export { DEFAULT_LINUX_STORE, durationSeconds, osFamilyOf, WINDOWS_STORE_LOCATIONS } from "./config/schema";

export class ValidationError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ValidationError";
    }
}

type Resolved = OutputOf<typeof configSchema>;

export type { ResolvedPool } from "./config/poolSet";

/**
 * The configuration with every default applied; `poolSet` is `pool` or
 * `pools` as one list, and `osFamily` the OS of `pool` (absent with `pools`).
 */
export type ResolvedConfig = { [K in keyof Resolved]: Resolved[K] } & { osFamily?: OsFamily; poolSet: ResolvedPool[] };

export interface ValidationResult {
    config: ResolvedConfig;
    warnings: string[];
}

/** The keys the project's namespace may hold; anything else is a typo. */
export const CONFIG_KEYS = Object.keys(configSchema.shape ?? {}) as readonly (keyof Resolved)[];

export interface ValidationOptions {
    /**
     * The day Azure's lifecycle dates are compared against (docs/lifecycle.md):
     * the day the plan or preview runs unless a caller (a test) says otherwise.
     */
    today?: Date;
}

/**
 * Validates a whole configuration (stack config or component arguments) and
 * applies the defaults. Throws ValidationError listing every problem at once.
 */
export function validateConfig(raw: Record<string, unknown>, options: ValidationOptions = {}): ValidationResult {
    const report: Report = { problems: [], warnings: [] };
    const resolved = configSchema.resolve(raw, new At("", report));
    const poolSet = resolved ? resolvePoolSet(raw, resolved, report) : [];
    checkExtensionImages(poolSet, report);
    checkLifecycle(poolSet, options.today ?? new Date(), report);
    if (report.problems.length > 0 || !resolved) throw new ValidationError(report.problems);
    return {
        config: {
            ...resolved,
            ...(resolved.pool ? { osFamily: osFamilyOf(resolved.pool.nodeAgentSkuId) } : {}),
            poolSet,
        },
        warnings: report.warnings,
    };
}
