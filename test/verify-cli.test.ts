// `npm run verify` against a loopback fake of Batch and Key Vault whose bodies
// come from the official REST spec examples (test/fixtures/batch-data-plane).
// Exit-code cases spawn the real command; the rest call main() in-process.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
    EXAMPLE_FINGERPRINT,
    EXAMPLE_THUMBPRINT,
    EXAMPLE_VERSION,
    failedExtension,
    healthyExtension,
    sampleOutputs,
    startFakeAzure,
    TEST_TOKEN,
    type FakeAzure,
    type Scenario,
} from "./fixtures/batch-data-plane/fakeAzure";
import { planStack } from "../tools/plan/run";
import { ExitCode } from "../verify/errors";
import { main, TEST_ENV } from "../verify/main";
import type { VerifyDeps } from "../verify/run";
import { parseOutputs } from "../verify/outputs";
import { spawnVerify, type Run } from "./support/verifyCommand";

const work = mkdtempSync(join(tmpdir(), "verify-test-"));
let fileCount = 0;

function outputsFile(content: unknown): string {
    const file = join(work, `outputs-${++fileCount}.json`);
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
}

function testEnv(fake: FakeAzure): Record<string, string> {
    return { [TEST_ENV.batchUrl]: fake.url, [TEST_ENV.keyVaultUrl]: fake.url, [TEST_ENV.token]: TEST_TOKEN };
}

/**
 * Calls main() in-process; --wait and --check-files sleeps are recorded and
 * skipped unless `realSleep` (HTTP retries wait inside the pipeline: bound
 * them with maxRetryDelayMs in `deps`).
 */
async function runInProcess(fake: FakeAzure, args: string[], sleeps: number[] = [], realSleep = false, deps: Partial<VerifyDeps> = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, {
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        env: testEnv(fake),
        deps: {
            ...(realSleep
                ? {}
                : {
                      sleep: async (ms: number) => {
                          sleeps.push(ms);
                      },
                  }),
            ...deps,
        },
    });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

async function withFake<T>(scenario: Scenario, fn: (fake: FakeAzure) => Promise<T>): Promise<T> {
    const fake = await startFakeAzure(scenario);
    try {
        return await fn(fake);
    } finally {
        await fake.close();
    }
}

describe("verify: the fixtures are the official examples", () => {
    it("the Key Vault example's x5t is the SHA-1 of its certificate, so thumbprint comparisons are meaningful", () => {
        assert.equal(EXAMPLE_THUMBPRINT, Buffer.from("fLi3U52HunIVNXubkEnf8tP6Wbo", "base64url").toString("hex").toUpperCase());
        assert.equal(EXAMPLE_VERSION, "f60f2a4f8ae442cfb41ca2090bd4b769");
    });
});

describe("verify: spawned command, exit codes", () => {
    let healthyFile: string;
    before(() => {
        healthyFile = outputsFile(sampleOutputs());
    });

    it("healthy pool: table with every node healthy, exit 0", async () => {
        await withFake({}, async (fake) => {
            const run = await spawnVerify(["--outputs", healthyFile], testEnv(fake));
            assert.equal(run.code, ExitCode.Healthy, run.stderr);
            for (const id of ["tvm-1695681911_1-20161122t193202z", "tvm-1695681911_2-20161122t193202z", "tvm-1695681911_3-20161122t193202z"]) {
                assert.match(run.stdout, new RegExp(`${id}\\s+idle\\s+Provisioning succeeded\\s+Enable succeeded.*healthy`));
            }
            assert.match(run.stdout, /3 nodes: 3 healthy, 0 pending, 0 stale, 0 failed/);
            assert.match(run.stdout, new RegExp(`current version ${EXAMPLE_VERSION}, thumbprint ${EXAMPLE_THUMBPRINT}`));
            // It authenticated to both services with the (test) bearer token.
            assert.ok(fake.requests.every((r) => r.path.startsWith("/certificates") || r.authorization === `Bearer ${TEST_TOKEN}`));
            assert.ok(fake.requests.some((r) => r.path === "/certificates/selfSignedCert01/" || r.path === "/certificates/selfSignedCert01"));
        });
    });

    it("failing extension: prints the extension's message and exits 1", async () => {
        const message = "Failed to sync certificate https://myvault.vault.azure.net/secrets/selfSignedCert01: 403 Forbidden";
        await withFake({ extension: (i, official) => (i === 1 ? failedExtension(official, message) : healthyExtension(official)) }, async (fake) => {
            const run = await spawnVerify(["--outputs", healthyFile], testEnv(fake));
            assert.equal(run.code, ExitCode.NodesFailed, run.stderr);
            assert.match(run.stdout, /tvm-1695681911_2-20161122t193202z\s+idle\s+Provisioning failed\s+Failed to sync certificate.*failed/);
            assert.match(run.stdout, /-> extension error: Failed to sync certificate https:\/\/myvault\.vault\.azure\.net\/secrets\/selfSignedCert01: 403 Forbidden/);
            assert.match(run.stdout, /2 healthy, 0 pending, 0 stale, 1 failed/);
        });
    });

    it("missing outputs key: names the key, exit 3, no stack trace", async () => {
        const outputs = sampleOutputs();
        delete outputs["batchAccountEndpoint"];
        const run = await spawnVerify(["--outputs", outputsFile(outputs)], {});
        assert.equal(run.code, ExitCode.BadOutputs);
        assert.match(run.stderr, /missing key "batchAccountEndpoint"/);
        assert.doesNotMatch(run.stderr, /\n\s+at /);
    });

    it("malformed outputs file: says it is not JSON and how to produce it, exit 3", async () => {
        const run = await spawnVerify(["--outputs", outputsFile("{ not json")], {});
        assert.equal(run.code, ExitCode.BadOutputs);
        assert.match(run.stderr, /is not valid JSON .*pulumi stack output --json --show-secrets/);
        assert.doesNotMatch(run.stderr, /\n\s+at /);
    });

    it("--stack without the pulumi CLI on PATH: clear message, exit 4", async () => {
        // node is started by absolute path; PATH holds only an empty directory, so no pulumi.
        const run = await spawnVerify(["--stack", "dev"], { PATH: mkdtempSync(join(tmpdir(), "empty-path-")) }, { useNpx: false });
        assert.equal(run.code, ExitCode.PulumiNotFound, run.stderr);
        assert.match(run.stderr, /`pulumi` CLI is not on PATH.*--outputs outputs\.json/);
    });

    it("--stack with an unknown stack: relays pulumi's error, exit 5", async () => {
        const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
        const fakePulumi = join(bin, "pulumi");
        writeFileSync(fakePulumi, `#!/bin/sh\necho "error: no stack named 'nope' found" >&2\nexit 255\n`);
        chmodSync(fakePulumi, 0o755);
        const run = await spawnVerify(["--stack", "nope"], { PATH: `${bin}:/usr/bin:/bin` }, { useNpx: false });
        assert.equal(run.code, ExitCode.StackUnavailable, run.stderr);
        assert.match(run.stderr, /stack "nope" is unknown to pulumi \(error: no stack named 'nope' found\)/);
    });

    it("--stack reads the outputs through `pulumi stack output --json --show-secrets --stack NAME`", async () => {
        const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
        const argsLog = join(bin, "args.txt");
        writeFileSync(join(bin, "pulumi"), `#!/bin/sh\necho "$@" > '${argsLog}'\ncat '${healthyFile}'\n`);
        chmodSync(join(bin, "pulumi"), 0o755);
        await withFake({}, async (fake) => {
            const run = await spawnVerify(["--stack", "dev"], { ...testEnv(fake), PATH: `${bin}:/usr/bin:/bin` }, { useNpx: false });
            assert.equal(run.code, ExitCode.Healthy, run.stderr);
        });
        assert.equal(readFileSync(argsLog, "utf8").trim(), "stack output --json --show-secrets --stack dev");
    });

    it("403 from Batch: names the missing role, exit 9", async () => {
        await withFake({ batchForbidden: true }, async (fake) => {
            const run = await spawnVerify(["--outputs", healthyFile], testEnv(fake));
            assert.equal(run.code, ExitCode.Forbidden, run.stderr);
            assert.match(run.stderr, /Batch account account\.region\.batch\.azure\.com denied GET \/pools\/poolId\/nodes \(403 Forbidden/);
            assert.match(run.stderr, /Azure Batch Data Contributor/);
            assert.doesNotMatch(run.stderr, /\n\s+at /);
        });
    });

    it("403 from Key Vault: names the certificate permission / role, exit 9", async () => {
        await withFake({ keyVaultForbidden: true }, async (fake) => {
            const run = await spawnVerify(["--outputs", healthyFile], testEnv(fake));
            assert.equal(run.code, ExitCode.Forbidden, run.stderr);
            assert.match(run.stderr, /Key Vault https:\/\/myvault\.vault\.azure\.net\/ denied/);
            assert.match(run.stderr, /certificate permission "get"/);
            assert.match(run.stderr, /Key Vault Certificate User/);
        });
    });

    it("Ctrl-C during --check-files: the job is deleted, exit 130", async () => {
        await withFake({ tasksNeverComplete: true }, async (fake) => {
            const run = await spawnVerify(
                ["--outputs", healthyFile, "--check-files", "--interval", "100ms"],
                testEnv(fake),
                { onSpawn: (kill) => {
                    const timer = setInterval(() => {
                        if (fake.requests.some((r) => r.path.endsWith("/addtaskcollection"))) {
                            clearInterval(timer);
                            kill();
                        }
                    }, 20);
                }, useNpx: false },
            );
            assert.equal(run.code, ExitCode.Interrupted, run.stderr);
            const created = fake.requests.find((r) => r.method === "POST" && r.path === "/jobs");
            assert.ok(created, "job created");
            const jobId = String((created.body as Record<string, unknown>)["id"]);
            assert.ok(fake.requests.some((r) => r.method === "DELETE" && r.path === `/jobs/${jobId}`), "job deleted after SIGINT");
        });
    });
});

describe("verify: in-process", () => {
    let healthyFile: string;
    before(() => {
        healthyFile = outputsFile(sampleOutputs());
    });

    it("a node still starting is pending, not failed (exit 8), and its extension is not queried", async () => {
        await withFake({ nodeStates: ["idle", "starting", "waitingforstarttask"] }, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile]);
            assert.equal(run.code, ExitCode.Pending);
            assert.match(run.stdout, /tvm-1695681911_2-20161122t193202z\s+starting\s+-\s+-\s+.*pending/);
            assert.match(run.stdout, /tvm-1695681911_3-20161122t193202z\s+waitingforstarttask.*pending/);
            assert.match(run.stdout, /1 healthy, 2 pending, 0 stale, 0 failed/);
            assert.ok(!fake.requests.some((r) => r.path.includes("tvm-1695681911_2-20161122t193202z/extensions")));
        });
    });

    it("a pool with no nodes: clear message, exit 7", async () => {
        await withFake({ nodeStates: [] }, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile]);
            assert.equal(run.code, ExitCode.NoNodes);
            assert.match(run.stdout, /pool poolId: no compute nodes/);
        });
    });

    it("a pool that does not exist: exit 6", async () => {
        await withFake({ poolMissing: true }, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile]);
            assert.equal(run.code, ExitCode.PoolNotFound);
            assert.match(run.stderr, /no pool "poolId" \(PoolNotFound\)/);
        });
    });

    it("follows odata.nextLink across pages and verifies every node", async () => {
        await withFake({ pageSize: 1, nodeStates: ["idle", "running", "idle", "idle", "idle"] }, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile, "--json"]);
            assert.equal(run.code, ExitCode.Healthy, run.stderr);
            const doc = JSON.parse(run.stdout) as { nodes: { nodeId: string }[] };
            assert.equal(doc.nodes.length, 5);
            assert.equal(new Set(doc.nodes.map((n) => n.nodeId)).size, 5);
            const listCalls = fake.requests.filter((r) => r.path === "/pools/poolId/nodes");
            assert.equal(listCalls.length, 5);
            assert.deepEqual(listCalls.map((r) => r.query.get("$skiptoken")), [null, "1", "2", "3", "4"]);
        });
    });

    it("429 with Retry-After: the pipeline waits as told, then succeeds", async () => {
        await withFake({ throttleNodeList: { times: 2, retryAfter: "1" } }, async (fake) => {
            const started = Date.now();
            const run = await runInProcess(fake, ["--outputs", healthyFile]);
            const elapsed = Date.now() - started;
            assert.equal(run.code, ExitCode.Healthy, run.stderr);
            assert.equal(fake.requests.filter((r) => r.path === "/pools/poolId/nodes").length, 3);
            assert.ok(elapsed >= 1900, `two 1 s waits, took ${elapsed} ms`);
            const lines = run.stderr.split("\n").filter((l) => l.startsWith("[retry]"));
            assert.deepEqual(lines, [
                "[retry] Batch answered 429 to GET /pools/poolId/nodes; retry 1 of 4 in 1s (as Retry-After asked)",
                "[retry] Batch answered 429 to GET /pools/poolId/nodes; retry 2 of 4 in 1s (as Retry-After asked)",
            ]);
        });
    });

    it("429 that never ends: Retry-After capped by the bound, 4 retries, exit 10", async () => {
        await withFake({ throttleNodeList: { times: 1000, retryAfter: "30" } }, async (fake) => {
            const started = Date.now();
            const run = await runInProcess(fake, ["--outputs", healthyFile], [], false, { maxRetryDelayMs: 50 });
            const elapsed = Date.now() - started;
            assert.equal(run.code, ExitCode.Throttled);
            assert.equal(fake.requests.filter((r) => r.path === "/pools/poolId/nodes").length, 5);
            assert.ok(elapsed < 10_000, `a 30 s Retry-After was capped at 50 ms, took ${elapsed} ms`);
            assert.equal(run.stderr.split("\n").filter((l) => /^\[retry\] Batch answered 429 .* in 50ms \(Retry-After 30s, capped\)$/.test(l)).length, 4);
            assert.match(run.stderr, /Batch kept throttling \(429\) GET \/pools\/poolId\/nodes after 5 attempts/);
        });
    });

    it("Ctrl-C during a Retry-After wait ends the wait at once, exit 130", async () => {
        await withFake({ throttleNodeList: { times: 1000, retryAfter: "30" } }, async (fake) => {
            const controller = new AbortController();
            const started = Date.now();
            const timer = setTimeout(() => controller.abort(), 300);
            const code = await main(["--outputs", healthyFile], { stdout: () => undefined, stderr: () => undefined, env: testEnv(fake), signal: controller.signal });
            clearTimeout(timer);
            assert.equal(code, ExitCode.Interrupted);
            assert.ok(Date.now() - started < 10_000, "did not sit out the 30 s");
            assert.equal(fake.requests.filter((r) => r.path === "/pools/poolId/nodes").length, 1);
        });
    });

    it("fetches one token per scope and reuses it: every Batch call (cleanup included) and every Key Vault call, across --wait rounds", async () => {
        const calls: string[] = [];
        const credential: TokenCredential = {
            getToken: async (scopes): Promise<AccessToken> => {
                calls.push(([] as string[]).concat(scopes).join(" "));
                return { token: TEST_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
            },
        };
        const scenario: Scenario = { nodeStates: ["idle", "starting"], onNodeList: (call, s) => (call >= 3 ? (s.nodeStates = ["idle", "idle"]) : undefined) };
        await withFake(scenario, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile, "--check-files", "--wait", "PT20S", "--interval", "50ms"], [], true, { credential });
            assert.equal(run.code, ExitCode.Healthy, run.stderr);
            const batch = fake.requests.filter((r) => !r.path.startsWith("/certificates"));
            assert.equal(fake.requests.filter((r) => r.path === "/pools/poolId/nodes").length, 3, "three rounds");
            assert.ok(batch.some((r) => r.method === "DELETE"), "the cleanup client ran too");
            assert.ok(batch.every((r) => r.authorization === `Bearer ${TEST_TOKEN}`));
            assert.deepEqual([...calls].sort(), ["https://batch.core.windows.net/.default", "https://vault.azure.net/.default"]);
        });
    });

    it("--json: the documented shape with full thumbprints", async () => {
        await withFake({}, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile, "--json"]);
            assert.equal(run.code, ExitCode.Healthy);
            const doc = JSON.parse(run.stdout) as Record<string, unknown>;
            assert.deepEqual(Object.keys(doc), ["pool", "verdict", "exitCode", "summary", "checkedFiles", "counts", "keyVault", "nodes", "warnings"]);
            assert.equal(doc["pool"], "poolId");
            assert.equal(doc["verdict"], "healthy");
            assert.deepEqual(doc["counts"], { healthy: 3, pending: 0, stale: 0, failed: 0 });
            const kv = (doc["keyVault"] as Record<string, unknown>[])[0];
            assert.equal(kv["name"], "selfSignedCert01");
            assert.equal(kv["version"], EXAMPLE_VERSION);
            assert.equal(kv["thumbprint"], EXAMPLE_THUMBPRINT);
            assert.equal(kv["subject"], "CN=KeyVaultTest");
            const node = (doc["nodes"] as Record<string, unknown>[])[0];
            assert.deepEqual(Object.keys(node), ["nodeId", "state", "certificates", "extension", "verdict", "reason"]);
            assert.deepEqual(node["extension"], {
                status: "Provisioning succeeded",
                level: "Info",
                code: "ProvisioningState/succeeded",
                message: "Enable succeeded: Enabling and starting agent and controller",
            });
        });
    });

    it("--json on an error prints a machine-readable error too", async () => {
        const outputs = sampleOutputs();
        delete outputs["vaultUri"];
        const out: string[] = [];
        const code = await main(["--outputs", outputsFile(outputs), "--json"], { stdout: (t) => out.push(t), stderr: () => undefined, env: {} });
        assert.equal(code, ExitCode.BadOutputs);
        const doc = JSON.parse(out.join("\n")) as Record<string, unknown>;
        assert.equal(doc["verdict"], "error");
        assert.equal(doc["exitCode"], ExitCode.BadOutputs);
        assert.match(String(doc["error"]), /missing key "vaultUri"/);
    });

    it("--wait keeps polling until the starting nodes are healthy, with a progress line", async () => {
        const scenario: Scenario = {
            nodeStates: ["idle", "starting", "creating"],
            onNodeList: (call, s) => {
                if (call === 2) s.nodeStates = ["idle", "waitingforstarttask", "starting"];
                if (call >= 3) s.nodeStates = ["idle", "idle", "running"];
            },
        };
        await withFake(scenario, async (fake) => {
            const started = Date.now();
            const run = await runInProcess(fake, ["--outputs", healthyFile, "--wait", "PT20S", "--interval", "50ms"], [], true);
            assert.equal(run.code, ExitCode.Healthy, run.stderr);
            assert.ok(Date.now() - started < 10_000);
            assert.equal(fake.requests.filter((r) => r.path === "/pools/poolId/nodes").length, 3);
            assert.match(run.stderr, /\[wait\] check 1: 1\/3 healthy, 2 pending, 0 stale, 0 failed; next check in 0s \(\d+s left\)/);
            assert.match(run.stdout, /3 healthy, 0 pending/);
        });
    });

    it("--wait gives up when time is up and says so (exit 8 while nodes are still starting)", async () => {
        await withFake({ nodeStates: ["starting"] }, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile, "--wait", "300ms", "--interval", "100ms"], [], true);
            assert.equal(run.code, ExitCode.Pending);
            assert.match(run.stdout, /--wait ran out after \d+ checks/);
            assert.ok(fake.requests.filter((r) => r.path === "/pools/poolId/nodes").length >= 2);
        });
    });

    it("--check-files: one elevated task per node pinned by affinity, thumbprints compared, job deleted", async () => {
        await withFake({}, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile, "--check-files", "--json"]);
            assert.equal(run.code, ExitCode.Healthy, run.stderr);
            const add = fake.requests.find((r) => r.path.endsWith("/addtaskcollection"));
            const tasks = ((add?.body as Record<string, unknown>)["value"] as Record<string, unknown>[]);
            assert.equal(tasks.length, 3);
            assert.deepEqual(tasks.map((t) => (t["affinityInfo"] as Record<string, unknown>)["affinityId"]), [
                "TVM:tvm-1695681911_1-20161122t193202z",
                "TVM:tvm-1695681911_2-20161122t193202z",
                "TVM:tvm-1695681911_3-20161122t193202z",
            ]);
            assert.deepEqual(tasks[0]["userIdentity"], { autoUser: { scope: "pool", elevationLevel: "admin" } });
            assert.match(String(tasks[0]["commandLine"]), /openssl x509 -noout -fingerprint -sha1 -in "\/var\/lib\/waagent\/Microsoft\.Azure\.KeyVault\/myvault\.selfSignedCert01"/);
            const doc = JSON.parse(run.stdout) as { nodes: { certificates: { nodeThumbprints: string[]; matchesCurrent: boolean }[] }[] };
            assert.deepEqual(doc.nodes[0].certificates[0].nodeThumbprints, [EXAMPLE_THUMBPRINT]);
            assert.equal(doc.nodes[0].certificates[0].matchesCurrent, true);
            const jobId = String((fake.requests.find((r) => r.method === "POST" && r.path === "/jobs")?.body as Record<string, unknown>)["id"]);
            assert.ok(fake.requests.some((r) => r.method === "DELETE" && r.path === `/jobs/${jobId}`));
        });
    });

    it("--check-files with a failing task and a stale node: verdicts failed and stale, exit 1, job still deleted", async () => {
        const old = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";
        await withFake(
            {
                task: (i, names) =>
                    i === 0
                        ? { stdout: "", stderr: "openssl: command not found", exitCode: 127 }
                        : i === 1
                          ? { stdout: names.map((n) => `CERT ${n} sha1 Fingerprint=${old}`).join("\n"), exitCode: 0 }
                          : { stdout: names.map((n) => `CERT ${n} SHA1 Fingerprint=${EXAMPLE_FINGERPRINT}`).join("\n"), exitCode: 0 },
            },
            async (fake) => {
                const run = await runInProcess(fake, ["--outputs", healthyFile, "--check-files"]);
                assert.equal(run.code, ExitCode.NodesFailed);
                assert.match(run.stdout, /tvm-1695681911_1-20161122t193202z .*failed\n\s+-> certificate file check failed: task node-0 failure with exit code 127 .*openssl: command not found/);
                assert.match(run.stdout, /tvm-1695681911_2-20161122t193202z .*node=AABBCCDD\s+stale/);
                assert.match(run.stdout, new RegExp(`selfSignedCert01 holds AABBCCDDEEFF00112233445566778899AABBCCDD but Key Vault's current version ${EXAMPLE_VERSION} is ${EXAMPLE_THUMBPRINT}`));
                assert.match(run.stdout, /1 healthy, 0 pending, 1 stale, 1 failed \(certificate files checked\)/);
                const jobId = String((fake.requests.find((r) => r.method === "POST" && r.path === "/jobs")?.body as Record<string, unknown>)["id"]);
                assert.ok(fake.requests.some((r) => r.method === "DELETE" && r.path === `/jobs/${jobId}`));
            },
        );
    });

    it("--check-files when the tasks never finish: bounded by --task-timeout, job deleted", async () => {
        await withFake({ tasksNeverComplete: true }, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", healthyFile, "--check-files", "--task-timeout", "200ms", "--interval", "50ms"], [], true);
            assert.equal(run.code, ExitCode.NodesFailed);
            assert.match(run.stdout, /task node-0 still running after 0s \(raise --task-timeout/);
            assert.ok(fake.requests.some((r) => r.method === "DELETE" && r.path.startsWith("/jobs/verify-certs-")));
        });
    });

    it("the test-only overrides come from the environment only: without them the outputs' endpoint is used", async () => {
        // No overrides and no Azure login here: the real endpoint would be tried; we only check
        // that an outputs file cannot smuggle a test URL in (unknown keys are ignored).
        const outputs = sampleOutputs({ [TEST_ENV.batchUrl]: "http://127.0.0.1:1/" });
        const out: string[] = [];
        const err: string[] = [];
        const code = await main(["--outputs", outputsFile(outputs)], {
            stdout: (t) => out.push(t),
            stderr: (t) => err.push(t),
            env: {},
            deps: {
                credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) },
                httpClient: {
                    sendRequest: async (request) => {
                        throw new TypeError(`blocked ${new URL(request.url).host}`);
                    },
                },
            },
        });
        assert.equal(code, ExitCode.ServiceError);
        assert.match(err.join("\n"), /cannot reach the Batch account at account\.region\.batch\.azure\.com/);
        assert.doesNotMatch(err.join("\n"), /TEST overrides/);
    });
});

describe("verify: reads the outputs the stack program really exports (offline plan)", () => {
    it("dev (Linux) and prod (Windows) outputs parse, and a verify run on dev's outputs checks files at the extension's store path", async () => {
        const dev = await planStack({ stack: "dev" });
        const devTarget = parseOutputs(dev.outputs);
        assert.equal(devTarget.osFamily, "linux");
        assert.equal(devTarget.extensionType, "KeyVaultForLinux");
        assert.ok(devTarget.certificates.length > 0);
        const prod = await planStack({ stack: "prod" });
        assert.throws(() => parseOutputs(prod.outputs), /several pools \(linux, windows\); say which with --pool KEY/);
        assert.equal(parseOutputs(prod.outputs, "linux").osFamily, "linux");
        const prodTarget = parseOutputs(prod.outputs, "windows");
        assert.equal(prodTarget.osFamily, "windows");
        assert.match(prodTarget.poolName, /^certpool-windows-[0-9a-f]{8}$/);
        assert.ok(prodTarget.certificates.every((c) => c.store.kind === "windows-store"));

        await withFake({}, async (fake) => {
            const run = await runInProcess(fake, ["--outputs", outputsFile(dev.outputs), "--check-files", "--json"]);
            assert.equal(run.code, ExitCode.Healthy, run.stderr);
            const pool = encodeURIComponent(devTarget.poolName);
            assert.ok(fake.requests.some((r) => r.path === `/pools/${pool}/nodes`));
            const add = fake.requests.find((r) => r.path.endsWith("/addtaskcollection"));
            const command = String((((add?.body as Record<string, unknown>)["value"] as Record<string, unknown>[])[0])["commandLine"]);
            const store = devTarget.certificates[0].store;
            assert.equal(store.kind, "linux-file");
            assert.ok(command.includes(`${store.kind === "linux-file" ? store.path : ""}/${devTarget.vaultName}.${devTarget.certificates[0].name}`));
        });
    });
});
