// `pool:` or `pools:`, resolved into one list the component walks: each pool
// with its OS, the certificates it observes and its own extension settings.
// A pool's keyVaultExtension override is merged over the top-level block as
// written (not as resolved), then resolved against that pool's OS: a Windows
// pool beside a Linux one must not inherit a Linux default store path, and an
// inherited value is checked where it lands.

import type { OsFamily } from "../types";
import { At, isPlainObject, type OutputOf, type Report } from "./kit";
import { type CertificateSpec, type configSchema, keyVaultExtensionSchema, osFamilyOf, type PoolSpec, renewalWindow } from "./schema";

type KeyVaultExtensionSpec = OutputOf<typeof keyVaultExtensionSchema>;
type Resolved = OutputOf<typeof configSchema>;

export interface ResolvedPool {
    /** The key under `pools:`; undefined for the single `pool:` form. */
    key?: string;
    spec: PoolSpec;
    osFamily: OsFamily;
    /** The certificates this pool observes, in the order of `certificates`. */
    certificates: CertificateSpec[];
    extension: KeyVaultExtensionSpec;
}

function rawOf(value: unknown): Record<string, unknown> {
    return isPlainObject(value) ? value : {};
}

/** The OS the top-level keyVaultExtension resolved against (schema.ts osAt): Windows only when every pool is. */
function topLevelOs(pools: readonly PoolSpec[]): OsFamily {
    return pools.length > 0 && pools.every((p) => osFamilyOf(p.nodeAgentSkuId) === "windows") ? "windows" : "linux";
}

/**
 * The pools in configuration order. Problems of the per-pool resolution go to
 * `report` at `pools.<key>.keyVaultExtension...`, beside the schema's own.
 */
export function resolvePoolSet(raw: Record<string, unknown>, config: Resolved, report: Report): ResolvedPool[] {
    if (config.pool !== undefined) {
        return [{
            spec: config.pool,
            osFamily: osFamilyOf(config.pool.nodeAgentSkuId),
            certificates: [...config.certificates],
            extension: config.keyVaultExtension,
        }];
    }
    const pools = Object.entries(config.pools ?? {});
    const shared = topLevelOs(pools.map(([, p]) => p));
    const rawPools = rawOf(raw.pools);
    return pools.map(([key, spec]) => {
        const osFamily = osFamilyOf(spec.nodeAgentSkuId);
        const names = spec.certificates?.map((n) => n.toLowerCase());
        const certificates = config.certificates.filter((c) => names === undefined || names.includes(c.name.toLowerCase()));
        const override = rawOf(rawOf(rawPools[key]).keyVaultExtension);
        let extension = config.keyVaultExtension;
        // An override the schema refused (unknown keys) is reported already; resolving it again would repeat that.
        const refused = Object.keys(override).length > 0 && spec.keyVaultExtension === undefined;
        if (!refused && (Object.keys(override).length > 0 || osFamily !== shared)) {
            const at = new At(`pools.${key}.keyVaultExtension`, report, [config as Record<string, unknown>, spec as Record<string, unknown>]);
            extension = keyVaultExtensionSchema.resolve({ ...rawOf(raw.keyVaultExtension), ...override }, at) ?? config.keyVaultExtension;
            if (override.pollingIntervalInS !== undefined) pollingWithinRenewal(extension, certificates, config.certificates, at);
        }
        return { key, spec, osFamily, certificates, extension };
    });
}

/** The root checks the top-level interval; a pool's own interval must stay inside its certificates' renewal windows too. */
function pollingWithinRenewal(extension: KeyVaultExtensionSpec, observed: readonly CertificateSpec[],
    all: readonly CertificateSpec[], at: At): void {
    for (const cert of observed) {
        const window = renewalWindow(cert.renewal, cert.validityInMonths);
        if (window.seconds > extension.pollingIntervalInS) continue;
        at.key("pollingIntervalInS").fail(extension.pollingIntervalInS,
            `is not shorter than the renewal window of certificates[${all.indexOf(cert)}] (${window.reckoned}: ${window.seconds} s); ` +
            "a node can keep an expired certificate until its next poll: poll more often or renew earlier");
    }
}
