// Pulumi.yaml is read by the Pulumi CLI before the program runs: its config
// declarations must follow the CLI's project schema and cover every key the
// program reads, or `pulumi up` fails before validation can say anything.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { CONFIG_KEYS, validateConfig } from "../components/validation";

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
        assert.deepEqual(required, ["batch-cert-rotation:certificates", "batch-cert-rotation:pool"]);
    });

    it("has defaults that validate as the absent key would", () => {
        const defaults = Object.fromEntries(Object.entries(project.config)
            .filter(([, d]) => "default" in d)
            .map(([k, d]) => [k.split(":")[1], d.default]));
        const minimal = {
            certificates: [{ name: "c", subject: "CN=c" }],
            pool: { vmSize: "Standard_D2s_v5", image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" },
        };
        assert.deepEqual(validateConfig({ ...minimal, ...defaults }), validateConfig(minimal));
    });
});
