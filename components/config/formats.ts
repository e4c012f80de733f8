// Formats and facts more than one configuration module checks, written once
// (schema.ts imports poolSettings.ts, so they can't live in either).
import type { OsFamily } from "../types";

/** A Key Vault certificate name. */
export const CERT_NAME = /^[0-9a-zA-Z-]{1,127}$/;

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Seconds of an ISO 8601 duration such as PT15M, or undefined when it isn't one. */
export function durationSeconds(value: string): number | undefined {
    const m = ISO_DURATION.exec(value);
    if (!m || value === "P" || value.endsWith("T")) return undefined;
    const [, d, h, min, s] = m;
    return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(s ?? 0);
}

export function osFamilyOf(nodeAgentSkuId: string): OsFamily {
    return nodeAgentSkuId.toLowerCase().startsWith("batch.node.windows") ? "windows" : "linux";
}
