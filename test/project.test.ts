// Pulumi.yaml is read by the Pulumi CLI before the program runs: its config
// declarations must follow the CLI's project schema and cover every key the
// program reads, or `pulumi up` fails before validation can say anything.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { AnyField, Shape } from "../components/config/kit";
import { configSchema } from "../components/config/schema";
import { CONFIG_KEYS, validateConfig } from "../components/validation";
import { isGiven } from "../stack/config";
import { AZURE_TYPES } from "../components/azureFacts";
import { LIFECYCLE } from "../components/lifecycle";
import { API_VERSIONS } from "../tools/plan/render";
import {
    LIFECYCLE_DOC,
    LIFECYCLE_END,
    LIFECYCLE_START,
    README_END,
    README_START,
    REFERENCE_DOC,
    renderConfigurationReference,
    renderLifecycleTable,
    renderPulumiConfig,
    renderReadmeReference,
    spliceConfigSection,
    spliceReadme,
} from "../tools/gen-config";

const ROOT = resolve(__dirname, "..");
const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string; options: Record<string, unknown> };
    config: Record<string, Record<string, unknown>>;
};
/** The attributes the CLI's project schema allows in a config declaration. */
const DECLARATION_FIELDS = ["type", "items", "description", "secret", "default", "value"];

describe("Pulumi.yaml", () => {
    it("names the project batch-cert-rotation and runs TypeScript on Node", () => {
        assert.equal(project.name, "batch-cert-rotation");
        assert.equal(project.runtime.name, "nodejs");
        assert.equal(project.runtime.options.typescript, true);
    });

    it("declares exactly the keys the program reads, each with a description", () => {
        assert.deepEqual(Object.keys(project.config).sort(), CONFIG_KEYS.map((k) => `batch-cert-rotation:${k}`).sort());
        for (const [key, declaration] of Object.entries(project.config)) {
            assert.equal(typeof declaration.description, "string", `${key} has a description`);
            for (const field of Object.keys(declaration)) assert.ok(DECLARATION_FIELDS.includes(field), `${key}.${field} is allowed by the CLI`);
            // Only scalar and array types exist in the project schema; structured keys stay untyped.
            assert.equal(declaration.type, undefined, `${key} declares no type`);
        }
    });

    it("gives a default to every optional key and none to the required ones", () => {
        const required = Object.entries(project.config).filter(([, d]) => !("default" in d)).map(([k]) => k).sort();
        // The CLI demands every declared key without a default (found through the real engine): only the
        // required ones may lack it. pool and pools default to {}, which the stack reads as not given.
        const definedRequired = Object.entries(configSchema.shape ?? {}).filter(([, f]) => f.presence === "required")
            .map(([k]) => `batch-cert-rotation:${k}`).sort();
        assert.deepEqual(required, definedRequired);
        assert.ok(required.includes("batch-cert-rotation:certificates"));
        // One of the two forms is needed, which the CLI can't express: validation says so instead.
        for (const key of ["batch-cert-rotation:pool", "batch-cert-rotation:pools"]) {
            assert.match(String(project.config[key].description), /^Optional\. /, `${key} is optional to the CLI`);
        }
    });

    it("has defaults that validate as the absent key would", () => {
        const defaults = Object.fromEntries(Object.entries(project.config)
            .filter(([, d]) => "default" in d)
            .filter(([, d]) => isGiven(d.default))
            .map(([k, d]) => [k.split(":")[1], d.default]));
        const minimal = {
            certificates: [{ name: "c", subject: "CN=c" }],
            pool: { vmSize: "Standard_D2s_v5", image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" },
        };
        assert.deepEqual(validateConfig({ ...minimal, ...defaults }), validateConfig(minimal));
    });
});

/** Every field's dotted path in the definition, list items included. */
function fieldPaths(shape: Shape, prefix = ""): string[] {
    return Object.entries(shape).flatMap(([key, f]: [string, AnyField]) => {
        const children = f.shape ?? f.item?.shape;
        return [`${prefix}${key}`, ...(children ? fieldPaths(children, `${prefix}${key}.`) : [])];
    });
}

describe("generated from the configuration's definition (npm run gen:config)", () => {
    it("Pulumi.yaml's config section is the generated one", () => {
        const text = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8");
        assert.equal(spliceConfigSection(text, renderPulumiConfig()), text,
            "Pulumi.yaml's config: section differs from components/config/schema.ts; run npm run gen:config");
    });

    it("leaves the rest of Pulumi.yaml alone", () => {
        const text = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8");
        const regenerated = parse(spliceConfigSection(text, "config: {}\n")) as Record<string, unknown>;
        assert.equal(regenerated.main, "index.ts");
        assert.deepEqual(regenerated.runtime, project.runtime);
    });

    it("the README's configuration reference is the generated one", () => {
        const text = readFileSync(join(ROOT, "README.md"), "utf8");
        assert.ok(text.includes(README_START) && text.includes(README_END), "README.md has the config-reference markers");
        assert.equal(spliceReadme(text, renderReadmeReference()), text,
            "README.md's configuration reference differs from components/config/schema.ts; run npm run gen:config");
    });

    it("docs/configuration.md's configuration reference is the generated one", () => {
        const text = readFileSync(join(ROOT, REFERENCE_DOC), "utf8");
        assert.ok(text.includes(README_START) && text.includes(README_END), `${REFERENCE_DOC} has the config-reference markers`);
        assert.equal(spliceReadme(text, renderConfigurationReference(), REFERENCE_DOC), text,
            `${REFERENCE_DOC}'s configuration reference differs from components/config/schema.ts; run npm run gen:config`);
    });

    it("the README lists every key once, as Required or Optional, and links the full reference", () => {
        const reference = renderReadmeReference();
        for (const key of Object.keys(configSchema.shape ?? {})) {
            const rows = reference.split("\n").filter((line) => line.startsWith(`| \`${key}\` | `));
            assert.equal(rows.length, 1, `${key} has one row`);
            assert.match(rows[0], /^\| `[^`]+` \| (Required|Optional)[ ,|]/, `${key} says Required or Optional`);
        }
        assert.ok(reference.includes(`](${REFERENCE_DOC})`), `the README's reference links ${REFERENCE_DOC}`);
    });

    it("describes every field once, as Required or Optional", () => {
        const reference = renderConfigurationReference();
        for (const [key, f] of Object.entries(configSchema.shape ?? {})) {
            assert.match(reference, new RegExp(`^### \`${key}\` \\((Required|Optional)`, "m"), `${key} has a heading`);
            for (const path of fieldPaths(f.shape ?? f.item?.shape ?? {})) {
                const rows = reference.split("\n").filter((line) => line.startsWith(`| \`${path}\` | `));
                assert.ok(rows.length >= 1, `${key}: ${path} has a row`);
                assert.match(rows[0], /^\| `[^`]+` \| (Required|Optional) \|/, `${key}: ${path} says Required or Optional`);
            }
        }
        for (const declaration of Object.values(project.config)) {
            assert.match(String(declaration.description), /^(Required|Optional)\. /);
        }
    });
});

describe("docs/lifecycle.md, generated from components/lifecycle.ts", () => {
    const text = () => readFileSync(join(ROOT, LIFECYCLE_DOC), "utf8");

    it("holds the generated table", () => {
        assert.ok(text().includes(LIFECYCLE_START) && text().includes(LIFECYCLE_END), `${LIFECYCLE_DOC} has the lifecycle-table markers`);
        assert.equal(spliceReadme(text(), renderLifecycleTable(), LIFECYCLE_DOC, [LIFECYCLE_START, LIFECYCLE_END]), text(),
            `${LIFECYCLE_DOC}'s table differs from components/lifecycle.ts; run npm run gen:config`);
    });

    it("gives every row its date (or says there is none), what happens after it and its source", () => {
        const rows = renderLifecycleTable().split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| matches"));
        assert.equal(rows.length, LIFECYCLE.length);
        LIFECYCLE.forEach((fact, i) => {
            assert.ok(rows[i].includes(fact.date ?? "announced, no date"), fact.what);
            assert.ok(rows[i].includes(`](${fact.source})`), `${fact.what} links its source`);
            assert.match(rows[i], fact.informational ? /informational/ : fact.after === "refused" ? /refuses the request/ : /stops supporting it/, fact.what);
        });
    });

    it("states the Batch API version the plan renders for pools and accounts", () => {
        const version = API_VERSIONS[AZURE_TYPES.pool];
        assert.equal(API_VERSIONS[AZURE_TYPES.batchAccount], version);
        assert.ok(text().includes(`\`api-version=${version}\``), `${LIFECYCLE_DOC} names api-version=${version}`);
        assert.ok(LIFECYCLE.some((f) => f.subject === "batchApiVersion" && f.test(version)), "the retirement row covers the version the plan sends");
    });
});
