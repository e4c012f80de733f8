// Azure lifecycle facts: what Azure retires, when, what happens then and what
// replaces it, each with the notice it was read from. One table, read by
// validation (warnings and errors against the day the plan or preview runs),
// the policy pack (advisory rules) and docs/lifecycle.md (generated from it).
// Pure data and pure functions: the day is always passed in, never read here,
// so a test can move the clock and the plan can use the real one.

/** What a row matches in a pool's configuration. */
export type LifecycleSubject = "nodeAgentSkuId" | "image" | "vmSize" | "nodeCommunicationMode" | "batchApiVersion";

/**
 * What happens after the date: `refused` when Azure refuses the request (the
 * plan then fails), `unsupported` when Azure only stops supporting it (create
 * or grow may still work, or may fail: the plan warns, as DESIGN section 4
 * asks for values Azure may reject but that can't be known offline).
 */
export type AfterDate = "refused" | "unsupported";

export interface LifecycleFact {
    subject: LifecycleSubject;
    /** What the row matches, for readers. */
    matches: string;
    /** Whether a value (an image as `publisher/offer/sku`) is one the row is about; compared case-insensitively. */
    test: (value: string) => boolean;
    /** What the value is, in a few words: "the Ubuntu 22.04 node agent". */
    what: string;
    /** The day of the change (`YYYY-MM-DD`, the last day it still holds); absent when announced without a date. */
    date?: string;
    /** What the date is: "end of Batch support". */
    event: string;
    after: AfterDate;
    /** Why `after` is what it is, when the notice leaves room to read it either way. */
    reasoning?: string;
    replacement: string;
    /** The notice: a URL, or an issue as owner/repo#number. */
    source: string;
    /** Shown in the docs only: it applies to every stack alike, so a per-plan warning would say nothing new. */
    informational?: boolean;
}

const lower = (s: string) => s.toLowerCase();
const oneOf = (...values: string[]) => (value: string) => values.includes(lower(value));

const UBUNTU_24 = "`batch.node.ubuntu 24.04` with `canonical/ubuntu-24_04-lts/server`";
const NODE_AGENT_180 = "https://github.com/Azure/Batch/issues/180";

/**
 * Sizes of the D, Ds, Dv2, Dsv2 and Ls families (Azure/Batch#140): D1-D4 and
 * D11-D14 (v1, with or without the premium-storage `S`), D1-D5 and D11-D15 in
 * v2 (constrained-vCPU `-n` variants and `_Promo` included), and the first
 * Ls generation L4s-L32s. Later generations (`_v3`, `_v5`, `ds`, `as`, Lsv2,
 * Lsv3) are other families and must not match.
 */
const RETIRING_SIZE_FAMILIES: readonly RegExp[] = [
    /^standard_ds?(1|2|3|4|11|12|13|14)$/,
    /^standard_ds?(1|2|3|4|5|11|12|13|14|15)(-\d+)?_v2(_promo)?$/,
    /^standard_l(4|8|16|32)s$/,
];

export function isRetiringVmSize(vmSize: string): boolean {
    return RETIRING_SIZE_FAMILIES.some((family) => family.test(lower(vmSize)));
}

/** Batch API versions compare as their ISO dates. */
const BATCH_API_FLOOR = "2025-06-01";

export const LIFECYCLE: readonly LifecycleFact[] = [
    {
        subject: "nodeAgentSkuId",
        matches: "`batch.node.ubuntu 22.04`",
        test: oneOf("batch.node.ubuntu 22.04"),
        what: "the Ubuntu 22.04 node agent",
        date: "2027-06-30",
        event: "end of Batch support",
        after: "unsupported",
        reasoning: "The notice says create and resize \"may fail\" and existing pools may be scaled to zero.",
        replacement: UBUNTU_24,
        source: "https://github.com/Azure/Batch/issues/200",
    },
    {
        subject: "image",
        matches: "`microsoftwindowsserver/windowsserver/2016-*`",
        test: (image) => /^microsoftwindowsserver\/windowsserver\/2016-/.test(lower(image)),
        what: "a Windows Server 2016 Marketplace image",
        date: "2027-01-12",
        event: "end of Batch support; the Marketplace images are withdrawn",
        after: "refused",
        reasoning: "The notice says the images \"will no longer be available\": a pool can't be created from an image that isn't there.",
        replacement: "`microsoftwindowsserver/windowsserver/2022-datacenter` (or `2025-datacenter`) with `batch.node.windows amd64`",
        source: "https://github.com/Azure/Batch/issues/197",
    },
    {
        subject: "nodeAgentSkuId",
        matches: "`batch.node.centos 7`, `batch.node.centos 8`, `batch.node.debian 8`, `batch.node.debian 9`, `batch.node.debian 10`, " +
            "`batch.node.ubuntu 14.04`, `batch.node.ubuntu 16.04`, `batch.node.ubuntu 18.04`",
        test: oneOf("batch.node.centos 7", "batch.node.centos 8", "batch.node.debian 8", "batch.node.debian 9", "batch.node.debian 10",
            "batch.node.ubuntu 14.04", "batch.node.ubuntu 16.04", "batch.node.ubuntu 18.04"),
        what: "a retired node agent",
        date: "2024-12-31",
        event: "end of Batch support: no new pools, existing ones forced to zero nodes",
        after: "refused",
        reasoning: "The notice says no new Batch pools can be created with these node agents after that day.",
        replacement: UBUNTU_24,
        source: NODE_AGENT_180,
    },
    {
        subject: "nodeAgentSkuId",
        matches: "`batch.node.ubuntu 20.04`",
        test: oneOf("batch.node.ubuntu 20.04"),
        what: "the Ubuntu 20.04 node agent",
        date: "2025-04-23",
        event: "end of Batch support",
        after: "unsupported",
        reasoning: "The notice says create and resize \"may fail\"; the how-to's Linux example still plans on it.",
        replacement: UBUNTU_24,
        source: "https://github.com/Azure/Batch/issues/174",
    },
    {
        subject: "vmSize",
        matches: "D, Ds, Dv2, Dsv2 and Ls families: `Standard_D1`-`D14`, `Standard_DS1`-`DS14`, `Standard_D*_v2`, " +
            "`Standard_DS*_v2`, `Standard_L4s`-`L32s` (any case)",
        test: isRetiringVmSize,
        what: "a size of the D/Ds/Dv2/Dsv2/Ls families",
        event: "retirement announced on 2026-05-15, no date given",
        after: "unsupported",
        replacement: "a current general-purpose size such as `Standard_D2s_v5` (or `Standard_L8s_v3` for storage-optimized)",
        source: "https://github.com/Azure/Batch/issues/140",
    },
    {
        subject: "nodeCommunicationMode",
        matches: "`Classic`",
        test: oneOf("classic"),
        what: "classic node communication",
        date: "2026-03-31",
        event: "retirement",
        after: "refused",
        reasoning: "Retired and replaced by Simplified, with no way back for a new pool: Batch either refuses the request " +
            "or runs the pool in another mode than asked (it reports the mode it applies as currentNodeCommunicationMode). " +
            "Simplified is the default and a one-line change, so the plan refuses Classic rather than deploy what Azure retired.",
        replacement: "`Simplified` (the default: outbound-only, no inbound ports to open)",
        source: "https://learn.microsoft.com/azure/batch/simplified-compute-node-communication",
    },
    {
        subject: "batchApiVersion",
        matches: `Batch management API versions before ${BATCH_API_FLOOR} (azure-native 3.28 sends 2024-07-01 for pools and accounts)`,
        test: (version) => version < BATCH_API_FLOOR,
        what: `a Batch API version before ${BATCH_API_FLOOR}`,
        event: "retirement announced on 2026-05-15, no date given",
        after: "unsupported",
        replacement: `Batch API ${BATCH_API_FLOOR} through a local azure-native package: \`pulumi package add azure-native batch ${BATCH_API_FLOOR}\` ` +
            "(see [Batch API version](#batch-api-version))",
        source: "https://github.com/Azure/Batch/issues/140",
        informational: true,
    },
];

/** The rows a value matches, informational ones left out: they are for the docs. */
export function factsFor(subject: LifecycleSubject, value: string): LifecycleFact[] {
    return LIFECYCLE.filter((fact) => !fact.informational && fact.subject === subject && fact.test(value));
}

/** The one row about a subject, for text that quotes it (a description naming the date). */
export function factAbout(subject: LifecycleSubject): LifecycleFact {
    const rows = LIFECYCLE.filter((fact) => fact.subject === subject);
    if (rows.length !== 1) throw new Error(`the lifecycle table has ${rows.length} rows about ${subject}, expected one`);
    return rows[0];
}

/** A day as `YYYY-MM-DD` in UTC, the form the table's dates take. */
export function isoDay(day: Date): string {
    return day.toISOString().slice(0, 10);
}

/** What a row means on a given day. */
export interface LifecycleFinding {
    fact: LifecycleFact;
    /** `error` only once the date has passed and Azure refuses the request. */
    level: "warning" | "error";
    /** The rule, as messages state it after the field and the value. */
    message: string;
}

/** Markdown as plain text for messages: links keep their words, code loses its backticks. */
export function plainText(markdown: string): string {
    return markdown.replace(/\[([^\]]+)\]\([^)]*\)/g, "$1").replace(/`/g, "");
}

/**
 * What a row says on `today`: until its date a warning naming the date; after
 * it an error where Azure refuses the request, a warning where it only stops
 * supporting it. A row without a date warns whatever the day.
 */
export function assess(fact: LifecycleFact, today: Date): LifecycleFinding {
    const use = `use ${plainText(fact.replacement)} (${fact.source})`;
    if (fact.date === undefined) {
        return { fact, level: "warning", message: `is ${fact.what}: ${fact.event}; ${use}` };
    }
    if (isoDay(today) <= fact.date) {
        const then = fact.after === "refused" ? "after that day Azure refuses it" : "after that day Azure no longer supports it (create and resize may fail)";
        return { fact, level: "warning", message: `is ${fact.what}: ${fact.event} on ${fact.date}; ${then}; ${use}` };
    }
    if (fact.after === "refused") {
        return { fact, level: "error", message: `is ${fact.what}, refused by Azure since ${fact.date} (${fact.event}); ${use}` };
    }
    return { fact, level: "warning", message: `is ${fact.what}, unsupported by Azure since ${fact.date} (${fact.event}); ${use}` };
}
