// Bad configuration through the real engine: `pulumi preview` exits non-zero
// with the validation message alone (no stack trace) and plans no resource.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parseDocument } from "yaml";
import { cli, type EngineSession, openSession, openStack } from "./harness";

describe("bad configuration through the real engine", () => {
    let session: EngineSession;
    before(async () => {
        session = await openSession();
    });
    after(() => session?.close());

    it("pulumi preview exits non-zero with the field, the value and the rule, and creates nothing", async () => {
        const { configFile } = await openStack(session, "bad", "Pulumi.dev.yaml");
        const doc = parseDocument(readFileSync(configFile, "utf8"));
        doc.setIn(["config", "batch-cert-rotation:certificates", 0, "renewal"], { daysBeforeExpiry: 400 });
        writeFileSync(configFile, doc.toString());

        const run = cli(session, ["preview", "--stack", "bad", "--config-file", configFile, "--non-interactive", "--color", "never"]);
        const output = run.stdout + run.stderr;
        assert.notEqual(run.code, 0, output);
        assert.match(output, /certificates\[0\]\.renewal\.daysBeforeExpiry: 400 is outside 1\.\.324 \(validityInMonths 12 x 27\)/);
        assert.doesNotMatch(output, /\n\s+at .+\(.+:\d+:\d+\)/, "the user sees a stack trace");
        assert.doesNotMatch(output, /azure-native:|KeyVaultCertificate|CertRotationPool/, "a resource was planned despite the bad configuration");
    });
});
