// Runs the stack program in-process under Pulumi's mocks and records every
// registration: what it is, where it sits, what it waits for, its options,
// its inputs and the REST call it maps to. No credentials, no network.

import * as pulumi from "@pulumi/pulumi";
import { isPlainObject } from "../../components/json";
import { loadStackConfig, type LoadedConfig, SECRET_PLACEHOLDER } from "./config";
import { AzureMocks, FAKE_SUBSCRIPTION_ID } from "./mocks";
import { renderRequest } from "./render";
import type { PlanDocument, PlannedResource } from "../../policy/planDocument";

/** What the Pulumi SDK puts in place of a secret value when it serializes one. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** The stack program; `today` is the day Azure's lifecycle dates are compared against (index.ts: the real day when absent). */
export type StackProgram = (today?: Date) => Promise<Record<string, unknown>>;

export interface PlanOptions {
    stack?: string;
    configFile?: string;
    projectDir?: string;
    /** The program to run; the project's own index.ts by default. */
    program?: StackProgram;
    /** The day the plan checks Azure's lifecycle against; the real one by default. */
    today?: Date;
}

interface Captured {
    resource: pulumi.Resource;
    type: string;
    name: string;
    props: pulumi.Inputs;
    opts: pulumi.ResourceOptions;
}

function loadProgram(): StackProgram {
    // Required lazily: the program module registers nothing until called.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("../../index") as StackProgram;
}

/** Resolves an Output's value (the mocks make every value known). */
function settle<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => {
        resolve(v);
        return v;
    }));
}

function hasResources(value: unknown): value is { resources(): Set<pulumi.Resource> } {
    return typeof (value as { resources?: unknown } | null)?.resources === "function";
}

/** Resources whose outputs flow into these inputs: the dependencies Pulumi infers. */
function implicitDependencies(value: unknown, found = new Set<pulumi.Resource>(), seen = new Set<unknown>()): Set<pulumi.Resource> {
    if (value === null || typeof value !== "object" || seen.has(value)) return found;
    seen.add(value);
    if (pulumi.Output.isInstance(value)) {
        if (hasResources(value)) for (const r of value.resources()) found.add(r);
        return found;
    }
    if (pulumi.Resource.isInstance(value)) return found;
    for (const v of Object.values(value as Record<string, unknown>)) implicitDependencies(v, found, seen);
    return found;
}

async function explicitDependencies(opts: pulumi.ResourceOptions): Promise<pulumi.Resource[]> {
    if (!opts.dependsOn) return [];
    const resolved = await settle(pulumi.output(opts.dependsOn as pulumi.Input<pulumi.Input<pulumi.Resource>[]>));
    return (Array.isArray(resolved) ? resolved : [resolved]) as pulumi.Resource[];
}

/**
 * The URN the engine gives. Pulumi's mocks qualify a top-level resource's type
 * with its parent, the root stack (`pulumi:pulumi:Stack$...`); the engine leaves
 * the root stack out, and the plan must show the URNs `pulumi state` and
 * `--target` will see (found by running the program through the real engine).
 */
export function engineUrn(urn: string): string {
    return urn.replace("::pulumi:pulumi:Stack$", "::");
}

/** The fields Azure's specs mark x-ms-secret among the values the program sends (a pool's user accounts). */
const SECRET_FIELDS = new Set(["password", "sshPrivateKey"]);

/**
 * A secret value as the plan shows it. Pulumi marks a whole input secret when
 * any part of it is (a pool's userAccounts, for their passwords): a list of
 * objects keeps its shape, so reviewers and the spec check still see it, with
 * the secret fields masked; anything else is masked whole.
 */
function maskedStructure(value: unknown): unknown {
    if (!Array.isArray(value) || !value.every(isPlainObject) || !value.some((item) => Object.keys(item).some((k) => SECRET_FIELDS.has(k)))) {
        return SECRET_PLACEHOLDER;
    }
    return value.map((item) => Object.fromEntries(Object.entries(item)
        .map(([k, v]) => [k, SECRET_FIELDS.has(k) ? SECRET_PLACEHOLDER : presentable(v)])));
}

/** Masks secrets and drops the dynamic provider's serialized code, which is not an input a reviewer reads. */
export function presentable(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(presentable);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (SECRET_SIG_KEY in record) return maskedStructure(record.value);
        return Object.fromEntries(Object.entries(record)
            .filter(([k, v]) => k !== "__provider" && v !== undefined)
            .map(([k, v]) => [k, presentable(v)]));
    }
    return value;
}

/** Captures console.warn lines the SDK prints for pulumi.log.warn when no engine is attached. */
async function collectWarnings<T>(run: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
        const line = args.map(String).join(" ");
        warnings.push(line.replace(/^warning: (\[runtime\] )?/, ""));
    };
    try {
        return { result: await run(), warnings };
    } finally {
        console.warn = original;
    }
}

export async function planLoaded(loaded: LoadedConfig, program: StackProgram = loadProgram(), today?: Date): Promise<PlanDocument> {
    pulumi.runtime.setAllConfig(loaded.config, loaded.secretKeys);
    const mocks = new AzureMocks();
    await pulumi.runtime.setMocks(mocks, loaded.project, loaded.stack, false);
    const captured: Captured[] = [];

    let programError: unknown;
    const { result: outputs, warnings } = await collectWarnings(async () => {
        const out = await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                captured.push({ resource: args.resource, type: args.type, name: args.name, props: args.props, opts: args.opts });
                return undefined;
            });
            // Held and rethrown below: a rejection inside the stack's init would also
            // surface from the SDK's internals as an unhandled rejection.
            try {
                return await program(today);
            } catch (err) {
                programError = err;
                return {};
            }
        });
        // Every registration has finished once each resource's URN is known; the
        // stack's own outputs are still being recorded until the RPC queue drains.
        await Promise.all(captured.map((c) => settle(c.resource.urn)));
        await pulumi.runtime.disconnect();
        return out ?? {};
    });

    if (programError !== undefined) throw programError;

    const urnOf = new Map<pulumi.Resource, string>();
    for (const c of captured) urnOf.set(c.resource, engineUrn(await settle(c.resource.urn)));
    const inputsOf = new Map(mocks.registrations.map((r) => [`${r.type}::${r.name}`, r.inputs]));

    const resources: PlannedResource[] = [];
    for (const c of captured) {
        const parent = c.opts.parent ? urnOf.get(c.opts.parent) : undefined;
        const deps = new Set<string>();
        for (const r of [...await explicitDependencies(c.opts), ...implicitDependencies(c.props)]) {
            const urn = urnOf.get(r);
            if (urn && r !== c.opts.parent) deps.add(urn);
        }
        const inputs = presentable(inputsOf.get(`${c.type}::${c.name}`) ?? {}) as Record<string, unknown>;
        const request = renderRequest(c.type, inputs, FAKE_SUBSCRIPTION_ID);
        const custom = c.opts as pulumi.CustomResourceOptions;
        resources.push({
            urn: urnOf.get(c.resource) ?? "",
            type: c.type,
            name: c.name,
            ...(parent ? { parent } : {}),
            dependsOn: [...deps].sort(),
            options: {
                deleteBeforeReplace: custom.deleteBeforeReplace ?? false,
                replaceOnChanges: c.opts.replaceOnChanges ?? [],
                protect: c.opts.protect ?? false,
            },
            inputs,
            ...(request ? { request } : {}),
        });
    }
    return { stack: loaded.stack, resources, outputs: presentable(outputs) as Record<string, unknown>, warnings };
}

export async function planStack(options: PlanOptions): Promise<PlanDocument> {
    return planLoaded(loadStackConfig(options), options.program, options.today);
}
