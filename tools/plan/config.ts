// Loads a stack's configuration the way the Pulumi CLI hands it to a program:
// namespaced keys, structured values as JSON text, project defaults from
// Pulumi.yaml applied. Secrets can't be decrypted offline, so each is replaced
// by a visible placeholder and never printed.

import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parse } from "yaml";
import { isPlainObject } from "../../components/json";

export const SECRET_PLACEHOLDER = "[secret: not decrypted by the offline plan]";

export interface LoadedConfig {
    project: string;
    stack: string;
    file: string;
    /** Namespaced key -> value as the CLI passes it (strings; structured values as JSON). */
    config: Record<string, string>;
    secretKeys: string[];
}

export class PlanInputError extends Error {}

type Yaml = unknown;

/** Replaces every `secure:` value with the placeholder; reports whether any was found. */
function maskSecure(value: Yaml): { value: Yaml; secret: boolean } {
    if (isPlainObject(value)) {
        if (Object.keys(value).length === 1 && typeof value.secure === "string") return { value: SECRET_PLACEHOLDER, secret: true };
        let secret = false;
        const out: Record<string, Yaml> = {};
        for (const [k, v] of Object.entries(value)) {
            const masked = maskSecure(v);
            out[k] = masked.value;
            secret ||= masked.secret;
        }
        return { value: out, secret };
    }
    if (Array.isArray(value)) {
        const items = value.map(maskSecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    return { value, secret: false };
}

function namespaced(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function asConfigString(value: Yaml): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): Yaml {
    try {
        return parse(readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanInputError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
}

/** Reads Pulumi.yaml's name and its config defaults. */
function readProject(projectDir: string): { name: string; defaults: Record<string, Yaml> } {
    const file = join(projectDir, "Pulumi.yaml");
    if (!existsSync(file)) throw new PlanInputError(`${file} not found: run the plan from the project directory`);
    const doc = readYaml(file);
    if (!isPlainObject(doc) || typeof doc.name !== "string") throw new PlanInputError(`${file}: has no project name`);
    const defaults: Record<string, Yaml> = {};
    if (isPlainObject(doc.config)) {
        for (const [key, decl] of Object.entries(doc.config)) {
            if (isPlainObject(decl) && "default" in decl) defaults[namespaced(doc.name, key)] = decl.default;
            else if (!isPlainObject(decl)) defaults[namespaced(doc.name, key)] = decl;
        }
    }
    return { name: doc.name, defaults };
}

export function stackFromFile(file: string): string {
    const name = basename(file).replace(/\.ya?ml$/, "");
    const m = /^Pulumi\.(.+)$/.exec(name);
    return m ? m[1] : name;
}

export function loadStackConfig(options: { stack?: string; configFile?: string; projectDir?: string }): LoadedConfig {
    const projectDir = resolve(options.projectDir ?? process.cwd());
    const project = readProject(projectDir);
    if (options.stack && options.configFile) throw new PlanInputError("give --stack or --config, not both");
    const file = options.configFile ? resolve(options.configFile) : join(projectDir, `Pulumi.${options.stack ?? "dev"}.yaml`);
    if (!existsSync(file)) {
        throw new PlanInputError(options.configFile
            ? `config file ${options.configFile} not found`
            : `stack ${options.stack ?? "dev"} has no configuration file ${basename(file)} in ${projectDir}`);
    }
    const doc = readYaml(file);
    const entries = isPlainObject(doc) && isPlainObject(doc.config) ? doc.config : {};
    return configFromValues(project.name, options.stack ?? stackFromFile(file), file, entries, project.defaults);
}

/** Builds what the CLI would pass from a stack file's `config:` map (also used by tests). */
export function configFromValues(
    project: string, stack: string, file: string, entries: Record<string, unknown>, defaults: Record<string, unknown> = {},
): LoadedConfig {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(defaults)) config[key] = asConfigString(value);
    for (const [key, raw] of Object.entries(entries)) {
        const { value, secret } = maskSecure(raw);
        const full = namespaced(project, key);
        config[full] = asConfigString(value);
        if (secret) secretKeys.push(full);
    }
    return { project, stack, file, config, secretKeys };
}
