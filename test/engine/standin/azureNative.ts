// TEST DOUBLE: what azure-native itself decides, as pure functions, for the
// stand-in provider (provider.ts) and its unit tests. Each rule is read from
// pulumi-azure-native's source, named beside it; nothing here is our own
// expectation of what a provider should do.
import { isPlainObject } from "../../../components/json";
import { AZURE_TYPES } from "../../../components/azureFacts";
import { FAKE_SUBSCRIPTION_ID, type State } from "../../../tools/plan/answers";
import { ARM_ENDPOINT, PATH_PARAMETERS, renderRequest } from "../../../tools/plan/render";
import { accessPolicyId, type Body, getResource, putResource } from "./azureModel";

/** The engine's marker for a value not known until the resource exists. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Properties that force a replacement besides the URL's path parameters.
 * pulumi-azure-native provider/pkg/gen/replacement.go forceNewMap: a role
 * assignment's principalId and scope, a private endpoint's subnet (issue
 * #3883), a resource group's location. Properties whose spec marks them
 * x-ms-mutability [create, read] force one too (same generator): a private DNS
 * zone's and a virtual network link's location (Private DNS 2024-06-01 spec,
 * TrackedResource location). A vault's and a private endpoint's location are
 * neither: a change there is an update, which ARM refuses.
 */
export const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
    [AZURE_TYPES.roleAssignment]: ["principalId", "scope"],
    [AZURE_TYPES.privateEndpoint]: ["subnet"],
    [AZURE_TYPES.resourceGroup]: ["location"],
    [AZURE_TYPES.privateZone]: ["location"],
    [AZURE_TYPES.virtualNetworkLink]: ["location"],
    // custom_keyvault_accesspolicy.go: the policy's objectId is part of the resource's path.
    [AZURE_TYPES.accessPolicy]: ["policy"],
    // Create-only by x-ms-mutability [read, create]: EventGrid.json 2025-02-15 TrackedResource.location
    // (replacement.go has no EventGrid entry). An event subscription and a diagnostic setting
    // (diagnosticsSettings_API.json 2021-05-01-preview) mark nothing create-only: only their path parameters replace.
    [AZURE_TYPES.systemTopic]: ["location"],
};

export function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (isPlainObject(value)) return Object.values(value).some(containsUnknown);
    return false;
}

export interface DiffAnswer {
    changes: boolean;
    replaces: string[];
    diffs: string[];
    deleteBeforeReplace: boolean;
}

/** A change to the access policy's objectId moves it to another path; its permissions update in place. */
function accessPolicyReplaces(olds: State, news: State): boolean {
    const objectId = (s: State): unknown => (isPlainObject(s.policy) ? s.policy.objectId : undefined);
    return containsUnknown(objectId(news)) || objectId(olds) !== objectId(news);
}

/**
 * azure-native's Diff (provider/pkg/provider/provider.go): a changed path
 * parameter or force-new property replaces, an unknown new value counts as a
 * change, and `deleteBeforeReplace = len(replaces) > 0` for every replacement
 * it finds (the exception, a `__createBeforeDelete` flag, is only set on
 * resources it auto-named with a random suffix; this program names all of
 * its resources). The engine overrides the answer when the program sets the
 * deleteBeforeReplace option (pulumi/pulumi pkg/resource/deploy/step_generator.go).
 */
export function diffInputs(type: string, olds: State, news: State): DiffAnswer {
    const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => !k.startsWith("__")).sort();
    const diffs = keys.filter((k) => containsUnknown(news[k]) || JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    const replacing = new Set([...(PATH_PARAMETERS[type] ?? []), ...(FORCE_NEW[type] ?? [])]);
    const replaces = diffs.filter((k) => replacing.has(k) && (type !== AZURE_TYPES.accessPolicy || k !== "policy" || accessPolicyReplaces(olds, news)));
    return { changes: diffs.length > 0, replaces, diffs, deleteBeforeReplace: replaces.length > 0 };
}

/**
 * Outputs during the preview of a create (provider.go Create, PreviewOutputs):
 * the inputs carried over, every other property of the response unknown.
 */
export function previewCreateOutputs(inputs: State, answered: State): State {
    const result: State = {};
    for (const [k, value] of Object.entries(answered)) {
        if (!(k in inputs)) result[k] = UNKNOWN;
        else if (isPlainObject(value) && isPlainObject(inputs[k])) result[k] = previewCreateOutputs(inputs[k] as State, value);
        else result[k] = inputs[k];
    }
    return result;
}

/**
 * Outputs during the preview of an update (provider.go Update: "inputs + a
 * limited list of outputs that are universally immutable"): as a create's
 * preview, then `name` and `location` taken from the old state. So a vault's
 * vaultUri and an identity's clientId and principalId are unknown there.
 */
export function previewUpdateOutputs(news: State, answered: State, olds: State): State {
    const outputs = previewCreateOutputs(news, answered);
    for (const stable of ["name", "location"]) if (stable in olds) outputs[stable] = olds[stable];
    return outputs;
}

/** The ARM ID azure-native PUTs a resource at: its request's path, or the access policy's custom ID. */
export function armIdOf(type: string, inputs: State): string | undefined {
    if (type === AZURE_TYPES.accessPolicy) {
        const vaultId = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/${String(inputs.resourceGroupName)}` +
            `/providers/Microsoft.KeyVault/vaults/${String(inputs.vaultName)}`;
        return accessPolicyId(vaultId, String((inputs.policy as State | undefined)?.objectId));
    }
    const request = renderRequest(type, inputs, FAKE_SUBSCRIPTION_ID);
    if (!request || request.method !== "PUT") return undefined;
    return request.url.slice(ARM_ENDPOINT.length).replace(/\?.*$/, "");
}

/** The body azure-native PUTs: the whole resource, every time (provider.go defaultCreate / defaultUpdate). */
export function armBodyOf(type: string, inputs: State): Body {
    if (type === AZURE_TYPES.accessPolicy) return { properties: inputs.policy as Body };
    return renderRequest(type, inputs, FAKE_SUBSCRIPTION_ID)?.body ?? {};
}

/** azure-native's refusal before every create (provider.go defaultCreate / customCreate: CanCreate). */
export function alreadyExists(id: string): string {
    return `cannot create already existing resource ${JSON.stringify(id)}`;
}

/** How azure-native reports an ARM error (azure.AzureError): status, code and message in one line. */
export function azureErrorMessage(status: number, body: Body): string {
    const error = (body.error ?? {}) as { code?: string; message?: string };
    return `Status=${status} Code=${JSON.stringify(error.code ?? "")} Message=${JSON.stringify(error.message ?? "")}`;
}

/**
 * A create as azure-native performs it against the model: the existence check
 * first ("cannot create already existing resource"), then a PUT of the whole
 * body; Azure's refusal becomes the error. Returns the resource's ARM ID.
 */
export function createInModel(path: string, type: string, inputs: State): string | undefined {
    const id = armIdOf(type, inputs);
    if (id === undefined) return undefined;
    if (getResource(path, id).status === 200) throw new Error(alreadyExists(id));
    putWhole(path, id, type, inputs);
    return id;
}

/** An update as azure-native performs it: a PUT of the whole body, never a PATCH (provider.go defaultUpdate). */
export function updateInModel(path: string, type: string, inputs: State): void {
    const id = armIdOf(type, inputs);
    if (id !== undefined) putWhole(path, id, type, inputs);
}

function putWhole(path: string, id: string, type: string, inputs: State): void {
    const answer = putResource(path, id, armBodyOf(type, inputs));
    if (answer.status >= 400) throw new Error(azureErrorMessage(answer.status, answer.body));
}
