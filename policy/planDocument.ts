// The offline plan's JSON document (DESIGN section 4): what `npm run plan -- --json`
// writes and `npm run policy -- --plan` reads. It lives with its reader, so the
// pack depends on no tool; tests and CI read the same shape. Change it only by
// adding fields.

export interface RenderedRequest {
    method: "PUT" | "POST";
    url: string;
    body: Record<string, unknown>;
}

export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    dependsOn: string[];
    options: {
        deleteBeforeReplace: boolean;
        replaceOnChanges: string[];
        protect: boolean;
    };
    /** The resource's inputs as the program registered them (SDK property names), secrets masked. */
    inputs: Record<string, unknown>;
    /** The REST call the resource maps to; absent for resources with no single call (the stack, components). */
    request?: RenderedRequest;
}

export interface PlanDocument {
    stack: string;
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
    warnings: string[];
}
