// The guardrails as pure functions of a resource's type and inputs, shared by
// the Pulumi policy pack (policy/index.ts) and the offline check of the plan
// (policy/cli.ts). Nothing here imports @pulumi/policy or registers
// resources, so tests and the CLI load it without a Pulumi engine.
//
// Each rule reads only the fields it needs: in a `pulumi preview` the policy
// pack hands rules a proxy that throws on unknown values, and touching an
// unrelated unknown field would stop a rule that could otherwise have run.

import { ACCOUNT_ENCRYPTION_TYPE, AZURE_TYPES, KEY_VAULT_SECRETS_USER } from "../components/azureFacts";
import { factAbout, factsFor, LIFECYCLE, type LifecycleFact, type LifecycleSubject, plainText } from "../components/lifecycle";
import { isPlainObject } from "../components/json";

export type EnforcementLevel = "mandatory" | "advisory";

export interface Violation {
    rule: string;
    /** The resource's logical name (or URN when no name is known). */
    resource: string;
    message: string;
    /** The offending value, as found. Never a secret: rules read URLs, names, permissions and numbers. */
    value: unknown;
}

/** A resource as the rules see it: the plan's entry, or the policy engine's resource. */
export interface ResourceUnderCheck {
    type: string;
    name: string;
    urn?: string;
    inputs: Record<string, unknown>;
    /** The rendered REST call (offline plan only); its body is checked too, so a hand-edited plan fails. */
    request?: { method: string; url: string; body: Record<string, unknown> };
}

/** A user-assigned identity whose output values are known (plan outputs or stack state). */
export interface KnownIdentity {
    resourceId?: string;
    clientId?: string;
    principalId?: string;
    /** Names/URNs of pools the identity is attached to, when the engine says so (property dependencies). */
    attachedTo?: string[];
}

export interface StackUnderCheck {
    resources: ResourceUnderCheck[];
    identities: KnownIdentity[];
}

interface RuleInfo {
    name: string;
    level: EnforcementLevel;
    /** External anchor: Azure Policy definition ID, PSRule ID, Checkov ID or the document the rule rests on. */
    anchor: string;
    description: string;
}

export interface ResourceRule extends RuleInfo {
    kind: "resource";
    /** Resource type tokens the rule applies to; the rule returns nothing for others. */
    appliesTo: (type: string) => boolean;
    check: (resource: ResourceUnderCheck) => Violation[];
}

export interface StackRule extends RuleInfo {
    kind: "stack";
    check: (stack: StackUnderCheck) => Violation[];
}

export type Rule = ResourceRule | StackRule;

// ---- resource types -------------------------------------------------------

/** The certificate is a dynamic resource: `pulumi-nodejs:dynamic/<module>:KeyVaultCertificate`. */
export function isCertificateType(type: string): boolean {
    return type.startsWith("pulumi-nodejs:dynamic") && type.endsWith(":KeyVaultCertificate");
}

const isType = (expected: string) => (type: string) => type === expected;

export const KEY_VAULT_SECRETS_USER_ROLE = KEY_VAULT_SECRETS_USER;

// ---- narrowing helpers ----------------------------------------------------

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
    return isPlainObject(value) ? value : undefined;
}

function arr(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

function num(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
    return undefined;
}

/** A value as messages quote it; an absent field reads "not set". */
function shown(value: unknown): string {
    return value === undefined ? "not set" : JSON.stringify(value);
}

function sameId(a: string, b: string): boolean {
    return a.toLowerCase() === b.toLowerCase();
}

function violation(rule: string, resource: ResourceUnderCheck, message: string, value: unknown): Violation {
    return { rule, resource: resource.name || resource.urn || resource.type, message, value };
}

function dedupe(violations: Violation[]): Violation[] {
    const seen = new Set<string>();
    return violations.filter((v) => {
        const key = `${v.rule}\u0000${v.resource}\u0000${v.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

type Fail = (message: string, value: unknown) => Violation;
type FailOn = (resource: ResourceUnderCheck, message: string, value: unknown) => Violation;

function resourceRule(info: Omit<ResourceRule, "kind" | "check">,
    check: (resource: ResourceUnderCheck, fail: Fail) => Violation[]): ResourceRule {
    return {
        kind: "resource",
        ...info,
        check: (resource) => dedupe(check(resource, (message, value) => violation(info.name, resource, message, value))),
    };
}

function stackRule(info: Omit<StackRule, "kind" | "check">,
    check: (stack: StackUnderCheck, fail: FailOn) => Violation[]): StackRule {
    return {
        kind: "stack",
        ...info,
        check: (stack) => dedupe(check(stack, (resource, message, value) => violation(info.name, resource, message, value))),
    };
}

// ---- shapes: the same resource as SDK inputs or as the ARM request body -----

interface PoolView {
    source: "inputs" | "request";
    nodeAgentSkuId?: string;
    vmSize?: string;
    /** The Marketplace image as `publisher/offer/sku`, the form the lifecycle table matches. */
    image?: string;
    extensions: Obj[];
    /** Identity resource IDs: a list in SDK inputs, a map's keys in the ARM body and in the pool's outputs. */
    userAssignedIdentities: string[];
    /** Identities the pool itself describes: its outputs map each ID to `{ clientId, principalId }`. */
    describedIdentities: KnownIdentity[];
    identityType?: string;
    targetNodeCommunicationMode?: unknown;
    /** The subnet the nodes join, when the pool names one. */
    subnetId?: string;
}

function imageOf(reference: Obj | undefined): string | undefined {
    const parts = [reference?.publisher, reference?.offer, reference?.sku];
    return parts.every((p) => typeof p === "string") ? parts.join("/") : undefined;
}

function poolView(source: PoolView["source"], body: Obj): PoolView {
    // The ARM body nests everything but identity under `properties`.
    const props = source === "request" ? (obj(body.properties) ?? {}) : body;
    const vmConfig = obj(obj(props.deploymentConfiguration)?.virtualMachineConfiguration);
    const identity = obj(body.identity);
    const uai = identity?.userAssignedIdentities;
    const ids = Array.isArray(uai)
        ? uai.filter((x): x is string => typeof x === "string")
        : isPlainObject(uai) ? Object.keys(uai) : [];
    const described = isPlainObject(uai)
        ? Object.entries(uai).map(([resourceId, value]) => ({
            resourceId,
            clientId: str(obj(value)?.clientId),
            principalId: str(obj(value)?.principalId),
        }))
        : [];
    return {
        source,
        describedIdentities: described.filter((i) => i.clientId !== undefined || i.principalId !== undefined),
        nodeAgentSkuId: str(vmConfig?.nodeAgentSkuId),
        vmSize: str(props.vmSize),
        image: imageOf(obj(vmConfig?.imageReference)),
        extensions: arr(vmConfig?.extensions).filter(isPlainObject),
        userAssignedIdentities: ids,
        identityType: str(identity?.type),
        targetNodeCommunicationMode: props.targetNodeCommunicationMode,
        subnetId: str(obj(props.networkConfiguration)?.subnetId),
    };
}

function poolViews(resource: ResourceUnderCheck): PoolView[] {
    const views = [poolView("inputs", resource.inputs)];
    if (resource.request) views.push(poolView("request", resource.request.body));
    return views;
}

function isKeyVaultExtension(extension: Obj): boolean {
    return extension.publisher === "Microsoft.Azure.KeyVault";
}

function keyVaultExtensions(view: PoolView): Obj[] {
    return view.extensions.filter(isKeyVaultExtension);
}

function secretsSettings(extension: Obj): Obj {
    return obj(obj(extension.settings)?.secretsManagementSettings) ?? {};
}

/** Linux lists URL strings; Windows lists `{ url, ... }` objects. */
function observedCertificateUrls(extension: Obj): unknown[] {
    return arr(secretsSettings(extension).observedCertificates).map((entry) => (isPlainObject(entry) ? entry.url : entry));
}

function msiClientId(extension: Obj): unknown {
    return obj(obj(extension.settings)?.authenticationSettings)?.msiClientId;
}

function hasUserAssignedIdentity(view: PoolView): boolean {
    return /userassigned/i.test(view.identityType ?? "") && view.userAssignedIdentities.length > 0;
}

interface VaultView {
    properties: Obj;
}

/** Vault inputs and the ARM body share the shape `{ properties: {...} }`. */
function vaultViews(resource: ResourceUnderCheck): VaultView[] {
    const bodies = [resource.inputs, ...(resource.request ? [resource.request.body] : [])];
    return bodies.map((body) => ({ properties: obj(body.properties) ?? {} }));
}

interface AccessPolicyEntry {
    objectId?: string;
    permissions: Obj;
}

function accessPolicyEntry(value: unknown): AccessPolicyEntry | undefined {
    const entry = obj(value);
    if (!entry) return undefined;
    return { objectId: str(entry.objectId), permissions: obj(entry.permissions) ?? {} };
}

/** Every access policy entry a resource grants: inline in a Vault, or one AccessPolicy resource. */
function accessPolicyEntries(resource: ResourceUnderCheck): AccessPolicyEntry[] {
    const bodies = [resource.inputs, ...(resource.request ? [resource.request.body] : [])];
    const entries: unknown[] = [];
    for (const body of bodies) {
        if (resource.type === AZURE_TYPES.vault) {
            entries.push(...arr(obj(body.properties)?.accessPolicies));
        } else if (resource.type === AZURE_TYPES.accessPolicy) {
            // SDK inputs: `policy`; ARM body of `accessPolicies/add`: `properties.accessPolicies[]`.
            if (body.policy !== undefined) entries.push(body.policy);
            entries.push(...arr(obj(body.properties)?.accessPolicies));
        }
    }
    return entries.map(accessPolicyEntry).filter((e): e is AccessPolicyEntry => e !== undefined);
}

const PERMISSION_KINDS = ["keys", "secrets", "certificates", "storage"] as const;

// ---- certificate shapes ---------------------------------------------------

interface CertificateFacts {
    source: "inputs" | "request";
    validityInMonths?: unknown;
    keyType?: string;
    keySize?: unknown;
    /** undefined when the source does not say. */
    exportable?: unknown;
    exportableStated: boolean;
    /** Lifetime actions as `{ action, trigger }`. */
    lifetimeActions: { action: unknown; trigger: Obj | undefined }[];
}

function certificateFromInputs(inputs: Obj): CertificateFacts | undefined {
    const spec = obj(inputs.certificate);
    if (!spec) return undefined;
    // CertificateSpec has no action field: the component always renews with AutoRenew.
    // An explicit `renewal.action` (hand-edited or a future field) is still honoured.
    const renewal = obj(spec.renewal);
    const lifetimeActions = renewal
        ? [{ action: renewal.action ?? "AutoRenew", trigger: renewal }]
        : [];
    const keyProps = obj(spec.keyProperties);
    const exportable = spec.exportable ?? keyProps?.exportable;
    return {
        source: "inputs",
        validityInMonths: spec.validityInMonths,
        keyType: str(spec.keyType),
        keySize: spec.keySize,
        exportable,
        // The spec is exportable by construction; only an explicit value can say otherwise.
        exportableStated: exportable !== undefined,
        lifetimeActions,
    };
}

function certificateFromRequest(body: Obj): CertificateFacts | undefined {
    const policy = obj(body.policy);
    if (!policy) return undefined;
    const keyProps = obj(policy.key_props) ?? {};
    const x509 = obj(policy.x509_props) ?? {};
    return {
        source: "request",
        validityInMonths: x509.validity_months,
        keyType: str(keyProps.kty),
        keySize: keyProps.key_size,
        exportable: keyProps.exportable,
        // On the wire the flag must be sent: the extension cannot install a key that stays in the vault.
        exportableStated: true,
        lifetimeActions: arr(policy.lifetime_actions).filter(isPlainObject).map((a) => ({
            action: obj(a.action)?.action_type,
            trigger: obj(a.trigger),
        })),
    };
}

function certificateFacts(resource: ResourceUnderCheck): CertificateFacts[] {
    const facts = [certificateFromInputs(resource.inputs)];
    if (resource.request) facts.push(certificateFromRequest(resource.request.body));
    return facts.filter((f): f is CertificateFacts => f !== undefined);
}

function where(source: "inputs" | "request", inputsPath: string, requestPath: string): string {
    return source === "inputs" ? inputsPath : `request body ${requestPath}`;
}

// ---- the rules ------------------------------------------------------------

const VERSIONLESS_SECRET_URL = /^https:\/\/[^/\s]+\/secrets\/[A-Za-z0-9-]{1,127}\/?$/;

const versionlessSecretUrl = resourceRule({
    name: "kv-extension-versionless-secret-url",
    level: "mandatory",
    anchor: "Key Vault VM extension docs (Linux/Windows): observedCertificates",
    description:
        "Every certificate the Key Vault VM extension observes is a versionless secret URL " +
        "(https://<vault host>/secrets/<name>): a version segment pins nodes to one version, so renewals never reach them.",
    appliesTo: isType(AZURE_TYPES.pool),
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const view of poolViews(resource)) {
        for (const extension of keyVaultExtensions(view)) {
            for (const url of observedCertificateUrls(extension)) {
                if (typeof url === "string" && VERSIONLESS_SECRET_URL.test(url)) continue;
                out.push(fail(
                    `observedCertificates entry ${JSON.stringify(url)} is not a versionless secret URL; ` +
                    "use https://<vault>.vault.azure.net/secrets/<certificate name> with no version segment", url));
            }
        }
    }
    return out;
});

const msiClientIdSet = resourceRule({
    name: "kv-extension-msi-client-id-set",
    level: "mandatory",
    anchor: "Key Vault VM extension docs: authenticationSettings.msiClientId",
    description:
        "When the pool carries a user-assigned identity, the Key Vault extension names it in " +
        "authenticationSettings.msiClientId; without it the extension cannot pick the identity and every fetch fails.",
    appliesTo: isType(AZURE_TYPES.pool),
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const view of poolViews(resource)) {
        if (!hasUserAssignedIdentity(view)) continue;
        for (const extension of keyVaultExtensions(view)) {
            const clientId = msiClientId(extension);
            if (typeof clientId === "string" && clientId.trim() !== "") continue;
            out.push(fail(
                `extension ${JSON.stringify(extension.name)}: settings.authenticationSettings.msiClientId is ${shown(clientId)}; ` +
                "set it to the client ID of the pool's user-assigned identity", clientId ?? null));
        }
    }
    return out;
});

function osOfNodeAgentSku(sku: string): "linux" | "windows" {
    return /^batch\.node\.windows/i.test(sku) ? "windows" : "linux";
}

const extensionMatchesOs = resourceRule({
    name: "kv-extension-matches-os",
    level: "mandatory",
    anchor: "Key Vault VM extension docs: KeyVaultForLinux / KeyVaultForWindows",
    description:
        "The Key Vault extension type matches the pool's OS: KeyVaultForWindows for batch.node.windows* node agents, " +
        "KeyVaultForLinux for every other (Linux) node agent.",
    appliesTo: isType(AZURE_TYPES.pool),
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const view of poolViews(resource)) {
        if (view.nodeAgentSkuId === undefined) continue;
        const expected = osOfNodeAgentSku(view.nodeAgentSkuId) === "windows" ? "KeyVaultForWindows" : "KeyVaultForLinux";
        for (const extension of keyVaultExtensions(view)) {
            if (extension.type === expected) continue;
            out.push(fail(
                `extension type ${JSON.stringify(extension.type)} does not match node agent ${JSON.stringify(view.nodeAgentSkuId)}; use ${expected}`,
                extension.type));
        }
    }
    return out;
});

const noAllOrPurge = resourceRule({
    name: "keyvault-access-policy-no-all-or-purge",
    level: "mandatory",
    anchor: "PSRule AZR-000118 (Azure.KeyVault.AccessPolicy)",
    description:
        "No Key Vault access policy (inline in a vault or a keyvault.AccessPolicy resource) grants `all` or `purge` " +
        "on keys, secrets, certificates or storage.",
    appliesTo: (type) => type === AZURE_TYPES.vault || type === AZURE_TYPES.accessPolicy,
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const entry of accessPolicyEntries(resource)) {
        for (const kind of PERMISSION_KINDS) {
            const granted = arr(entry.permissions[kind]);
            const bad = granted.filter((p) => typeof p === "string" && ["all", "purge"].includes(p.toLowerCase()));
            if (bad.length === 0) continue;
            out.push(fail(
                `access policy for object ${entry.objectId ?? "(unknown)"} grants ${kind} ${JSON.stringify(bad)}; ` +
                "list the operations needed instead of `all`, and never grant `purge`", granted));
        }
    }
    return out;
});

const softDelete = resourceRule({
    name: "keyvault-soft-delete",
    level: "mandatory",
    anchor: "PSRule AZR-000124 (Azure.KeyVault.SoftDelete); Checkov CKV_AZURE_42; Azure Policy 1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
    description: "Every vault keeps soft delete on (`properties.enableSoftDelete` is not false).",
    appliesTo: isType(AZURE_TYPES.vault),
}, (resource, fail) => {
    const out = vaultViews(resource)
        .filter((view) => view.properties.enableSoftDelete === false)
        .map(() => fail(
            "properties.enableSoftDelete is false; remove it or set it to true", false));
    return out;
});

function autoRenewProblem(facts: CertificateFacts): string | undefined {
    const autoRenew = facts.lifetimeActions.filter((a) => typeof a.action === "string" && a.action.toLowerCase() === "autorenew");
    if (autoRenew.length === 0) {
        return `${where(facts.source, "certificate.renewal", "policy.lifetime_actions")} has no AutoRenew lifetime action ` +
            `(found ${JSON.stringify(facts.lifetimeActions.map((a) => a.action))}); add one with daysBeforeExpiry or lifetimePercentage`;
    }
    const triggered = autoRenew.some((a) => {
        const t = a.trigger ?? {};
        return num(t.daysBeforeExpiry ?? t.days_before_expiry) !== undefined || num(t.lifetimePercentage ?? t.lifetime_percentage) !== undefined;
    });
    return triggered ? undefined :
        `${where(facts.source, "certificate.renewal", "policy.lifetime_actions")}: the AutoRenew action has no trigger; ` +
        "set daysBeforeExpiry or lifetimePercentage";
}

const autoRenew = resourceRule({
    name: "certificate-auto-renew",
    level: "mandatory",
    anchor: "Azure Policy 12ef42cb-9903-4e39-9c26-422d29570417 (certificates should have the specified lifetime action triggers)",
    description: "Every certificate policy has an AutoRenew lifetime action with a trigger, so Key Vault renews it without a deployment.",
    appliesTo: isCertificateType,
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const facts of certificateFacts(resource)) {
        const problem = autoRenewProblem(facts);
        if (problem) out.push(fail(problem, facts.lifetimeActions));
    }
    return out;
});

const rsaMinSize = resourceRule({
    name: "certificate-rsa-min-2048",
    level: "mandatory",
    anchor: "Azure Policy cee51871-e572-4576-855c-047c820360f0 (certificates using RSA should have the specified minimum key size)",
    description: "RSA certificate keys are 2048 bits or more.",
    appliesTo: isCertificateType,
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const facts of certificateFacts(resource)) {
        if (!/^RSA/i.test(facts.keyType ?? "")) continue;
        const size = num(facts.keySize);
        if (size !== undefined && size >= 2048) continue;
        out.push(fail(
            `${where(facts.source, "certificate.keySize", "policy.key_props.key_size")} is ${shown(facts.keySize)} for an ${facts.keyType} key; ` +
            "use 2048, 3072 or 4096", facts.keySize ?? null));
    }
    return out;
});

const keyExportable = resourceRule({
    name: "certificate-key-exportable",
    level: "mandatory",
    anchor: "Key Vault VM extension docs; Key Vault certificates 7.5 KeyProperties.exportable (no built-in policy ID)",
    description:
        "The certificate's key is exportable: the extension installs the private key from the secret, " +
        "which Key Vault only returns for exportable keys.",
    appliesTo: isCertificateType,
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const facts of certificateFacts(resource)) {
        if (!facts.exportableStated || facts.exportable === true) continue;
        out.push(fail(
            `${where(facts.source, "certificate.exportable", "policy.key_props.exportable")} is ${shown(facts.exportable)}; ` +
            "the key must be exportable (true) for the extension to install it", facts.exportable ?? null));
    }
    return out;
});

// ---- stack rules: these need to look across resources ----------------------

function resourceRefs(resource: ResourceUnderCheck): string[] {
    return [resource.name, ...(resource.urn ? [resource.urn] : [])];
}

/** Identities attached to a pool: by resource ID in the pool's identity, or by the engine's dependency data. */
function attachedIdentities(pool: ResourceUnderCheck, views: PoolView[], identities: KnownIdentity[]): KnownIdentity[] {
    const ids = views.flatMap((v) => v.userAssignedIdentities);
    const refs = resourceRefs(pool);
    const linked = identities.filter((identity) =>
        (identity.resourceId !== undefined && ids.some((id) => sameId(id, identity.resourceId as string))) ||
        (identity.attachedTo ?? []).some((ref) => refs.includes(ref)));
    // After an update the pool's own outputs name its identities' client IDs, adopted ones included.
    return [...linked, ...views.flatMap((v) => v.describedIdentities)];
}

const msiClientIdAttached = stackRule({
    name: "kv-extension-msi-client-id-attached",
    level: "mandatory",
    anchor: "Key Vault VM extension docs: authenticationSettings.msiClientId",
    description:
        "The extension's msiClientId is the client ID of an identity attached to that pool; " +
        "another identity's client ID cannot sign in on the node. Checked when the identities' client IDs are known.",
}, (stack, fail) => {
    const out: Violation[] = [];
    for (const pool of stack.resources.filter((r) => r.type === AZURE_TYPES.pool)) {
        const views = poolViews(pool);
        const known = attachedIdentities(pool, views, stack.identities)
            .map((i) => i.clientId)
            .filter((c): c is string => typeof c === "string" && c !== "");
        // An adopted identity's client ID is not in the stack: nothing to compare with.
        if (known.length === 0) continue;
        for (const view of views) {
            for (const extension of keyVaultExtensions(view)) {
                const clientId = msiClientId(extension);
                // A missing client ID is kv-extension-msi-client-id-set's finding; one cause, one violation.
                if (typeof clientId !== "string" || clientId.trim() === "") continue;
                if (known.some((k) => sameId(k, clientId))) continue;
                out.push(fail(pool,
                    `extension ${JSON.stringify(extension.name)}: msiClientId ${JSON.stringify(clientId)} is not the client ID of an identity attached to the pool ` +
                    `(attached: ${JSON.stringify(known)}); use the attached identity's clientId`, clientId));
            }
        }
    }
    return out;
});

const READ_ONLY_SECRETS = new Set(["get", "list"]);

function roleGuid(roleDefinitionId: unknown): string | undefined {
    const id = str(roleDefinitionId);
    return id?.split("/").filter(Boolean).pop()?.toLowerCase();
}

const poolIdentityReadOnly = stackRule({
    name: "pool-identity-secret-read-only",
    level: "mandatory",
    anchor: `PSRule AZR-000118 (least privilege); built-in role Key Vault Secrets User ${KEY_VAULT_SECRETS_USER}`,
    description:
        "The pool's identity gets no more than secret get/list (access policy) or the Key Vault Secrets User role (RBAC). " +
        "Checked when the identity's principal ID is known.",
}, (stack, fail) => {
    const principals = new Set<string>();
    for (const pool of stack.resources.filter((r) => r.type === AZURE_TYPES.pool)) {
        for (const identity of attachedIdentities(pool, poolViews(pool), stack.identities)) {
            if (identity.principalId) principals.add(identity.principalId.toLowerCase());
        }
    }
    if (principals.size === 0) return [];
    const isPoolPrincipal = (id: unknown) => typeof id === "string" && principals.has(id.toLowerCase());
    const out: Violation[] = [];
    for (const resource of stack.resources) {
        if (resource.type === AZURE_TYPES.vault || resource.type === AZURE_TYPES.accessPolicy) {
            for (const entry of accessPolicyEntries(resource)) {
                if (!isPoolPrincipal(entry.objectId)) continue;
                for (const kind of PERMISSION_KINDS) {
                    const granted = arr(entry.permissions[kind]);
                    const extra = kind === "secrets"
                        ? granted.filter((p) => !(typeof p === "string" && READ_ONLY_SECRETS.has(p.toLowerCase())))
                        : granted;
                    if (extra.length === 0) continue;
                    out.push(fail(resource,
                        `the pool identity (object ${entry.objectId}) is granted ${kind} ${JSON.stringify(extra)}; ` +
                        "it needs only secrets get and list", granted));
                }
            }
        }
        if (resource.type === AZURE_TYPES.roleAssignment) {
            const bodies = [resource.inputs, ...(resource.request ? [obj(resource.request.body.properties) ?? {}] : [])];
            for (const body of bodies) {
                if (!isPoolPrincipal(body.principalId)) continue;
                if (roleGuid(body.roleDefinitionId) === KEY_VAULT_SECRETS_USER_ROLE) continue;
                out.push(fail(resource,
                    `the pool identity (principal ${String(body.principalId)}) is assigned role ${JSON.stringify(body.roleDefinitionId)}; ` +
                    `assign only Key Vault Secrets User (${KEY_VAULT_SECRETS_USER_ROLE})`, body.roleDefinitionId ?? null));
            }
        }
    }
    return out;
});

/** The virtual network of a subnet ID: the ID without `/subnets/<name>`. */
function virtualNetworkOf(subnetId: string): string {
    return subnetId.replace(/\/subnets\/[^/]+$/i, "");
}

interface VaultFirewall {
    vault: ResourceUnderCheck;
    vaultName?: string;
    denies: boolean;
    publicOff: boolean;
    allowedSubnets: string[];
}

function vaultFirewalls(vault: ResourceUnderCheck): VaultFirewall[] {
    const vaultName = str(vault.inputs.vaultName);
    return vaultViews(vault).map((view) => {
        const acls = obj(view.properties.networkAcls);
        const publicOff = str(view.properties.publicNetworkAccess)?.toLowerCase() === "disabled";
        return {
            vault,
            vaultName,
            denies: str(acls?.defaultAction)?.toLowerCase() === "deny" || publicOff,
            publicOff,
            allowedSubnets: arr(acls?.virtualNetworkRules).map((rule) => str(obj(rule)?.id)).filter((id): id is string => id !== undefined),
        };
    });
}

/** The subnets of the stack's private endpoints to this vault (group `vault`); an endpoint whose target is not yet known counts. */
function vaultEndpointSubnets(stack: StackUnderCheck, vaultName: string | undefined): string[] {
    const out: string[] = [];
    for (const endpoint of stack.resources.filter((r) => r.type === AZURE_TYPES.privateEndpoint)) {
        const bodies = [endpoint.inputs, ...(endpoint.request ? [obj(endpoint.request.body.properties) ?? {}] : [])];
        for (const body of bodies) {
            const subnet = str(obj(body.subnet)?.id);
            if (subnet === undefined) continue;
            const targets = arr(body.privateLinkServiceConnections).map((c) => obj(obj(c)?.properties) ?? obj(c) ?? {});
            const reachesVault = targets.some((t) => {
                const groups = arr(t.groupIds).map((g) => String(g).toLowerCase());
                const target = str(t.privateLinkServiceId);
                return groups.includes("vault") &&
                    (target === undefined || vaultName === undefined || target.toLowerCase().endsWith(`/vaults/${vaultName.toLowerCase()}`));
            });
            if (reachesVault) out.push(subnet);
        }
    }
    return out;
}

/** Pools that observe a certificate of this vault (by its host name); every pool when the vault's name isn't known. */
function poolsOfVault(stack: StackUnderCheck, vaultName: string | undefined): ResourceUnderCheck[] {
    const pools = stack.resources.filter((r) => r.type === AZURE_TYPES.pool);
    if (vaultName === undefined) return pools;
    const host = `https://${vaultName.toLowerCase()}.`;
    return pools.filter((pool) => poolViews(pool).some((view) => keyVaultExtensions(view).some((ext) =>
        observedCertificateUrls(ext).some((url) => typeof url === "string" && url.toLowerCase().startsWith(host)))));
}

const denyAdmitsPools = stackRule({
    name: "keyvault-deny-admits-pool-subnets",
    level: "mandatory",
    anchor: "Key Vault network security docs (virtual network rules, private endpoints); Key Vault VM extension requireInitialSync",
    description:
        "A vault that denies by default (networkAcls.defaultAction Deny, or public network access Disabled) lets in every pool " +
        "that observes its certificates: the pool's subnet is a virtual network rule, or a private endpoint to the vault sits in " +
        "the pool's virtual network. Otherwise the nodes' first sync fails and they never become usable.",
}, (stack, fail) => {
    const out: Violation[] = [];
    for (const vault of stack.resources.filter((r) => r.type === AZURE_TYPES.vault)) {
        for (const firewall of vaultFirewalls(vault).filter((f) => f.denies)) {
            const endpointNetworks = vaultEndpointSubnets(stack, firewall.vaultName).map(virtualNetworkOf);
            for (const pool of poolsOfVault(stack, firewall.vaultName)) {
                for (const view of poolViews(pool)) {
                    const subnet = view.subnetId;
                    if (subnet === undefined) {
                        out.push(fail(pool,
                            `joins no subnet, and vault ${JSON.stringify(firewall.vaultName ?? vault.name)} denies by default: its nodes come from ` +
                            "Batch's public addresses, which no vault rule names; set pool.network.subnetId", null));
                        continue;
                    }
                    const viaRule = !firewall.publicOff && firewall.allowedSubnets.some((s) => sameId(s, subnet));
                    const viaEndpoint = endpointNetworks.some((n) => sameId(n, virtualNetworkOf(subnet)));
                    if (viaRule || viaEndpoint) continue;
                    out.push(fail(pool,
                        `subnet ${subnet} is not let into vault ${JSON.stringify(firewall.vaultName ?? vault.name)}, which denies by default ` +
                        `(virtual network rules: ${JSON.stringify(firewall.publicOff ? "ignored: public access disabled" : firewall.allowedSubnets)}, ` +
                        "no private endpoint to it in that virtual network); add the subnet to keyVault.network.allowedSubnetIds or give the vault a private endpoint there",
                        subnet));
                }
            }
        }
    }
    return out;
});

// ---- production stacks ---------------------------------------------------------
// The day-two guardrails (diagnostics, certificate events, the vault's lock, the
// created account's customer-managed key) are advisory in general and mandatory
// on a production stack. A stack says it is production by its tags (the `tags`
// key, which reaches every resource, the vault included): `environment` (any
// case) set to `prod` or `production`, as Pulumi.prod.yaml does. The policy
// engine gives every rule one enforcement level, hence a rule per level, each
// reporting only on its kind of stack, so a finding is reported once.

/** The tag by which a stack says it is production, and the values that mean so. */
export const PRODUCTION_TAG = "environment";
const PRODUCTION_VALUE = /^prod(uction)?$/i;

/** Reads a value the preview may not know yet: the policy pack's proxy throws on unknowns. */
function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch {
        return undefined;
    }
}

/** Whether a resource's tags mark it as production (tags a preview doesn't know yet don't). */
export function isProductionTagged(inputs: Record<string, unknown>): boolean {
    return (known(() => Object.entries(obj(inputs.tags) ?? {})) ?? [])
        .some(([k, v]) => k.toLowerCase() === PRODUCTION_TAG && typeof v === "string" && PRODUCTION_VALUE.test(v));
}

export function isProductionStack(stack: StackUnderCheck): boolean {
    return stack.resources.some((r) => isProductionTagged(r.inputs));
}

/** A check as two rules: advisory on a stack that isn't production, mandatory (`<name>-production`) on one that is. */
function productionPair(info: { name: string; anchor: string; description: string },
    find: (stack: StackUnderCheck, fail: FailOn) => Violation[]): [StackRule, StackRule] {
    return [
        stackRule({ ...info, level: "advisory" }, (stack, fail) => isProductionStack(stack) ? [] : find(stack, fail)),
        stackRule({
            ...info,
            name: `${info.name}-production`,
            level: "mandatory",
            description: `${info.description} Mandatory on a production stack (tag ${PRODUCTION_TAG}: prod).`,
        }, (stack, fail) => isProductionStack(stack) ? find(stack, fail) : []),
    ];
}

// ---- observability: diagnostics and certificate events ------------------------

const endsWithVault = (id: string, vaultName: string): boolean => id.toLowerCase().endsWith(`/providers/microsoft.keyvault/vaults/${vaultName.toLowerCase()}`);

/** Logs a vault's diagnostic setting must send for Azure Policy cf820ca0: AuditEvent, or a category group holding it. */
function sendsAuditLogs(setting: ResourceUnderCheck): boolean {
    return arr(setting.inputs.logs).some((entry) => {
        const log = obj(entry) ?? {};
        return log.enabled === true && (log.category === "AuditEvent" || log.categoryGroup === "audit" || log.categoryGroup === "allLogs");
    });
}

/** The vaults the stack creates, each with its name. */
function vaultsOf(stack: StackUnderCheck): { vault: ResourceUnderCheck; vaultName: string }[] {
    return stack.resources
        .filter((r) => r.type === AZURE_TYPES.vault)
        .flatMap((vault) => {
            const vaultName = str(vault.inputs.vaultName);
            return vaultName === undefined ? [] : [{ vault, vaultName }];
        });
}

const [vaultDiagnostics, vaultDiagnosticsProduction] = productionPair({
    name: "keyvault-diagnostic-settings",
    anchor: "Azure Policy cf820ca0-f99e-4f3e-84fb-66e913812d21 (Resource logs in Key Vault should be enabled); AVM interface diagnosticSettings",
    description: "A vault the stack creates has a diagnostic setting sending its audit logs (AuditEvent, or the audit or allLogs category group).",
}, (stack, fail) => vaultsOf(stack).flatMap(({ vault, vaultName }) => {
    const settings = stack.resources.filter((r) => r.type === AZURE_TYPES.diagnosticSetting);
    // An unknown resourceUri (a preview) may be this vault's.
    const mine = settings.filter((r) => typeof r.inputs.resourceUri !== "string" || endsWithVault(r.inputs.resourceUri, vaultName));
    if (mine.some(sendsAuditLogs)) return [];
    return [fail(vault, `vault ${JSON.stringify(vaultName)} has no diagnostic setting sending its audit logs` +
        (mine.length > 0 ? " (its settings send neither AuditEvent nor the audit or allLogs category group)" : "") +
        "; set diagnostics.destination to a Log Analytics workspace, storage account or Event Hubs rule", null)];
}));

/** The certificate events a stack must deliver: the two that come before and at an outage. */
export const REQUIRED_CERTIFICATE_EVENTS = ["Microsoft.KeyVault.CertificateNearExpiry", "Microsoft.KeyVault.CertificateExpired"] as const;

const [certificateEvents, certificateEventsProduction] = productionPair({
    name: "keyvault-certificate-events",
    anchor: "Key Vault Event Grid overview (MicrosoftDocs key-vault/general/event-grid-overview.md); Azure/certlc reference architecture",
    description: "A vault holding the stack's certificates has an Event Grid system topic and a subscription that delivers " +
        `${REQUIRED_CERTIFICATE_EVENTS.join(" and ")}, so an expiry is known before the nodes meet it.`,
}, (stack, fail) => vaultsOf(stack).flatMap(({ vault, vaultName }) => {
    const host = `https://${vaultName.toLowerCase()}.`;
    const holdsCertificates = stack.resources.some((r) => isCertificateType(r.type) && str(r.inputs.vaultUri)?.toLowerCase().startsWith(host) !== false);
    if (!holdsCertificates) return [];
    const topics = stack.resources.filter((r) => r.type === AZURE_TYPES.systemTopic && r.inputs.topicType === "Microsoft.KeyVault.vaults" &&
        (typeof r.inputs.source !== "string" || endsWithVault(r.inputs.source, vaultName)));
    const topicNames = topics.map((t) => str(t.inputs.systemTopicName));
    const subscriptions = stack.resources.filter((r) => r.type === AZURE_TYPES.systemTopicEventSubscription &&
        (typeof r.inputs.systemTopicName !== "string" || topicNames.includes(r.inputs.systemTopicName)));
    // No includedEventTypes: Event Grid delivers every event type of the topic.
    const delivered = (sub: ResourceUnderCheck): readonly string[] => {
        const types = obj(sub.inputs.filter)?.includedEventTypes;
        return Array.isArray(types) ? types.map(String) : REQUIRED_CERTIFICATE_EVENTS;
    };
    const missing = REQUIRED_CERTIFICATE_EVENTS.filter((type) => !subscriptions.some((sub) => delivered(sub).includes(type)));
    if (topics.length > 0 && missing.length === 0) return [];
    return [fail(vault, topics.length === 0
        ? `vault ${JSON.stringify(vaultName)} holds certificates but has no Event Grid system topic; set certificateEvents.destination`
        : `vault ${JSON.stringify(vaultName)}: no event subscription delivers ${missing.join(", ")}; add them to certificateEvents.eventTypes`,
    missing)];
}));

// ---- advisory rules -------------------------------------------------------

const purgeProtection = resourceRule({
    name: "keyvault-purge-protection",
    level: "advisory",
    anchor: "PSRule AZR-000125 (Azure.KeyVault.PurgeProtect); Checkov CKV_AZURE_110 (and CKV_AZURE_42); Azure Policy 0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
    description: "Vaults have purge protection on (`properties.enablePurgeProtection: true`).",
    appliesTo: isType(AZURE_TYPES.vault),
}, (resource, fail) => {
    const out = vaultViews(resource)
        .filter((view) => view.properties.enablePurgeProtection !== true)
        .map((view) => fail(
            `properties.enablePurgeProtection is ${shown(view.properties.enablePurgeProtection)}; ` +
            "set keyVault.purgeProtection: true (it cannot be turned off again)", view.properties.enablePurgeProtection ?? null));
    return out;
});

const rbacAuthorization = resourceRule({
    name: "keyvault-rbac-authorization",
    level: "advisory",
    anchor: "PSRule AZR-000388 (Azure.KeyVault.RBAC); Azure Policy 12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
    description: "Vaults use Azure RBAC for data-plane authorization (`properties.enableRbacAuthorization: true`).",
    appliesTo: isType(AZURE_TYPES.vault),
}, (resource, fail) => {
    const out = vaultViews(resource)
        .filter((view) => view.properties.enableRbacAuthorization !== true)
        .map((view) => fail(
            `properties.enableRbacAuthorization is ${shown(view.properties.enableRbacAuthorization)}; ` +
            "set keyVault.authorization: rbac", view.properties.enableRbacAuthorization ?? null));
    return out;
});

const networkDefaultDeny = resourceRule({
    name: "keyvault-network-default-deny",
    level: "advisory",
    anchor: "PSRule AZR-000355 (Azure.KeyVault.Firewall); Checkov CKV_AZURE_109; Azure Policy 55615ac9-af46-4a59-874e-391cc3dfb490",
    description: "Vaults deny network access by default (`properties.networkAcls.defaultAction: Deny`) and allow named networks only.",
    appliesTo: isType(AZURE_TYPES.vault),
}, (resource, fail) => {
    const out = vaultViews(resource)
        .map((view) => obj(view.properties.networkAcls)?.defaultAction)
        .filter((action) => action !== "Deny")
        .map((action) => fail(
            `properties.networkAcls.defaultAction is ${shown(action)}; set it to Deny and allow the pool's network`, action ?? null));
    return out;
});

const validityMax12 = resourceRule({
    name: "certificate-validity-max-12-months",
    level: "advisory",
    anchor: "Azure Policy 0a075868-4c26-42ef-914c-5bc007359560 (certificates should have the specified maximum validity period)",
    description: "Certificates are valid for 12 months or less.",
    appliesTo: isCertificateType,
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const facts of certificateFacts(resource)) {
        const months = num(facts.validityInMonths);
        if (months !== undefined && months <= 12) continue;
        out.push(fail(
            `${where(facts.source, "certificate.validityInMonths", "policy.x509_props.validity_months")} is ${shown(facts.validityInMonths)}; use 12 or less`,
            facts.validityInMonths ?? null));
    }
    return out;
});

const pollingMax3600 = resourceRule({
    name: "kv-extension-polling-interval-max-3600",
    level: "advisory",
    anchor: "Key Vault VM extension for Windows docs (pollingIntervalInS 300-3600 in 4.0)",
    description: "The extension polls at least hourly (`pollingIntervalInS` ≤ 3600), so a renewed certificate reaches nodes promptly.",
    appliesTo: isType(AZURE_TYPES.pool),
}, (resource, fail) => {
    const out: Violation[] = [];
    for (const view of poolViews(resource)) {
        for (const extension of keyVaultExtensions(view)) {
            const raw = secretsSettings(extension).pollingIntervalInS;
            const seconds = num(raw);
            if (seconds !== undefined && seconds > 0 && seconds <= 3600) continue;
            out.push(fail(
                `secretsManagementSettings.pollingIntervalInS is ${shown(raw)}; use 3600 or less`, raw ?? null));
        }
    }
    return out;
});

const CLASSIC = factAbout("nodeCommunicationMode");

const simplifiedCommunication = resourceRule({
    name: "pool-simplified-node-communication",
    level: "advisory",
    anchor: `${CLASSIC.source}: classic node communication was retired on ${CLASSIC.date ?? "(no date)"}`,
    description: "Pools use the Simplified node communication mode (`targetNodeCommunicationMode: Simplified`).",
    appliesTo: isType(AZURE_TYPES.pool),
}, (resource, fail) => {
    const out = poolViews(resource)
        .filter((view) => !(typeof view.targetNodeCommunicationMode === "string" &&
            view.targetNodeCommunicationMode.toLowerCase() === "simplified"))
        .map((view) => fail(
            `targetNodeCommunicationMode is ${shown(view.targetNodeCommunicationMode)}; set it to Simplified`,
            view.targetNodeCommunicationMode ?? null));
    return out;
});

/**
 * A rule over one subject of the lifecycle table (components/lifecycle.ts).
 * Advisory, and worded without "will" or "was": the pack has no clock a test
 * could set, and validation already turns each row into a warning or an error
 * on the day the preview runs.
 */
function lifecycleRule(name: string, subject: LifecycleSubject, field: string, read: (view: PoolView) => string | undefined): ResourceRule {
    const rows = LIFECYCLE.filter((fact) => fact.subject === subject && !fact.informational);
    const when = (fact: LifecycleFact) => `${fact.event}${fact.date === undefined ? "" : `: ${fact.date}`}`;
    return resourceRule({
        name,
        level: "advisory",
        anchor: rows.map((fact) => fact.source).join("; "),
        description: `The pool's ${field} is none that Azure retires: ${rows.map((fact) => `${plainText(fact.matches)} (${when(fact)})`).join("; ")}.`,
        appliesTo: isType(AZURE_TYPES.pool),
    }, (resource, fail) => poolViews(resource).flatMap((view) => {
        const value = read(view);
        if (value === undefined) return [];
        return factsFor(subject, value).map((fact) => fail(
            `${field} ${JSON.stringify(value)} is ${fact.what} (${when(fact)}); use ${plainText(fact.replacement)} (${fact.source})`, value));
    }));
}

const nodeAgentNotRetired = lifecycleRule("pool-node-agent-sku-not-retired", "nodeAgentSkuId", "nodeAgentSkuId", (view) => view.nodeAgentSkuId);
const imageNotRetiring = lifecycleRule("pool-image-not-retiring", "image", "imageReference", (view) => view.image);
const vmSizeNotRetiring = lifecycleRule("pool-vm-size-not-retiring", "vmSize", "vmSize", (view) => view.vmSize);

// ---- locks and the customer-managed key ----------------------------------------
// Each is a pair, advisory and mandatory on a production stack (above).

/** Created Batch accounts without a customer-managed key: no system-assigned identity, or no encryption resource for them. */
function accountsWithoutCustomerManagedKey(stack: StackUnderCheck): { account: ResourceUnderCheck; why: string }[] {
    const encryptions = stack.resources.filter((r) => r.type === ACCOUNT_ENCRYPTION_TYPE);
    return stack.resources.filter((r) => r.type === AZURE_TYPES.batchAccount).flatMap((account) => {
        const name = known(() => str(account.inputs.accountName));
        const identity = known(() => str(obj(account.inputs.identity)?.type));
        if (identity === undefined || !identity.includes("SystemAssigned")) {
            return [{ account, why: `identity.type is ${shown(identity)}; Batch reads a customer-managed key with the account's system-assigned identity` }];
        }
        const points = encryptions.some((e) => {
            const accountId = known(() => str(e.inputs.accountId));
            // Unknown in a preview: the account's ID comes with the account.
            return accountId === undefined || name === undefined || accountId.toLowerCase().endsWith(`/batchaccounts/${name.toLowerCase()}`);
        });
        return points ? [] : [{ account, why: "no BatchAccountEncryption points it at a key (encryption.keySource stays Microsoft.Batch)" }];
    });
}

/** Created vaults without a CanNotDelete lock at their scope. */
function vaultsWithoutLock(stack: StackUnderCheck): ResourceUnderCheck[] {
    const locks = stack.resources.filter((r) => r.type === AZURE_TYPES.managementLock &&
        known(() => str(r.inputs.level)) === "CanNotDelete");
    return stack.resources.filter((r) => r.type === AZURE_TYPES.vault).filter((vault) => {
        const name = known(() => str(vault.inputs.vaultName));
        return !locks.some((lock) => {
            const scope = known(() => str(lock.inputs.scope));
            return scope === undefined || name === undefined || scope.toLowerCase().endsWith(`/vaults/${name.toLowerCase()}`);
        });
    });
}

const [customerManagedKey, customerManagedKeyProduction] = productionPair({
    name: "batch-account-customer-managed-key",
    anchor: "Checkov CKV_AZURE_76; Azure Policy 99e9ccd8-3db9-4592-b0d1-14b1715a4d8a (Azure Batch account should use customer-managed keys to encrypt data); AVM interface customerManagedKey",
    description: "The Batch account the stack creates encrypts its data with a customer-managed key (createdBatchAccount.customerManagedKey).",
}, (stack, fail) => accountsWithoutCustomerManagedKey(stack).map(({ account, why }) =>
    fail(account, `${why}; set createdBatchAccount.customerManagedKey`, null)));

const [vaultLock, vaultLockProduction] = productionPair({
    name: "keyvault-delete-lock",
    anchor: "AVM interface lock (avm/res/key-vault/vault `lock`); MicrosoftDocs lock-resources.md",
    description: "The vault the stack creates carries a CanNotDelete management lock (keyVault.lock).",
}, (stack, fail) => vaultsWithoutLock(stack).map((vault) =>
    fail(vault, "has no CanNotDelete lock at its scope; set keyVault.lock: true", null)));
// ---- issue 19: somebody hears of a certificate before it expires ------------

/** Whether each view of the certificate (inputs, rendered request) has an EmailContacts lifetime action. */
function emailContactsViews(resource: ResourceUnderCheck): { source: "inputs" | "request"; has: boolean }[] {
    const views: { source: "inputs" | "request"; has: boolean }[] = [];
    const spec = obj(resource.inputs.certificate);
    if (spec) views.push({ source: "inputs", has: obj(spec.emailWarning) !== undefined });
    const policy = obj(obj(resource.request?.body)?.policy);
    if (policy) {
        views.push({
            source: "request",
            has: arr(policy.lifetime_actions).some((a) => str(obj(obj(a)?.action)?.action_type)?.toLowerCase() === "emailcontacts"),
        });
    }
    return views;
}

const isCertificateContactsType = (type: string): boolean => type.startsWith("pulumi-nodejs:dynamic") && type.endsWith(":KeyVaultCertificateContacts");
const isEventSubscriptionType = (type: string): boolean => type.startsWith("azure-native:eventgrid:") && type.endsWith("EventSubscription");

const expiryReachesSomeone = stackRule({
    name: "certificate-expiry-reaches-someone",
    level: "advisory",
    anchor: "Key Vault \"About certificates\", Certificate contacts (lifetime e-mails); Azure/certlc (certificate events)",
    description: "Someone hears of a certificate whose renewal failed before its nodes do: the certificate has an EmailContacts lifetime " +
        "action (`emailWarning`) with the vault's contacts set by the stack (`keyVault.certificateContacts`), or the stack subscribes to " +
        "the vault's certificate events.",
}, (stack, fail) => {
    if (stack.resources.some((r) => isEventSubscriptionType(r.type))) return [];
    const contactsSet = stack.resources.some((r) => isCertificateContactsType(r.type));
    const out: Violation[] = [];
    for (const resource of stack.resources.filter((r) => isCertificateType(r.type))) {
        for (const view of emailContactsViews(resource)) {
            const field = where(view.source, "certificate.emailWarning", "policy.lifetime_actions");
            if (!view.has) {
                out.push(fail(resource, `${field} has no EmailContacts action and the stack subscribes nobody to certificate events: ` +
                    "nobody hears of a failed renewal before the nodes do; set emailWarning with keyVault.certificateContacts, or subscribe to the vault's events", null));
            } else if (!contactsSet) {
                out.push(fail(resource, `${field} e-mails the vault's certificate contacts, which this stack does not set; ` +
                    "set keyVault.certificateContacts or check the vault has contacts", null));
            }
        }
    }
    return out;
});

/** Every rule, in the order reports list them. */
export const RULES: readonly Rule[] = [
    versionlessSecretUrl,
    msiClientIdSet,
    msiClientIdAttached,
    extensionMatchesOs,
    noAllOrPurge,
    poolIdentityReadOnly,
    denyAdmitsPools,
    autoRenew,
    rsaMinSize,
    keyExportable,
    softDelete,
    purgeProtection,
    rbacAuthorization,
    networkDefaultDeny,
    validityMax12,
    pollingMax3600,
    simplifiedCommunication,
    nodeAgentNotRetired,
    imageNotRetiring,
    vmSizeNotRetiring,
    customerManagedKey,
    customerManagedKeyProduction,
    vaultLock,
    vaultLockProduction,
    expiryReachesSomeone,
    // Observability: advisory, and mandatory on production stacks.
    vaultDiagnostics,
    vaultDiagnosticsProduction,
    certificateEvents,
    certificateEventsProduction,
];

export function ruleByName(name: string): Rule {
    const rule = RULES.find((r) => r.name === name);
    if (!rule) throw new Error(`no policy rule named ${JSON.stringify(name)}`);
    return rule;
}

/** Runs every resource rule on each resource and every stack rule on the whole. */
export function checkStack(stack: StackUnderCheck): Violation[] {
    const out: Violation[] = [];
    for (const rule of RULES) {
        if (rule.kind === "resource") {
            for (const resource of stack.resources) {
                if (rule.appliesTo(resource.type)) out.push(...rule.check(resource));
            }
        } else {
            out.push(...rule.check(stack));
        }
    }
    return out;
}

export function levelOf(violation: Violation): EnforcementLevel {
    return ruleByName(violation.rule).level;
}
