// The pure pieces of `npm run verify`: argument parsing, outputs validation,
// verdicts, the check task's command and output parsing, rendering, Retry-After.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseArgs, parseDuration } from "../verify/args";
import { createHttpHeaders, createPipelineRequest, type PipelineResponse, type RetryStrategy } from "@azure/core-rest-pipeline";
import type { ExtensionView } from "../verify/batch";
import { exponentialRetryStrategy, retryAfterMs, throttlingRetryStrategy, type RetryEvent } from "../verify/batchClient";
import { ExitCode, VerifyError } from "../verify/errors";
import { linuxCommand, parseCheckOutput, windowsCommand } from "../verify/fileCheck";
import type { CurrentCertificate } from "../verify/keyvault";
import { parseOutputs, parseOutputsText } from "../verify/outputs";
import { renderJson, renderTable } from "../verify/render";
import { assessExtension, judgeNode, judgePool } from "../verify/verdict";
import { sampleOutputs } from "./fixtures/batch-data-plane/fakeAzure";

const KV: CurrentCertificate[] = [{ name: "authcert", version: "v2", thumbprint: "A".repeat(40), subject: "CN=batch.example.com" }];
const ok: ExtensionView = {
    type: "KeyVaultForLinux",
    statuses: [{ code: "ProvisioningState/succeeded", level: "Info", displayStatus: "Provisioning succeeded", message: "Successfully started Key Vault extension service." }],
    subStatuses: [],
};

function throwsExit(fn: () => unknown, code: number, message: RegExp): void {
    assert.throws(fn, (e: unknown) => e instanceof VerifyError && e.exitCode === code && message.test(e.message));
}

describe("verify args", () => {
    it("parses ISO 8601 and short durations", () => {
        assert.equal(parseDuration("PT10M"), 600_000);
        assert.equal(parseDuration("PT1H30M"), 5_400_000);
        assert.equal(parseDuration("PT45S"), 45_000);
        assert.equal(parseDuration("P1DT2H"), 93_600_000);
        assert.equal(parseDuration("10m"), 600_000);
        assert.equal(parseDuration("90s"), 90_000);
        assert.equal(parseDuration("250ms"), 250);
        assert.equal(parseDuration("PT"), undefined);
        assert.equal(parseDuration("ten minutes"), undefined);
    });

    it("reads every flag, in both --flag value and --flag=value forms", () => {
        const o = parseArgs(["--stack", "dev", "--check-files", "--wait=PT5M", "--interval", "10s", "--json", "--task-timeout", "2m"]);
        assert.deepEqual(o, { stack: "dev", checkFiles: true, waitMs: 300_000, intervalMs: 10_000, taskTimeoutMs: 120_000, json: true, help: false });
    });

    it("rejects bad input with usage errors that say what to do", () => {
        throwsExit(() => parseArgs([]), ExitCode.Usage, /--stack NAME or --outputs FILE/);
        throwsExit(() => parseArgs(["--stack", "a", "--outputs", "b"]), ExitCode.Usage, /either --stack or --outputs/);
        throwsExit(() => parseArgs(["--stack", "dev", "--wait", "soon"]), ExitCode.Usage, /--wait: "soon" is not a positive duration/);
        throwsExit(() => parseArgs(["--stack"]), ExitCode.Usage, /--stack needs a stack name/);
        throwsExit(() => parseArgs(["--stack", "dev", "--frobnicate"]), ExitCode.Usage, /unknown argument "--frobnicate"/);
    });

    it("maps every strict-parse failure to this command's own usage message (exit 2)", () => {
        throwsExit(() => parseArgs(["--stack", "--json"]), ExitCode.Usage, /^--stack needs a stack name, e\.g\. --stack dev$/);
        throwsExit(() => parseArgs(["--outputs"]), ExitCode.Usage, /^--outputs needs a file path/);
        throwsExit(() => parseArgs(["--stack", ""]), ExitCode.Usage, /^--stack needs a stack name/);
        throwsExit(() => parseArgs(["--stack", "dev", "--wait"]), ExitCode.Usage, /^--wait needs a duration, e\.g\. --wait PT10M or --wait 10m$/);
        throwsExit(() => parseArgs(["--stack", "dev", "--wait", "-5m"]), ExitCode.Usage, /^--wait: "-5m" is not a positive duration/);
        throwsExit(() => parseArgs(["--stack", "dev", "--interval=0s"]), ExitCode.Usage, /^--interval: "0s" is not a positive duration/);
        throwsExit(() => parseArgs(["--stack", "dev", "--task-timeout=--json"]), ExitCode.Usage, /^--task-timeout needs a duration/);
        throwsExit(() => parseArgs(["--stack", "dev", "--frob=1"]), ExitCode.Usage, /^unknown argument "--frob=1"\n\nUsage: npm run verify/);
        throwsExit(() => parseArgs(["--stack", "dev", "-x"]), ExitCode.Usage, /^unknown argument "-x"/);
        throwsExit(() => parseArgs(["dev"]), ExitCode.Usage, /^unknown argument "dev"/);
        throwsExit(() => parseArgs(["--stack", "dev", "--json=yes"]), ExitCode.Usage, /^--json takes no value/);
    });

    it("help needs no target; -h and --help alike; the last of a repeated flag wins", () => {
        assert.equal(parseArgs(["-h"]).help, true);
        assert.equal(parseArgs(["--help"]).help, true);
        assert.equal(parseArgs(["--stack", "a", "--stack", "b"]).stack, "b");
        assert.deepEqual(parseArgs(["--outputs=o.json"]), { outputsFile: "o.json", checkFiles: false, json: false, help: false, intervalMs: 30_000, taskTimeoutMs: 600_000 });
    });
});

describe("verify outputs", () => {
    it("extracts the target from the outputs index.ts exports", () => {
        const t = parseOutputs(sampleOutputs());
        assert.equal(t.batchAccountEndpoint, "account.region.batch.azure.com");
        assert.equal(t.poolName, "poolId");
        assert.equal(t.vaultName, "myvault");
        assert.equal(t.extensionName, "KVExtensions");
        assert.deepEqual(t.certificates, [{ name: "selfSignedCert01", store: { kind: "linux-file", path: "/var/lib/waagent/Microsoft.Azure.KeyVault" } }]);
    });

    it("accepts an endpoint given with a scheme", () => {
        assert.equal(parseOutputs(sampleOutputs({ batchAccountEndpoint: "https://b.westus2.batch.azure.com/" })).batchAccountEndpoint, "b.westus2.batch.azure.com");
    });

    it("reads the Windows store from observedCertificates", () => {
        const t = parseOutputs(
            sampleOutputs({
                osFamily: "windows",
                keyVaultExtension: {
                    name: "KVExtensions",
                    type: "KeyVaultForWindows",
                    settings: {
                        secretsManagementSettings: {
                            pollingIntervalInS: "300",
                            requireInitialSync: true,
                            observedCertificates: [{ url: "https://myvault.vault.azure.net/secrets/selfSignedCert01", certificateStoreLocation: "LocalMachine", keyExportable: true }],
                        },
                    },
                },
            }),
        );
        assert.deepEqual(t.certificates[0].store, { kind: "windows-store", location: "LocalMachine", storeName: "My" });
    });

    it("names each missing or malformed key", () => {
        for (const key of ["batchAccountEndpoint", "poolName", "vaultUri", "osFamily", "keyVaultExtension", "certificates"]) {
            const o = sampleOutputs();
            delete o[key];
            throwsExit(() => parseOutputs(o), ExitCode.BadOutputs, new RegExp(`missing key "${key}"`));
        }
        throwsExit(() => parseOutputs(sampleOutputs({ poolName: "[secret]" })), ExitCode.BadOutputs, /"poolName" is masked as \[secret\].*--show-secrets/);
        throwsExit(() => parseOutputs(sampleOutputs({ osFamily: "mac" })), ExitCode.BadOutputs, /"osFamily" must be "linux" or "windows", got "mac"/);
        throwsExit(() => parseOutputs(sampleOutputs({ vaultUri: "not a url" })), ExitCode.BadOutputs, /"vaultUri" must be a URL/);
        throwsExit(() => parseOutputs(sampleOutputs({ certificates: {} })), ExitCode.BadOutputs, /"certificates" must be a non-empty map/);
        throwsExit(() => parseOutputs([]), ExitCode.BadOutputs, /expected a JSON object of stack outputs, got an array/);
        throwsExit(() => parseOutputsText("{", "outputs file x.json"), ExitCode.BadOutputs, /outputs file x\.json is not valid JSON/);
    });

    it("refuses a Linux store path that could break out of the check command", () => {
        const o = sampleOutputs();
        const ext = structuredClone(o["keyVaultExtension"]) as { settings: { secretsManagementSettings: Record<string, unknown> } };
        ext.settings.secretsManagementSettings["certificateStoreLocation"] = "/tmp/x'; rm -rf /; '";
        throwsExit(() => parseOutputs({ ...o, keyVaultExtension: ext }), ExitCode.BadOutputs, /certificateStoreLocation" must be an absolute Linux path/);
    });
});

describe("verify verdicts", () => {
    const node = { id: "n1", state: "idle", affinityId: "TVM:n1" };

    it("a running extension on an idle node is healthy", () => {
        const r = judgeNode({ node, extension: ok }, KV, "KVExtensions", "KeyVaultForLinux");
        assert.equal(r.verdict, "healthy");
        assert.equal(r.extension?.message, "Successfully started Key Vault extension service.");
    });

    it("starting, creating and waitingforstarttask are pending, never failed", () => {
        for (const state of ["starting", "creating", "waitingforstarttask"]) {
            assert.equal(judgeNode({ node: { ...node, state }, extension: "not-read" }, KV, "KVExtensions", "KeyVaultForLinux").verdict, "pending");
        }
    });

    it("an Error-level status or sub-status fails the node with its message", () => {
        const err = assessExtension({ ...ok, subStatuses: [{ code: "ComponentStatus/failed", level: "Error", message: "Initial sync failed: 403" }] }, "KVExtensions", "KeyVaultForLinux");
        assert.equal(err.verdict, "failed");
        assert.match(err.reason, /Initial sync failed: 403/);
        const failedCode = assessExtension({ ...ok, statuses: [{ code: "ProvisioningState/failed/1", level: "Info", message: "boom" }] }, "KVExtensions", "KeyVaultForLinux");
        assert.equal(failedCode.verdict, "failed");
    });

    it("a transitioning extension is pending; a missing one or of another type is failed", () => {
        assert.equal(assessExtension({ ...ok, statuses: [{ code: "ProvisioningState/transitioning", level: "Info" }] }, "KVExtensions", "KeyVaultForLinux").verdict, "pending");
        assert.equal(assessExtension({ ...ok, statuses: [] }, "KVExtensions", "KeyVaultForLinux").verdict, "pending");
        assert.match(assessExtension(undefined, "KVExtensions", "KeyVaultForLinux").reason, /not reported on this node/);
        assert.match(assessExtension({ ...ok, type: "CustomScript" }, "KVExtensions", "KeyVaultForLinux").reason, /is CustomScript, expected KeyVaultForLinux/);
    });

    it("an unusable node fails and carries the extension's error", () => {
        const ext: ExtensionView = { ...ok, statuses: [{ code: "ProvisioningState/failed", level: "Error", message: "sync failed" }] };
        const r = judgeNode({ node: { ...node, state: "unusable" }, extension: ext }, KV, "KVExtensions", "KeyVaultForLinux");
        assert.equal(r.verdict, "failed");
        assert.match(r.reason, /node is unusable; extension error: sync failed/);
    });

    it("with files: current thumbprint -> healthy, older -> stale, none -> failed", () => {
        const judge = (observed: string[]): string =>
            judgeNode({ node, extension: ok, files: { kind: "read", observed: { authcert: observed } } }, KV, "KVExtensions", "KeyVaultForLinux").verdict;
        assert.equal(judge(["A".repeat(40)]), "healthy");
        assert.equal(judge(["B".repeat(40)]), "stale");
        assert.equal(judge(["B".repeat(40), "a".repeat(40)]), "healthy", "Windows stores keep old versions beside the current one");
        assert.equal(judge([]), "failed");
    });

    it("pool exit codes: failed or stale beat pending, pending beats healthy, no nodes is its own code", () => {
        const now = new Date("2025-01-01T00:00:00Z");
        const pool = (states: string[]): number =>
            judgePool("p", states.map((state, i) => ({ node: { id: `n${i}`, state }, extension: state === "idle" ? ok : "not-read" })), KV, "KVExtensions", "KeyVaultForLinux", false, now).exitCode;
        assert.equal(pool(["idle", "idle"]), ExitCode.Healthy);
        assert.equal(pool(["idle", "starting"]), ExitCode.Pending);
        assert.equal(pool(["unusable", "starting"]), ExitCode.NodesFailed);
        assert.equal(pool([]), ExitCode.NoNodes);
    });

    it("warns when Key Vault's current version has expired (renewal did not happen)", () => {
        const r = judgePool("p", [], [{ ...KV[0], expiresOn: "2024-01-01T00:00:00.000Z" }], "KVExtensions", "KeyVaultForLinux", false, new Date("2025-01-01T00:00:00Z"));
        assert.match(r.warnings[0], /expired on 2024-01-01.*renewal did not happen/);
    });
});

describe("verify check task", () => {
    it("Linux: reads <store>/<vault>.<certificate> with openssl", () => {
        const cmd = linuxCommand("myvault", [{ name: "authcert", store: { kind: "linux-file", path: "/var/lib/waagent/Microsoft.Azure.KeyVault" } }]);
        assert.match(cmd, /^\/bin\/bash -c '/);
        assert.match(cmd, /openssl x509 -noout -fingerprint -sha1 -in "\/var\/lib\/waagent\/Microsoft\.Azure\.KeyVault\/myvault\.authcert"/);
        assert.equal(cmd.slice("/bin/bash -c '".length, -1).includes("'"), false, "no quote inside the single-quoted script");
    });

    it("Windows: a PowerShell -EncodedCommand over Cert:\\LocalMachine\\My filtered by thumbprint or subject", () => {
        const cmd = windowsCommand([{ name: "authcert", store: { kind: "windows-store", location: "LocalMachine", storeName: "My" } }], KV);
        const encoded = /-EncodedCommand (\S+)$/.exec(cmd)?.[1] ?? "";
        const script = Buffer.from(encoded, "base64").toString("utf16le");
        assert.match(script, /p='Cert:\\LocalMachine\\My'/);
        assert.match(script, new RegExp(`t='${"A".repeat(40)}'`));
        assert.match(script, /s='CN=batch\.example\.com'/);
    });

    it("parses openssl 1.x and 3.x fingerprint lines, Windows thumbprints and MISSING", () => {
        const out = [
            "CERT a SHA1 Fingerprint=7C:B8:B7:53:9D:87:BA:72:15:35:7B:9B:90:49:DF:F2:D3:FA:59:BA",
            "CERT b sha1 Fingerprint=7c:b8:b7:53:9d:87:ba:72:15:35:7b:9b:90:49:df:f2:d3:fa:59:ba",
            "CERT c 7CB8B7539D87BA7215357B9B9049DFF2D3FA59BA\r",
            "CERT d MISSING /var/lib/waagent/Microsoft.Azure.KeyVault/v.d",
            "CERT e unable to load certificate",
            "noise",
        ].join("\n");
        const t = "7CB8B7539D87BA7215357B9B9049DFF2D3FA59BA";
        assert.deepEqual(parseCheckOutput(out), { a: [t], b: [t], c: [t], d: [], e: [] });
    });
});

describe("verify rendering and retries", () => {
    it("the table has one row per node, the reason under each non-healthy node, and the summary", () => {
        const now = new Date("2025-01-01T00:00:00Z");
        const result = judgePool(
            "pool1",
            [
                { node: { id: "n1", state: "idle" }, extension: ok },
                { node: { id: "n2", state: "starting" }, extension: "not-read" },
            ],
            KV,
            "KVExtensions",
            "KeyVaultForLinux",
            false,
            now,
        );
        const table = renderTable(result);
        assert.match(table, /^NODE\s+STATE\s+EXTENSION\s+MESSAGE\s+CERTIFICATES\s+VERDICT$/m);
        assert.match(table, /^n1\s+idle\s+Provisioning succeeded\s+Successfully started Key Vault extension service\.\s+authcert kv=AAAAAAAA\s+healthy$/m);
        assert.match(table, /^n2\s+starting\s+-\s+-\s+authcert kv=AAAAAAAA\s+pending\n\s+-> node is starting/m);
        assert.match(table, /pool pool1: 2 nodes: 1 healthy, 1 pending, 0 stale, 0 failed/);
        assert.equal(JSON.parse(renderJson(result)).verdict, "pending");
    });

    it("Retry-After as seconds or as an HTTP date", () => {
        assert.equal(retryAfterMs("7"), 7000);
        assert.equal(retryAfterMs("Wed, 01 Jan 2025 00:00:10 GMT", Date.parse("2025-01-01T00:00:00Z")), 10_000);
        assert.equal(retryAfterMs(null), undefined);
        assert.equal(retryAfterMs("soon"), undefined);
    });
});

describe("verify retry strategies (plugged into core-rest-pipeline's retryPolicy)", () => {
    const bounds = { maxRetries: 4, maxRetryDelayMs: 60_000 };
    function response(status: number, headers: Record<string, string> = {}): PipelineResponse {
        const request = createPipelineRequest({ url: "https://account.region.batch.azure.com/pools/p/nodes?api-version=x", method: "GET" });
        return { request, status, headers: createHttpHeaders(headers) };
    }
    /** What the first strategy that does not skip decides, as retryPolicy runs them. */
    function decide(status: number, headers: Record<string, string>, retryCount: number, events: RetryEvent[] = [], b = bounds): number | undefined {
        const strategies: RetryStrategy[] = [throttlingRetryStrategy(b, (e) => events.push(e)), exponentialRetryStrategy(b, (e) => events.push(e))];
        for (const strategy of strategies) {
            const modifiers = strategy.retry({ retryCount, response: response(status, headers) });
            if (!modifiers.skipStrategy) return modifiers.retryAfterInMs;
        }
        return undefined;
    }

    it("429 and 503 wait as Retry-After says, up to maxRetryDelayMs", () => {
        const events: RetryEvent[] = [];
        assert.equal(decide(429, { "Retry-After": "7" }, 0, events), 7000);
        assert.equal(decide(503, { "Retry-After": "7" }, 3), 7000);
        assert.equal(decide(429, { "Retry-After": "600" }, 0), 60_000);
        assert.equal(decide(429, { "Retry-After": "7" }, 0, [], { maxRetries: 4, maxRetryDelayMs: 50 }), 50);
        assert.deepEqual(events, [{ status: 429, method: "GET", path: "/pools/p/nodes", retry: 1, maxRetries: 4, delayMs: 7000, retryAfterMs: 7000 }]);
    });

    it("without Retry-After: 1 s, 2 s, 4 s, ... bounded; other statuses are not retried", () => {
        assert.deepEqual([0, 1, 2, 3].map((n) => decide(429, {}, n)), [1000, 2000, 4000, 8000]);
        assert.equal(decide(503, { "Retry-After": "soon" }, 7), 60_000);
        for (const status of [200, 404, 408, 500, 502, 504]) assert.equal(decide(status, { "Retry-After": "1" }, 0), undefined, String(status));
    });
});
