// Azure's lifecycle as users meet it: the plan warns before a retirement's
// date, and after it fails where Azure refuses the request and keeps warning
// where Azure only stops supporting it, on the day it runs, without a code change.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assess, factsFor, isRetiringVmSize, LIFECYCLE } from "../components/lifecycle";
import { ValidationError, validateConfig } from "../components/validation";

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
const nextDay = (iso: string) => new Date(Date.parse(`${iso}T12:00:00Z`) + 86_400_000);

function config(pool: Record<string, unknown>): Record<string, unknown> {
    return {
        certificates: [{ name: "authcert", subject: "CN=batch.example.com" }],
        pool: {
            vmSize: "Standard_D2s_v5",
            image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" },
            nodeAgentSkuId: "batch.node.ubuntu 24.04",
            ...pool,
        },
    };
}

function outcome(raw: Record<string, unknown>, today: Date): { warnings: string[]; problems: string[] } {
    try {
        return { warnings: validateConfig(raw, { today }).warnings, problems: [] };
    } catch (err) {
        assert.ok(err instanceof ValidationError);
        return { warnings: [], problems: err.problems };
    }
}

const WINDOWS_2016 = {
    vmSize: "Standard_D2s_v5",
    image: { publisher: "MicrosoftWindowsServer", offer: "WindowsServer", sku: "2016-Datacenter" },
    nodeAgentSkuId: "batch.node.windows amd64",
};

describe("the lifecycle table", () => {
    it("names a source, a replacement and what happens for every row", () => {
        for (const fact of LIFECYCLE) {
            assert.match(fact.source, /^https:\/\//, fact.what);
            assert.ok(fact.replacement.length > 0 && fact.event.length > 0, fact.what);
            if (fact.date !== undefined) assert.match(fact.date, /^\d{4}-\d{2}-\d{2}$/, fact.what);
        }
    });

    it("cites the notices the issue gives", () => {
        const source = (subject: string, value: string) => LIFECYCLE.find((f) => f.subject === subject && f.test(value))?.source;
        assert.equal(source("nodeAgentSkuId", "batch.node.ubuntu 22.04"), "https://github.com/Azure/Batch/issues/200");
        assert.equal(source("image", "microsoftwindowsserver/windowsserver/2016-datacenter"), "https://github.com/Azure/Batch/issues/197");
        for (const sku of ["batch.node.centos 8", "batch.node.debian 8", "batch.node.debian 9", "batch.node.debian 10", "batch.node.ubuntu 14.04"]) {
            assert.equal(source("nodeAgentSkuId", sku), "https://github.com/Azure/Batch/issues/180", sku);
        }
        assert.equal(source("vmSize", "Standard_DS2_v2"), "https://github.com/Azure/Batch/issues/140");
        assert.equal(source("batchApiVersion", "2024-07-01"), "https://github.com/Azure/Batch/issues/140");
    });

    it("keeps the Batch API version row out of the plan's warnings: it concerns every stack", () => {
        assert.deepEqual(factsFor("batchApiVersion", "2024-07-01"), []);
        assert.ok(LIFECYCLE.some((f) => f.subject === "batchApiVersion" && f.informational && f.test("2024-07-01") && !f.test("2025-06-01")));
    });
});

describe("retiring VM sizes", () => {
    for (const size of ["STANDARD_DS2_V2", "Standard_D1", "standard_d14", "Standard_DS1", "Standard_DS14", "Standard_D2_v2", "Standard_D15_v2",
        "Standard_DS5_v2", "Standard_DS13-4_v2", "Standard_D2_v2_Promo", "Standard_L4s", "Standard_L32s"]) {
        it(`matches ${size}`, () => assert.equal(isRetiringVmSize(size), true));
    }
    for (const size of ["Standard_D2s_v5", "Standard_D2ds_v5", "Standard_D4as_v5", "Standard_L8s_v3", "Standard_L8s_v2", "Standard_D2_v3",
        "Standard_D2s_v3", "Standard_D2_v4", "Standard_DC2s_v2", "Standard_D5", "Standard_D16_v2", "Standard_L8as_v3", "Standard_E2s_v5"]) {
        it(`does not match ${size}`, () => assert.equal(isRetiringVmSize(size), false));
    }
});

describe("the clock", () => {
    it("turns the Ubuntu 22.04 warning into what the table says after 2027-06-30: still a warning, Azure only stops supporting it", () => {
        const raw = config({ image: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" }, nodeAgentSkuId: "batch.node.ubuntu 22.04" });
        const use = "use batch.node.ubuntu 24.04 with canonical/ubuntu-24_04-lts/server (https://github.com/Azure/Batch/issues/200)";
        assert.deepEqual(outcome(raw, day("2026-12-02")), {
            warnings: ['pool.nodeAgentSkuId: "batch.node.ubuntu 22.04" is the Ubuntu 22.04 node agent: end of Batch support on 2027-06-30; ' +
                `after that day Azure no longer supports it (create and resize may fail); ${use}`],
            problems: [],
        });
        assert.deepEqual(outcome(raw, day("2027-07-01")), {
            warnings: ['pool.nodeAgentSkuId: "batch.node.ubuntu 22.04" is the Ubuntu 22.04 node agent, unsupported by Azure since 2027-06-30 ' +
                `(end of Batch support); ${use}`],
            problems: [],
        });
    });

    it("turns the Windows Server 2016 warning into an error after 2027-01-12: Azure refuses a pool on a withdrawn image", () => {
        const use = "use microsoftwindowsserver/windowsserver/2022-datacenter (or 2025-datacenter) with batch.node.windows amd64 " +
            "(https://github.com/Azure/Batch/issues/197)";
        const image = 'pool.image: "MicrosoftWindowsServer/WindowsServer/2016-Datacenter" is a Windows Server 2016 Marketplace image';
        assert.deepEqual(outcome(config(WINDOWS_2016), day("2027-01-12")), {
            warnings: [`${image}: end of Batch support; the Marketplace images are withdrawn on 2027-01-12; after that day Azure refuses it; ${use}`],
            problems: [],
        });
        assert.deepEqual(outcome(config(WINDOWS_2016), nextDay("2027-01-12")), {
            warnings: [],
            problems: [`${image}, refused by Azure since 2027-01-12 (end of Batch support; the Marketplace images are withdrawn); ${use}`],
        });
    });

    it("does for every dated row what its after-date column says", () => {
        for (const fact of LIFECYCLE.filter((f) => f.date !== undefined)) {
            const date = fact.date ?? "";
            assert.equal(assess(fact, day(date)).level, "warning", `${fact.what} on its date`);
            assert.equal(assess(fact, nextDay(date)).level, fact.after === "refused" ? "error" : "warning", `${fact.what} after its date`);
        }
    });

    it("warns about an undated announcement whatever the day", () => {
        for (const today of [day("2020-01-01"), day("2040-01-01")]) {
            assert.deepEqual(outcome(config({ vmSize: "Standard_DS2_v2" }), today).problems, []);
            assert.equal(outcome(config({ vmSize: "Standard_DS2_v2" }), today).warnings.length, 1);
        }
    });

    it("uses the real day when none is given", () => {
        const raw = config(WINDOWS_2016);
        const expected = new Date().toISOString().slice(0, 10) > "2027-01-12" ? "error" : "warning";
        let level: string;
        try {
            level = validateConfig(raw).warnings.length > 0 ? "warning" : "none";
        } catch {
            level = "error";
        }
        assert.equal(level, expected);
    });

    it("checks each pool of pools: at its own path", () => {
        const raw = {
            certificates: [{ name: "authcert", subject: "CN=batch.example.com" }],
            pools: {
                current: config({}).pool,
                old: { ...WINDOWS_2016, keyVaultExtension: { certificateStoreLocation: "LocalMachine" } },
            },
        };
        const { warnings } = outcome(raw, day("2026-12-02"));
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /^pools\.old\.image: "MicrosoftWindowsServer\/WindowsServer\/2016-Datacenter" is a Windows Server 2016/);
    });
});
