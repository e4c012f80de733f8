// The building blocks of the configuration's one definition (schema.ts). A
// field carries everything said about it: its shape (so the TypeScript input
// and resolved types are inferred from it), its default, its rules with their
// messages, and its description (so Pulumi.yaml and the README are generated
// from it). Written here rather than taken from a schema library because the
// rules need three things such libraries make awkward: every relation runs even
// when a neighbouring field is already wrong (so all problems come at once),
// rules and defaults that depend on another part of the configuration (the OS
// follows from pool.nodeAgentSkuId), and warnings that are not errors.

/** Renders a user's value for a message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
    if (value === undefined) return "undefined";
    if (typeof value === "string") return JSON.stringify(value);
    return JSON.stringify(value) ?? String(value);
}

/** A default as text: strings bare, everything else in YAML's flow style as a user would write it. */
export function defaultText(value: unknown): string {
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return value.length === 0 ? "[]" : `[${value.map(defaultText).join(", ")}]`;
    if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value);
        return entries.length === 0 ? "{}" : `{ ${entries.map(([k, v]) => `${k}: ${defaultText(v)}`).join(", ")} }`;
    }
    return String(value);
}

import { isPlainObject } from "../json";

export { isPlainObject };

/** Where problems and warnings accumulate: every rule reports, none throws. */
export interface Report {
    problems: string[];
    warnings: string[];
}

/**
 * A position in the configuration: its path for messages, and the values
 * already resolved in the enclosing objects, innermost last, so a rule can
 * look at a neighbour (keySize at keyType, the extension at the pool's OS).
 */
export class At {
    constructor(
        readonly path: string,
        private readonly report: Report,
        private readonly scopes: readonly Record<string, unknown>[] = [],
    ) {}

    key(name: string): At {
        return new At(this.path ? `${this.path}.${name}` : name, this.report, this.scopes);
    }

    index(i: number): At {
        return new At(`${this.path}[${i}]`, this.report, this.scopes);
    }

    /** The same path with one more resolved object in scope. */
    within(scope: Record<string, unknown>): At {
        return new At(this.path, this.report, [...this.scopes, scope]);
    }

    /** The same path, reporting nowhere: for re-resolving a default as a fallback. */
    muted(): At {
        return new At(this.path, { problems: [], warnings: [] }, this.scopes);
    }

    /** The nearest already-resolved value of that name, from the innermost enclosing object outwards. */
    lookup(name: string): unknown {
        for (let i = this.scopes.length - 1; i >= 0; i--) {
            if (this.scopes[i][name] !== undefined) return this.scopes[i][name];
        }
        return undefined;
    }

    fail(value: unknown, rule: string): undefined {
        this.report.problems.push(`${this.path}: ${show(value)} ${rule}`);
        return undefined;
    }

    missing(what: string): undefined {
        this.report.problems.push(`${this.path}: is required (${what})`);
        return undefined;
    }

    /** A problem whose message doesn't repeat a value (unknown keys: the value may be large or secret). */
    problem(text: string): undefined {
        this.report.problems.push(`${this.path}: ${text}`);
        return undefined;
    }

    warn(value: unknown, why: string): void {
        this.report.warnings.push(`${this.path}: ${show(value)} ${why}`);
    }
}

/** What the generated reference says about a field. */
export interface FieldDocs {
    /** What the field is for, in a sentence or two; markdown links allowed (stripped for Pulumi.yaml). */
    description: string;
    /** The values allowed, for readers (the messages say the same to someone who broke it). */
    rule?: string;
    /** The default as a reader should see it, when it isn't simply the default value. */
    shownDefault?: string;
}

/**
 * What a field holds, as a language-neutral type: the Pulumi package schema
 * (tools/gen-schema.ts) is written from it, so every combinator says what it
 * builds. Objects take their fields from `shape`, lists and maps their items
 * from `item`; `partial` is an object holding any of another shape's fields.
 */
export type Kind =
    | { readonly type: "string" | "boolean" | "integer" }
    | { readonly type: "enum"; readonly values: readonly (string | number)[] }
    | { readonly type: "object" | "list" | "map" | "stringMap" }
    | { readonly type: "partial"; readonly of: () => Shape };

/** required: absence is a problem; defaulted: absence resolves to the default; optional: absence stays undefined. */
export type Presence = "required" | "defaulted" | "optional";

export interface Field<In, Out, P extends Presence = Presence> {
    readonly presence: P;
    readonly docs: FieldDocs;
    /** The raw default (what a user could have written), for the docs and Pulumi.yaml. */
    readonly default?: unknown;
    /** Object fields, for the docs. */
    readonly shape?: Shape;
    /** List and map items, for the docs. */
    readonly item?: AnyField;
    /** The value's type, for the package schema. */
    readonly kind?: Kind;
    /** Resolves a value (undefined when absent), reporting every problem; undefined when it can't be resolved. */
    resolve(value: unknown, at: At): Out | undefined;
    /** Type-level only: what a user may write. */
    readonly __input?: In;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the widest field, for constraints; never a value's type
export type AnyField = Field<any, unknown, Presence>;
export type Shape = Readonly<Record<string, AnyField>>;

export type InputOf<F> = F extends Field<infer In, unknown, Presence> ? In : never;
export type OutputOf<F> = F extends Field<unknown, infer Out, Presence> ? Out : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** What a user writes for an object: required fields must be given, the rest may be. */
export type ObjectInput<S extends Shape> = Simplify<
    { -readonly [K in keyof S as S[K]["presence"] extends "required" ? K : never]: InputOf<S[K]> } &
    { -readonly [K in keyof S as S[K]["presence"] extends "required" ? never : K]?: InputOf<S[K]> }>;

/** An object after resolution: every field decided, except optional ones without a default. */
export type ObjectOutput<S extends Shape> = Simplify<
    { -readonly [K in keyof S as S[K]["presence"] extends "optional" ? never : K]: OutputOf<S[K]> } &
    { -readonly [K in keyof S as S[K]["presence"] extends "optional" ? K : never]?: OutputOf<S[K]> }>;

/** Options every field takes. `required` is the "(what)" of "is required (what)". */
interface Common<T> {
    docs: FieldDocs;
    required?: string;
    default?: T;
}

type PresenceOf<O> = O extends { required: string } ? "required" : O extends { default: unknown } ? "defaulted" : "optional";

/**
 * The general field: `check` sees only present values. A value that breaks a
 * rule falls back to the default, silently, so later relations still have
 * something sensible to compare against; the problem is already reported.
 */
export function field<In, Out, P extends Presence>(spec: {
    presence: P;
    docs: FieldDocs;
    required?: string;
    default?: unknown;
    shape?: Shape;
    item?: AnyField;
    kind: Kind;
    check: (value: unknown, at: At) => Out | undefined;
}): Field<In, Out, P> {
    const { check } = spec;
    return {
        presence: spec.presence,
        docs: spec.docs,
        default: spec.default,
        shape: spec.shape,
        item: spec.item,
        kind: spec.kind,
        resolve(value, at) {
            if (value === undefined) {
                if (spec.required !== undefined) return at.missing(spec.required);
                return spec.default === undefined ? undefined : check(spec.default, at);
            }
            const out = check(value, at);
            if (out === undefined && spec.default !== undefined) return check(spec.default, at.muted());
            return out;
        },
    };
}

function presenceOf(o: { required?: string; default?: unknown }): Presence {
    return o.required !== undefined ? "required" : o.default !== undefined ? "defaulted" : "optional";
}

/** A further rule on a value that passed the basic ones: return the rule broken, or undefined. */
type Extra<T> = (value: T, at: At) => string | undefined;
/** Notes on a valid value (things Azure may refuse): never fail. */
type Warn<T> = (value: T, at: At) => void;

function extras<T>(value: T, at: At, rules: readonly Extra<T>[] | undefined): T | undefined {
    for (const rule of rules ?? []) {
        const broken = rule(value, at);
        if (broken !== undefined) return at.fail(value, broken);
    }
    return value;
}

export function str<const O extends Common<string> & {
    /** Checked after "non-empty string"; the rule is the message. */
    pattern?: [RegExp, string];
    rules?: readonly Extra<string>[];
    warn?: Warn<string>;
}>(o: O): Field<string, string, PresenceOf<O>> {
    return field({
        ...o,
        docs: { rule: o.pattern?.[1].replace(/^must be /, ""), ...o.docs },
        kind: { type: "string" },
        presence: presenceOf(o) as PresenceOf<O>,
        check: (value, at) => {
            if (typeof value !== "string" || value.trim() === "") return at.fail(value, "must be a non-empty string");
            if (o.pattern && !o.pattern[0].test(value)) return at.fail(value, o.pattern[1]);
            const ok = extras(value, at, o.rules);
            if (ok !== undefined) o.warn?.(ok, at);
            return ok;
        },
    });
}

export function bool<const O extends Common<boolean>>(o: O): Field<boolean, boolean, PresenceOf<O>> {
    return field({
        ...o,
        docs: { rule: "`true` or `false`", ...o.docs },
        kind: { type: "boolean" },
        presence: presenceOf(o) as PresenceOf<O>,
        check: (value, at) => typeof value === "boolean" ? value
            : at.fail(value, "must be true or false (a YAML boolean, not a string)"),
    });
}

export function int<const O extends Common<number> & {
    /** Inclusive bounds; a function when they follow from another field, with a note saying which. */
    range: readonly [number, number] | ((at: At) => { min: number; max: number; note: string });
    /** The how-to writes some numbers as strings ("300"); accept digits-only strings as well. */
    digitStrings?: boolean;
    warn?: Warn<number>;
}>(o: O): Field<number, number, PresenceOf<O>> {
    const range = o.range;
    return field({
        ...o,
        docs: { rule: typeof range === "function" ? undefined : `${range[0]}-${range[1]}`, ...o.docs },
        kind: { type: "integer" },
        presence: presenceOf(o) as PresenceOf<O>,
        check: (raw, at) => {
            const value = o.digitStrings && typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
            if (typeof value !== "number" || !Number.isInteger(value)) return at.fail(raw, "must be a whole number");
            const { min, max, note } = typeof range === "function" ? range(at) : { min: range[0], max: range[1], note: "" };
            if (value < min || value > max) return at.fail(raw, `is outside ${min}..${max}${note}`);
            o.warn?.(value, at);
            return value;
        },
    });
}

export function oneOf<const V extends string | number, const O extends Common<V> & { rules?: readonly Extra<V>[] }>(
    values: readonly V[], o: O): Field<V, V, PresenceOf<O>> {
    return field({
        ...o,
        docs: { rule: values.map((v) => `\`${v}\``).join(", "), ...o.docs },
        kind: { type: "enum", values },
        presence: presenceOf(o) as PresenceOf<O>,
        check: (value, at) => (values as readonly unknown[]).includes(value) ? extras(value as V, at, o.rules)
            : at.fail(value, `is not one of ${values.join(", ")}`),
    });
}

/** Damerau-Levenshtein distance (optimal string alignment), case-insensitive: how far a typo is from a key. */
function distance(a: string, b: string): number {
    const s = a.toLowerCase();
    const t = b.toLowerCase();
    const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
    for (let j = 0; j <= t.length; j++) d[0][j] = j;
    for (let i = 1; i <= s.length; i++) {
        for (let j = 1; j <= t.length; j++) {
            const cost = s[i - 1] === t[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[s.length][t.length];
}

/** The known key a misspelling most likely meant, when one is close enough to be a typo rather than a guess. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const d = distance(key, candidate);
        if (d < bestDistance) [best, bestDistance] = [candidate, d];
    }
    return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** A relation between fields of one object, checked after all of them resolved (failed ones are undefined or their default). */
export type Relation<T> = (value: { [K in keyof T]?: T[K] }, at: At, raw: Record<string, unknown>) => void;

interface ObjectOptions<S extends Shape> extends Common<ObjectInput<S>> {
    /** `{}` counts as absent: the project default in Pulumi.yaml for keys that adopt something. */
    emptyIsAbsent?: boolean;
    relations?: readonly Relation<ObjectOutput<S>>[];
}

export function object<const S extends Shape, const O extends ObjectOptions<S>>(shape: S, o: O):
    Field<ObjectInput<S>, ObjectOutput<S>, PresenceOf<O>> {
    const known = Object.keys(shape);
    return field({
        ...o,
        // An absent key and `{}` mean the same, so the docs and Pulumi.yaml can show `{}` as its default.
        default: o.emptyIsAbsent ? {} : o.default,
        kind: { type: "object" },
        presence: presenceOf(o) as PresenceOf<O>,
        shape,
        check: (value, at) => {
            if (!isPlainObject(value)) return at.fail(value, "must be an object");
            for (const key of Object.keys(value)) {
                if (known.includes(key)) continue;
                const near = nearestKey(key, known);
                at.key(key).problem(near === undefined
                    ? `unknown key; expected one of ${known.join(", ")}`
                    : `unknown key; did you mean ${JSON.stringify(near)}?`);
            }
            if (o.emptyIsAbsent && Object.keys(value).length === 0) return undefined;
            // Every key is present in the result, undefined or not, in the definition's order:
            // the resolved specs are compared and serialised, so their shape must not vary.
            const resolved: Record<string, unknown> = {};
            const inner = at.within(resolved);
            let complete = true;
            for (const [key, f] of Object.entries(shape)) {
                resolved[key] = f.resolve(value[key], inner.key(key));
                if (resolved[key] === undefined && f.presence === "required") complete = false;
            }
            for (const relation of o.relations ?? []) relation(resolved as { [K in keyof ObjectOutput<S>]?: ObjectOutput<S>[K] }, inner, value);
            return complete ? resolved as ObjectOutput<S> : undefined;
        },
    });
}

/** A field whose resolved value is made from what another resolved to (the renewal trigger from its two fields). */
export function transform<In, A, B, P extends Presence>(inner: Field<In, A, P>, fn: (value: A, at: At) => B | undefined): Field<In, B, P> {
    return {
        presence: inner.presence,
        docs: inner.docs,
        default: inner.default,
        shape: inner.shape,
        item: inner.item,
        kind: inner.kind,
        resolve(value, at) {
            const resolved = inner.resolve(value, at);
            return resolved === undefined ? undefined : fn(resolved, at);
        },
    };
}

export function list<const F extends AnyField, const O extends Common<never[]> & {
    /** The rule when the value isn't a list. */
    notList: string;
    /** The rule when the list is empty, if it mustn't be. */
    notEmpty?: string;
    relations?: readonly ((items: readonly (OutputOf<F> | undefined)[], at: At) => void)[];
}>(item: F, o: O): Field<InputOf<F>[], OutputOf<F>[], PresenceOf<O>> {
    return field({
        ...o,
        docs: { rule: o.notEmpty === undefined ? undefined : "one or more", ...o.docs },
        kind: { type: "list" },
        presence: presenceOf(o) as PresenceOf<O>,
        item,
        check: (value, at) => {
            if (!Array.isArray(value)) return at.fail(value, o.notList);
            if (o.notEmpty !== undefined && value.length === 0) return at.fail(value, o.notEmpty);
            const items = value.map((v: unknown, i: number) => item.resolve(v, at.index(i)) as OutputOf<F> | undefined);
            for (const relation of o.relations ?? []) relation(items, at);
            return items.filter((i): i is OutputOf<F> => i !== undefined);
        },
    });
}

/**
 * A list relation: items' `name`s are unique, compared case-insensitively (Key
 * Vault objects and node user accounts both ignore case). A repeat names the
 * first item it repeats and `rule`.
 */
export function uniqueNames(rule: string): (items: readonly ({ name: string } | undefined)[], at: At) => void {
    return (items, at) => {
        const seen = new Map<string, number>();
        items.forEach((item, i) => {
            if (!item) return;
            const key = item.name.toLowerCase();
            const first = seen.get(key);
            if (first !== undefined) at.index(i).key("name").fail(item.name, `repeats ${at.path}[${first}].name; ${rule}`);
            else seen.set(key, i);
        });
    };
}

/** A map from the user's own keys to items of one shape (a pool per logical name); items resolve at `<path>.<key>`. */
export function mapOf<const F extends AnyField, const O extends Common<Record<string, never>> & {
    relations?: readonly ((items: Readonly<Record<string, OutputOf<F> | undefined>>, at: At) => void)[];
}>(item: F, o: O): Field<Record<string, InputOf<F>>, Record<string, OutputOf<F>>, PresenceOf<O>> {
    return field({
        ...o,
        docs: { rule: "a map", ...o.docs },
        kind: { type: "map" },
        presence: presenceOf(o) as PresenceOf<O>,
        item,
        check: (value, at) => {
            if (!isPlainObject(value)) return at.fail(value, "must be an object");
            const items: Record<string, OutputOf<F> | undefined> = {};
            for (const [k, v] of Object.entries(value)) items[k] = item.resolve(v, at.key(k)) as OutputOf<F> | undefined;
            for (const relation of o.relations ?? []) relation(items, at);
            const out: Record<string, OutputOf<F>> = {};
            for (const [k, v] of Object.entries(items)) if (v !== undefined) out[k] = v;
            return out;
        },
    });
}

/** A free-form map of strings, such as tags. */
export function stringMap<const O extends Common<Record<string, string>>>(o: O): Field<Record<string, string>, Record<string, string>, PresenceOf<O>> {
    return field({
        ...o,
        docs: { rule: "string map", ...o.docs },
        kind: { type: "stringMap" },
        presence: presenceOf(o) as PresenceOf<O>,
        check: (value, at) => {
            if (!isPlainObject(value)) return at.fail(value, "must be an object");
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(value)) {
                if (typeof v !== "string") at.key(k).fail(v, "must be a string");
                else out[k] = v;
            }
            return out;
        },
    });
}

/**
 * A field that applies in some configurations only (Windows pools, RSA keys):
 * elsewhere giving it is a problem with `refusal` as the rule (a function when
 * the reason depends on where: the OS, the extension's version), and it
 * resolves to undefined, default or not.
 */
export function onlyWhen<In, Out>(applies: (at: At) => boolean, refusal: string | ((at: At) => string), inner: Field<In, Out, Presence>,
    note: string): Field<In, Out, "optional"> {
    return {
        presence: "optional",
        docs: { ...inner.docs, rule: [note, inner.docs.rule].filter(Boolean).join(": ") },
        default: inner.default,
        shape: inner.shape,
        item: inner.item,
        kind: inner.kind,
        resolve(value, at) {
            if (applies(at)) return inner.resolve(value, at);
            if (value !== undefined) at.fail(value, typeof refusal === "string" ? refusal : refusal(at));
            return undefined;
        },
    };
}

/**
 * One of several fields, picked by the configuration around it (the store
 * location is a path on Linux and a store name on Windows). Docs come from the
 * caller, since no single variant describes the field.
 */
export function choose<K extends string, In, Out>(pick: (at: At) => K, variants: Record<K, Field<In, Out, "defaulted">>,
    docs: FieldDocs): Field<In, Out, "defaulted"> {
    // The variants' common kind; enums of one variant widen to the type their values share.
    const kinds = Object.values<Field<In, Out, "defaulted">>(variants).map((v) => v.kind);
    const widened = kinds.map((k) => k?.type === "enum" ? (typeof k.values[0] === "number" ? "integer" : "string") : k?.type);
    const kind = widened.every((t) => t === widened[0]) && widened[0] !== undefined ? { type: widened[0] } as Kind : undefined;
    return {
        presence: "defaulted",
        docs,
        kind,
        resolve: (value, at) => variants[pick(at)].resolve(value, at),
    };
}
