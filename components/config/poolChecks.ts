// Checks that need a pool together with what it resolved to around it (its
// extension comes from the top-level block under `pool:`): Azure's lifecycle
// on the day the plan or preview runs, and the images KeyVaultForWindows 4.x
// supports. They run on the resolved pool set, after the schema's own rules.

import { assess, factsFor, type LifecycleSubject } from "../lifecycle";
import { At, type Report } from "./kit";
import { isWindows4, windows4Image } from "./extensionVersions";
import type { ResolvedPool } from "./poolSet";

/** The values of a pool the lifecycle table is about, each at its path below the pool. */
function lifecycleSubjects(pool: ResolvedPool): Array<{ subject: LifecycleSubject; path: string; value: string }> {
    const { spec } = pool;
    const image = `${spec.image.publisher}/${spec.image.offer}/${spec.image.sku}`;
    return [
        { subject: "vmSize", path: "vmSize", value: spec.vmSize },
        { subject: "image", path: "image", value: image },
        { subject: "nodeAgentSkuId", path: "nodeAgentSkuId", value: spec.nodeAgentSkuId },
        { subject: "nodeCommunicationMode", path: "network.nodeCommunicationMode", value: spec.network.nodeCommunicationMode },
    ];
}

function poolAt(pool: ResolvedPool, report: Report): At {
    return new At(pool.key === undefined ? "pool" : `pools.${pool.key}`, report);
}

function keyed(at: At, path: string): At {
    return path.split(".").reduce((a, key) => a.key(key), at);
}

/**
 * Every lifecycle row a pool matches, as `today` makes it: a warning, or an
 * error once Azure refuses the request (components/lifecycle.ts).
 */
export function checkLifecycle(pools: readonly ResolvedPool[], today: Date, report: Report): void {
    for (const pool of pools) {
        const at = poolAt(pool, report);
        for (const { subject, path, value } of lifecycleSubjects(pool)) {
            for (const fact of factsFor(subject, value)) {
                const finding = assess(fact, today);
                if (finding.level === "error") keyed(at, path).fail(value, finding.message);
                else keyed(at, path).warn(value, finding.message);
            }
        }
    }
}

/** KeyVaultForWindows 4.x runs on Windows Server 2022 and 2025 only. */
export function checkExtensionImages(pools: readonly ResolvedPool[], report: Report): void {
    for (const pool of pools) {
        if (!isWindows4(pool.osFamily, pool.extension.typeHandlerVersion)) continue;
        const verdict = windows4Image(pool.spec.image);
        if (verdict === undefined) continue;
        const { image } = pool.spec;
        const at = poolAt(pool, report).key("image");
        if (verdict.level === "error") at.key("sku").fail(image.sku, verdict.rule);
        else at.warn(`${image.publisher}/${image.offer}/${image.sku}`, verdict.rule);
    }
}
