// Every request the offline plan renders, for every stack and example, checked
// with oav against Azure's own REST specs (the repository's copies): the pool
// against Batch 2024-07-01, the vault and its access policies against Key Vault
// management 2024-11-01, each certificate against the Key Vault data plane
// 2025-07-01, the version the SDK sends. A clean result means Azure would accept
// the bodies as written, with no property silently dropped.

import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { planStack } from "../tools/plan/run";
import { checkPlanRequests, loadBoundSpecs, SPEC_BINDINGS, UNCHECKED_TYPES } from "../tools/swagger/planRequests";
import type { SpecValidator } from "../tools/swagger/specValidator";
import { fixturePath, REPO_ROOT } from "./fixtures";

const stackFiles = readdirSync(REPO_ROOT).filter((file) => /^Pulumi\.[^.]+\.ya?ml$/.test(file)).sort();
const exampleFiles = readdirSync(path.join(REPO_ROOT, "examples")).filter((file) => /\.ya?ml$/.test(file)).sort();

void test("there are stacks and examples to check", () => {
    assert.ok(stackFiles.includes("Pulumi.dev.yaml"), `no Pulumi.dev.yaml at the repository root (found: ${stackFiles.join(", ") || "none"})`);
    assert.ok(exampleFiles.includes("how-to-linux.yaml") && exampleFiles.includes("how-to-windows.yaml"), `examples missing (found: ${exampleFiles.join(", ") || "none"})`);
});

let specs: SpecValidator;
before(async () => {
    specs = await loadBoundSpecs(fixturePath("specs"));
});

const plans = [
    ...stackFiles.map((file) => ({ label: file, options: { stack: /^Pulumi\.([^.]+)\./.exec(file)?.[1] as string } })),
    ...exampleFiles.map((file) => ({ label: `examples/${file}`, options: { configFile: path.join(REPO_ROOT, "examples", file) } })),
];

/** Per plan: the resource types it rendered a request for, and how many requests each binding validated. */
const coverage = new Map<string, { rendered: Set<string>; validated: Record<string, number> }>();

for (const { label, options } of plans) {
    void test(`${label}: the pool, vault and certificate requests satisfy Azure's REST specs`, async () => {
        const plan = await planStack({ ...options, projectDir: REPO_ROOT });
        // Several plans share this process: let this one's last RPCs (the stack's outputs) land on
        // its own mock monitor before the next plan installs another.
        await pulumi.runtime.disconnect();
        const { problems, validated, unchecked } = await checkPlanRequests(plan, specs);
        coverage.set(label, { rendered: new Set(plan.resources.filter((r) => r.request !== undefined).map((r) => r.type)), validated });
        assert.deepEqual(problems, [], `${label}: requests Azure's spec rejects:\n${problems.join("\n")}`);
        const strays = Object.keys(unchecked).filter((type) => !UNCHECKED_TYPES.includes(type));
        assert.deepEqual(strays, [], `${label}: rendered types with no spec binding; bind them in tools/swagger/planRequests.ts or list them as unchecked`);
        for (const { resourceType } of SPEC_BINDINGS.filter((binding) => binding.requiredInEveryPlan)) {
            assert.ok(validated[resourceType] >= 1, `${label}: the plan rendered no ${resourceType} request, so nothing of that kind was checked`);
        }
    });
}

// None left unchecked: every request any stack or example renders is validated
// against a spec, the Batch account's included. Runs after the plans above.
void test("every stack and example: each rendered request type has a spec binding and was validated (none left unchecked)", () => {
    assert.deepEqual([...coverage.keys()].sort(), plans.map((p) => p.label).sort(), "a plan above failed before its requests were checked");
    assert.deepEqual(UNCHECKED_TYPES, [], "no type may stay unchecked; bind it in tools/swagger/planRequests.ts");
    const bound = new Set(SPEC_BINDINGS.map((binding) => binding.resourceType));
    for (const [label, { rendered, validated }] of coverage) {
        const unbound = [...rendered].filter((type) => !bound.has(type) && !UNCHECKED_TYPES.includes(type));
        assert.deepEqual(unbound, [], `${label}: rendered requests with no spec binding in tools/swagger/planRequests.ts`);
        const notValidated = [...rendered].filter((type) => bound.has(type) && !(validated[type] >= 1));
        assert.deepEqual(notValidated, [], `${label}: bound types rendered but not validated`);
    }
    // Every binding is exercised by at least one stack or example, so none is dead.
    const exercised = new Set([...coverage.values()].flatMap(({ validated }) => Object.keys(validated).filter((type) => validated[type] >= 1)));
    assert.deepEqual(SPEC_BINDINGS.map((b) => b.resourceType).filter((type) => !exercised.has(type)), [],
        "bindings no stack or example exercises: turn the feature on in a stack or example");
});

// The reference data is part of the repository: every fixture file names its
// source, and a missing one says which file and where it came from.
/** The local files a SOURCES.md lists: the first backticked name of each numbered line or table row. */
const listed = (sources: string): Set<string> =>
    new Set([...readFileSync(sources, "utf8").matchAll(/^(?:\d+\. |\| )`([^`\s]+\.json)`/gm)].map((match) => match[1]));
const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".json")).map((file) => file.split(path.sep).join("/")).sort();

for (const folder of ["specs", "how-to"]) {
    void test(`test/fixtures/${folder}: every file is listed with its source in SOURCES.md, and every listed file is there`, () => {
        const dir = fixturePath(folder);
        const sources = listed(fixturePath(folder, "SOURCES.md"));
        const files = filesUnder(dir);
        assert.ok(files.length > 0, `no fixtures under ${dir}`);
        assert.deepEqual(files.filter((file) => !sources.has(file)), [], `files in test/fixtures/${folder} that SOURCES.md does not list`);
        assert.deepEqual([...sources].filter((file) => !files.includes(file)), [], `files SOURCES.md lists that are not in test/fixtures/${folder}`);
    });
}

void test("a missing fixture fails with a message naming the file and its SOURCES.md", () => {
    assert.throws(() => fixturePath("specs", "keyvault", "nope.json"), {
        message: /^test fixture test\/fixtures\/specs\/keyvault\/nope\.json is missing: .*test\/fixtures\/specs\/SOURCES\.md names its upstream source/,
    });
    assert.throws(() => fixturePath("..", "package.json"), /outside test\/fixtures/);
});

void test("npm run check-specs: exit 0 for a valid plan, 1 naming the resource for a broken one, 2 for usage or specs it can't load", async () => {
    const plan = await planStack({ stack: "dev", projectDir: REPO_ROOT });
    await pulumi.runtime.disconnect();
    const dir = mkdtempSync(path.join(tmpdir(), "check-specs-"));
    try {
        const good = path.join(dir, "good.json");
        writeFileSync(good, JSON.stringify(plan));
        const broken = structuredClone(plan);
        const poolRequest = broken.resources.find((resource) => resource.type === "azure-native:batch:Pool")?.request;
        assert.ok(poolRequest, "the dev plan renders a pool request");
        (poolRequest.body.properties as Record<string, unknown>).vmSzie = "Standard_D2s_v5";
        const bad = path.join(dir, "bad.json");
        writeFileSync(bad, JSON.stringify(broken));
        const run = (...args: string[]) =>
            spawnSync(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "tools", "swagger", "check-plan.ts"), ...args], { cwd: REPO_ROOT, encoding: "utf8" });
        const ok = run(good);
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, /requests valid against the specs \(Pool 1, BatchPoolSettings 1, Vault 1, KeyVaultCertificate 1/);
        // The dev stack creates its Batch account: that request is checked too, and nothing is left unchecked.
        assert.match(ok.stdout, /ResourceGroup 1, BatchAccount 1,/);
        assert.doesNotMatch(ok.stdout, /not checked/);
        const failed = run(bad);
        assert.equal(failed.status, 1, failed.stdout);
        assert.match(failed.stderr, /\(azure-native:batch:Pool\) \$\.properties\.vmSzie: Additional properties not allowed: vmSzie/);
        assert.equal(run().status, 2);
        const notAPlan = path.join(dir, "package.json");
        writeFileSync(notAPlan, JSON.stringify({ name: "x" }));
        const refused = run(notAPlan);
        assert.equal(refused.status, 2);
        assert.match(refused.stderr, /package\.json: `resources` is missing or not a list; expected the JSON written by `npm run plan -- --json FILE`/);
        const noSpecs = run(good, "--specs", path.join(dir, "nope"));
        assert.equal(noSpecs.status, 2);
        assert.match(noSpecs.stderr, /Azure REST specs folder .*nope does not exist/);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
