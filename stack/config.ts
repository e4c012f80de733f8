// Reads the project's stack configuration as plain values for validation.
// Unknown keys under the project's namespace are reported rather than ignored:
// a misspelt key would otherwise silently fall back to a default.

import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "../components/config/schema";
import { isPlainObject } from "../components/json";
import { shortHash } from "../components/naming";
import { CONFIG_KEYS } from "../components/validation";

export const PROJECT = CONFIG_NAMESPACE;

/**
 * Whether a value read from the stack config was given. Pulumi.yaml declares {}
 * as the default of optional keys without one of their own (the CLI demands
 * declared keys that have no default), so {} means "not given".
 */
export function isGiven(value: unknown): boolean {
    if (value === undefined) return false;
    return !(isPlainObject(value) && Object.keys(value).length === 0);
}

export function readStackConfig(): Record<string, unknown> {
    const config = new pulumi.Config(PROJECT);
    const raw: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) {
        const value = config.getObject<unknown>(key);
        if (isGiven(value)) raw[key] = value;
    }
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        const [namespace, key] = fullKey.split(":");
        if (namespace === PROJECT && key !== undefined && !(CONFIG_KEYS as readonly string[]).includes(key)) {
            // Validation refuses it, naming the nearest known key; the value itself is never printed.
            raw[key] = config.get(key);
        }
    }
    return raw;
}

/** A Batch account name (3-24 lowercase letters and digits, globally unique) stable per stack. */
export function deriveBatchAccountName(project: string, stack: string): string {
    return `bcr${stack.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 13)}${shortHash({ project, stack }, 8)}`;
}
