// Checks a whole rendered REST call against a spec: that an operation with
// this method and URL path exists, that its path parameters obey the spec's
// patterns, that `api-version` is the spec's version, that the operation
// takes the expected body definition, and that the body validates.
// Pure: the spec is already loaded.

import {
    checkStringConstraints,
    resolveRef,
    specApiVersion,
    validateAgainstDefinition,
    type Spec,
    type SwaggerOperation,
    type SwaggerParameter,
} from "./validate";

export interface RestCall {
    method: string;
    url: string;
    body: unknown;
}

interface MatchedOperation {
    template: string;
    operation: SwaggerOperation;
    parameters: SwaggerParameter[];
    pathValues: Map<string, string>;
}

const HTTP_METHODS = new Set(["get", "put", "post", "patch", "delete", "head", "options"]);

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `/a/{b}/c` -> a regex capturing each `{param}` as one path segment. */
function templateMatcher(template: string): { regex: RegExp; names: string[] } {
    const names: string[] = [];
    const source = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
            const param = /^\{([^}]+)\}$/.exec(part);
            if (param === null) return escapeRegExp(part);
            names.push(param[1]);
            return "([^/]+)";
        })
        .join("");
    // ARM and Key Vault treat path literals case-insensitively.
    return { regex: new RegExp(`^${source}$`, "i"), names };
}

function resolveParameter(spec: Spec, parameter: SwaggerParameter): SwaggerParameter {
    if (parameter.$ref === undefined) return parameter;
    const { node } = resolveRef(spec, parameter.$ref, spec.mainFile);
    return node as SwaggerParameter;
}

function findOperation(spec: Spec, method: string, pathname: string): MatchedOperation | string {
    const paths = spec.documents.get(spec.mainFile)?.paths ?? {};
    const templatesForPath: string[] = [];
    for (const [template, item] of Object.entries(paths)) {
        const { regex, names } = templateMatcher(template);
        const match = regex.exec(pathname);
        if (match === null) continue;
        templatesForPath.push(template);
        const operation = item[method.toLowerCase()];
        if (operation === undefined || Array.isArray(operation) || !HTTP_METHODS.has(method.toLowerCase())) continue;
        const shared = Array.isArray(item.parameters) ? item.parameters : [];
        const parameters = [...shared, ...(operation.parameters ?? [])].map((parameter) => resolveParameter(spec, parameter));
        const pathValues = new Map(names.map((name, index) => [name, decodeURIComponent(match[index + 1])]));
        return { template, operation, parameters, pathValues };
    }
    return templatesForPath.length > 0
        ? `no ${method.toUpperCase()} operation on ${templatesForPath.join(", ")}`
        : `no operation in the spec matches the path ${pathname}`;
}

function bodyDefinitionName(spec: Spec, parameters: SwaggerParameter[]): string | undefined {
    const ref = parameters.find((parameter) => parameter.in === "body")?.schema?.$ref;
    if (ref === undefined) return undefined;
    // Resolve to make sure the reference is real, then name it by its last pointer token.
    resolveRef(spec, ref, spec.mainFile);
    return ref.slice(ref.lastIndexOf("/") + 1);
}

/** Re-roots a body-relative problem path under `body`. */
function underBody(problem: string): string {
    if (problem.startsWith("(root):")) return `body${problem.slice("(root)".length)}`;
    return problem.startsWith("[") ? `body${problem}` : `body.${problem}`;
}

/**
 * Every problem with the call, each prefixed by where it is (`url`,
 * `api-version`, `path.<param>`, `body.<property path>`). Empty when the call
 * is one the spec accepts.
 */
export function validateRestCall(spec: Spec, call: RestCall, definitionName: string): string[] {
    let url: URL;
    try {
        url = new URL(call.url);
    } catch {
        return [`url: ${JSON.stringify(call.url)} is not an absolute URL`];
    }
    const problems: string[] = [];
    const expectedVersion = specApiVersion(spec);
    const apiVersion = url.searchParams.get("api-version");
    if (apiVersion !== expectedVersion) {
        problems.push(`api-version: ${apiVersion === null ? "missing" : JSON.stringify(apiVersion)}, the spec is ${JSON.stringify(expectedVersion)}`);
    }
    const matched = findOperation(spec, call.method, url.pathname);
    if (typeof matched === "string") {
        problems.push(`url: ${call.method} ${url.pathname}: ${matched}`);
    } else {
        for (const parameter of matched.parameters) {
            if (parameter.in !== "path" || parameter.name === undefined) continue;
            const value = matched.pathValues.get(parameter.name);
            if (value === undefined) continue; // a host parameter such as vaultBaseUrl
            for (const problem of checkStringConstraints(value, parameter)) problems.push(`path.${parameter.name}: ${problem}`);
            if (parameter.enum !== undefined && !parameter.enum.includes(value)) {
                problems.push(`path.${parameter.name}: ${JSON.stringify(value)} is not one of [${parameter.enum.map(String).join(", ")}]`);
            }
        }
        const takes = bodyDefinitionName(spec, matched.parameters);
        if (takes !== definitionName) {
            problems.push(
                `url: ${call.method} ${matched.template} (${matched.operation.operationId ?? "operation"}) takes body ${takes ?? "none"}, not ${definitionName}`,
            );
        }
    }
    for (const problem of validateAgainstDefinition(spec, definitionName, call.body)) problems.push(underBody(problem));
    return problems;
}
