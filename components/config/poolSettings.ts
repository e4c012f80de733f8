// The rest of a pool's settings (issue 11) and what `pools:` adds to a pool:
// the start task, autoscale, user accounts and metadata, as the Batch
// 2024-07-01 spec shapes them; the certificates a pool observes and its
// extension override. Kept beside schema.ts, which places these fields in the
// pool's shape and calls the relations below from the pool and from the root.

import type { OsFamily } from "../types";
import {
    type At,
    bool,
    field,
    type Field,
    type FieldDocs,
    int,
    isPlainObject,
    list,
    nearestKey,
    object,
    oneOf,
    onlyWhen,
    type OutputOf,
    type Shape,
    str,
    stringMap,
    uniqueNames,
} from "./kit";
import { CERT_NAME, durationSeconds, osFamilyOf } from "./formats";

/** Valid as a Linux and a Windows user name; Batch itself allows up to 20 characters. */
const USER_NAME = /^[a-zA-Z_][a-zA-Z0-9_.-]{0,19}$/;
/** Part of Pulumi resource names and of derived Azure pool names (64 characters at most). */
export const POOL_KEY = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,23}$/;
export const ELEVATION_LEVELS = ["NonAdmin", "Admin"] as const;
const INT32_MAX = 2147483647;

/** The OS of the pool being resolved: its own nodeAgentSkuId resolves before these fields. */
function poolOs(at: At): OsFamily {
    const sku = at.lookup("nodeAgentSkuId");
    return typeof sku === "string" ? osFamilyOf(sku) : "linux";
}

/** Only entries of `pools:` choose certificates or override the extension; `pool:` uses the top-level keys. */
export const inPoolsMap = (at: At): boolean => at.path.startsWith("pools.");
const POOLS_ONLY = "applies to entries of pools: only; with pool: every certificate is observed and keyVaultExtension is set at the top level";

// ------------------------------------------------------------------ startTask

export const startTaskSchema = object({
    commandLine: str({
        docs: {
            description: "What each node runs when it joins the pool or restarts. Not run in a shell: use `/bin/sh -c \"...\"` " +
                "or `cmd /c ...` for shell features.",
        },
        required: "the start task's command line",
    }),
    environment: stringMap({
        docs: { description: "Environment variables of the start task (sent as `environmentSettings`).", shownDefault: "none" },
    }),
    elevated: bool({
        docs: {
            description: "Run as the pool-wide auto-user with admin rights (`userIdentity.autoUser: { scope: Pool, " +
                "elevationLevel: Admin }`); otherwise Batch's default non-admin task user.",
        },
        default: false,
    }),
    waitForSuccess: bool({
        docs: { description: "Nodes take no tasks until the start task succeeded; after its retries a failing node is unusable." },
        default: true,
    }),
    maxTaskRetryCount: int({
        docs: { description: "Retries after a non-zero exit; `-1` retries without limit." },
        range: [-1, INT32_MAX],
        default: 0,
    }),
}, {
    docs: { description: "A command every node runs when it joins the pool. Changes in place: nodes pick it up when they (re)start." },
});

// ------------------------------------------------------------------ autoScale

export const autoScaleSchema = object({
    formula: str({
        docs: {
            description: "The [autoscale formula](https://learn.microsoft.com/azure/batch/batch-automatic-scaling), passed to Batch " +
                "as is (Batch evaluates it; only its being non-empty is checked here).",
        },
        required: "a Batch autoscale formula such as $TargetDedicatedNodes = 1;",
    }),
    evaluationInterval: str({
        docs: {
            description: "How often Batch evaluates the formula.",
            rule: "ISO 8601 duration, at least `PT5M`",
            shownDefault: "Batch's (`PT15M`)",
        },
        rules: [(interval) => {
            const s = durationSeconds(interval);
            if (s === undefined) return "is not an ISO 8601 duration such as PT15M";
            return s < 300 ? "is shorter than Batch's minimum of 5 minutes (PT5M)" : undefined;
        }],
    }),
}, {
    docs: {
        description: "Scale by formula instead of fixed node counts; excludes `targetDedicatedNodes`, `targetLowPriorityNodes` " +
            "and `resizeTimeout`. Changes in place.",
    },
});

/**
 * A fixed-scale field (node counts, resize timeout): refused next to autoScale,
 * since Batch takes one of the two and silently dropping one would mislead;
 * absent, default and all, when the pool scales by formula.
 */
export function fixedScaleOnly<In, Out>(inner: Field<In, Out>): Field<In, Out, "optional"> {
    return onlyWhen((at) => at.lookup("autoScale") === undefined,
        "can't be combined with autoScale; Batch scales a pool either by formula or to fixed node counts: remove one or the other",
        inner, "without autoScale");
}

// --------------------------------------------------------------- userAccounts

const userAccountSchema = object({
    name: str({
        docs: { description: "The account's name on every node.", rule: "1-20 characters: a letter or `_`, then letters, digits, `.`, `-`, `_`" },
        required: "the account's name",
        pattern: [USER_NAME, "must be 1-20 characters: a letter or '_', then letters, digits, '.', '-' and '_'"],
    }),
    elevationLevel: oneOf(ELEVATION_LEVELS, { docs: { description: "Whether the account is an administrator." }, default: "NonAdmin" }),
    linux: onlyWhen((at) => poolOs(at) === "linux", "applies to Linux pools only; remove it", object({
        uid: int({ docs: { description: "The account's user ID." }, range: [1, INT32_MAX], required: "uid and gid together" }),
        gid: int({ docs: { description: "The account's group ID." }, range: [1, INT32_MAX], required: "uid and gid together" }),
    }, {
        docs: { description: "Fixed user and group IDs (both or neither; otherwise the OS picks them)." },
    }), "Linux only"),
}, {
    docs: { description: "A user account." },
    required: "a user account",
});

export const userAccountsSchema = list(userAccountSchema, {
    docs: {
        description: "Named accounts created on every node, for tasks that must run as a known user (certificate ACLs name " +
            "them). Password-less: the Batch spec requires a `password`, so the program sends a random one nobody knows, " +
            "kept as a secret and never changed afterwards. Forces a new pool.",
        shownDefault: "none",
    },
    notList: "must be a list of user accounts",
    relations: [uniqueNames("account names must be unique")],
});

// ------------------------------------------------------------------- metadata

export const metadataSchema = stringMap({
    docs: { description: "Name-value pairs Batch stores with the pool for your own use (sent as `metadata: [{ name, value }]`). Changes in place.", shownDefault: "none" },
});

// ------------------------------------------------- what pools: entries add

export const poolCertificatesSchema = onlyWhen(inPoolsMap, POOLS_ONLY, list(str({
    docs: { description: "The name of a certificate in `certificates`." },
    pattern: [CERT_NAME, "must be 1-127 characters of letters, digits and '-'"],
}), {
    docs: { description: "The certificates this pool observes, by name.", shownDefault: "all of `certificates`" },
    notList: "must be a list of certificate names",
    notEmpty: "is empty; leave it out to observe every certificate",
}), "pools: only");

/** The override as written: which keys it sets matters, since the rest come from the top-level keyVaultExtension. */
export type ExtensionOverride = Readonly<Record<string, unknown>>;

/**
 * A pool's partial keyVaultExtension. Only its keys are checked here; the
 * values are resolved merged over the top-level block, against the pool's OS
 * (components/config/poolSet.ts), so a default never hides an inherited value.
 */
export function extensionOverride(known: () => Shape): Field<Record<string, unknown>, ExtensionOverride, "optional"> {
    const docs: FieldDocs = {
        description: "Overrides fields of the top-level `keyVaultExtension` for this pool (any of its fields; the rest are " +
            "inherited). OS-specific values (the store location) belong here when Linux and Windows pools share a stack.",
        shownDefault: "the top-level one",
    };
    return onlyWhen(inPoolsMap, POOLS_ONLY, field<Record<string, unknown>, ExtensionOverride, "optional">({
        presence: "optional",
        docs,
        kind: { type: "partial", of: known },
        check: (value, at) => {
            if (!isPlainObject(value)) return at.fail(value, "must be an object");
            const keys = Object.keys(known());
            let ok = true;
            for (const key of Object.keys(value)) {
                if (keys.includes(key)) continue;
                ok = false;
                const near = nearestKey(key, keys);
                at.key(key).problem(near === undefined
                    ? `unknown key; expected one of ${keys.join(", ")}`
                    : `unknown key; did you mean ${JSON.stringify(near)}?`);
            }
            return ok ? value : undefined;
        },
    }), "pools: only");
}

// ---------------------------------------------------------- pool and pools:

/** `pool:` and `pools:` are two forms of one thing: exactly one of them. */
export function onePoolForm(raw: Record<string, unknown>, at: At): void {
    if (raw.pool !== undefined && raw.pools !== undefined) {
        at.key("pools").problem("can't be given together with pool; use pool: for one pool or pools: for several (move the pool into pools:)");
    } else if (raw.pool === undefined && raw.pools === undefined) {
        at.key("pool").missing("a pool, or several under pools");
    }
}

interface PoolsView {
    certificates?: readonly { name: string }[];
    pools?: Readonly<Record<string, { name?: string; certificates?: readonly string[] } | undefined>>;
}

/** Every certificate a pool names is one the vault holds (names are case-insensitive in a vault). */
export function poolCertificatesExist(config: PoolsView, at: At): void {
    const known = (config.certificates ?? []).map((c) => c.name);
    if (known.length === 0) return;
    for (const [key, pool] of Object.entries(config.pools ?? {})) {
        (pool?.certificates ?? []).forEach((name, i) => {
            if (known.some((k) => k.toLowerCase() === name.toLowerCase())) return;
            at.key("pools").key(key).key("certificates").index(i)
                .fail(name, `names no certificate in certificates (known: ${known.join(", ")})`);
        });
    }
}

/** Rules on the map itself: its keys name resources, and two pools can't pin one Azure name. */
export function poolsMapRules(items: Readonly<Record<string, { name?: string } | undefined>>, at: At): void {
    const pinned = new Map<string, string>();
    if (Object.keys(items).length === 0) at.problem("is empty; give at least one pool, or use pool: for a single one");
    for (const [key, pool] of Object.entries(items)) {
        if (!POOL_KEY.test(key)) {
            at.key(key).problem("is not a valid pool key: 1-24 characters of letters, digits, '-' and '_', starting with a letter or digit " +
                "(it becomes part of resource and pool names)");
        }
        if (pool?.name === undefined) continue;
        const first = pinned.get(pool.name.toLowerCase());
        if (first !== undefined) at.key(key).key("name").fail(pool.name, `is also pinned by pools.${first}; pool names are unique in a Batch account`);
        else pinned.set(pool.name.toLowerCase(), key);
    }
}

export type StartTaskSpec = OutputOf<typeof startTaskSchema>;
export type AutoScaleSpec = OutputOf<typeof autoScaleSchema>;
export type UserAccountSpec = OutputOf<typeof userAccountSchema>;

/** The same field, absent allowed: `pool:` is one of two forms, so the root can't require it (onePoolForm does). */
export function optionalForm<In, Out>(inner: Field<In, Out>): Field<In, Out, "optional"> {
    return {
        presence: "optional",
        docs: { ...inner.docs, description: `${inner.docs.description} Give \`pool\` or \`pools\`, not both.` },
        default: inner.default,
        shape: inner.shape,
        item: inner.item,
        kind: inner.kind,
        resolve: (value, at) => (value === undefined ? undefined : inner.resolve(value, at)),
    };
}
