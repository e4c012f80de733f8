// The guardrails: every rule passes a compliant plan and fails a plan broken in
// the way it guards against (table-driven); the policy pack registers each rule
// with its level; `npm run policy` exits non-zero exactly when a mandatory rule
// fails, and says why.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { AnalyzerInfo, EnforcementLevel } from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { policies, POLICY_PACK_NAME } from "../policy/policies";
import { checkPlan, stackFromPlan } from "../policy/plan";
import { checkStack, isProductionTagged, RULES, Violation } from "../policy/rules";
import { planStack } from "../tools/plan/run";
import { analyze as analyzeResource, call, startPolicyPack } from "./support/policyPack";
import type { PlanDocument } from "../policy/planDocument";
import {
    CLIENT_ID,
    clonePlan,
    IDENTITY_ID,
    compliantPlan,
    createdAccount,
    findResource,
    OTHER_CLIENT_ID,
    PlanOptions,
    PRINCIPAL_ID,
    SUBNET_ID,
    tagProduction,
    vaultLock,
    certificateEventsInputs,
    vaultDiagnosticsInputs,
} from "./fixtures/policy-plan";

const REPO_ROOT = path.resolve(__dirname, "..");
const CERT = "pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate";
const POOL = "azure-native:batch:Pool";
const VAULT = "azure-native:keyvault:Vault";

// ---- access to nested plan fields -----------------------------------------

type Obj = Record<string, unknown>;

function at(value: unknown, ...keys: (string | number)[]): Obj {
    let current: unknown = value;
    for (const key of keys) {
        assert.ok(typeof current === "object" && current !== null, `fixture has no ${keys.join(".")}`);
        current = (current as Obj)[String(key)];
    }
    assert.ok(typeof current === "object" && current !== null, `fixture's ${keys.join(".")} is not an object`);
    return current as Obj;
}

const poolInputs = (plan: PlanDocument) => findResource(plan, POOL).inputs;
const extension = (plan: PlanDocument) => at(poolInputs(plan), "deploymentConfiguration", "virtualMachineConfiguration", "extensions", 0);
const secretsSettings = (plan: PlanDocument) => at(extension(plan), "settings", "secretsManagementSettings");
const authSettings = (plan: PlanDocument) => at(extension(plan), "settings", "authenticationSettings");
const vmConfig = (plan: PlanDocument) => at(poolInputs(plan), "deploymentConfiguration", "virtualMachineConfiguration");
const vaultProperties = (plan: PlanDocument) => at(findResource(plan, VAULT).inputs, "properties");
const certificate = (plan: PlanDocument) => at(findResource(plan, CERT).inputs, "certificate");
const certRequestPolicy = (plan: PlanDocument) => {
    const request = findResource(plan, CERT).request;
    assert.ok(request, "fixture certificate has a rendered request");
    return at(request.body, "policy");
};
const permissions = (plan: PlanDocument, nameSuffix: string) =>
    at(findResource(plan, "azure-native:keyvault:AccessPolicy", nameSuffix).inputs, "policy", "permissions");

/** A private endpoint to the fixture's vault, as the component registers it. */
function privateEndpoint(subnetId: string): PlanDocument["resources"][number] {
    const vault = compliantPlan().resources.find((r) => r.type === VAULT);
    assert.ok(vault);
    const vaultId = vault.request?.url.replace(/^https:\/\/[^/]+/, "").replace(/\?.*$/, "");
    return {
        urn: `${vault.urn.replace(/[^$]+::[^:]+$/, "")}azure-native:network:PrivateEndpoint::certpool-vault-endpoint`,
        type: "azure-native:network:PrivateEndpoint",
        name: "certpool-vault-endpoint",
        parent: vault.parent,
        dependsOn: [vault.urn],
        options: { deleteBeforeReplace: false, replaceOnChanges: [], protect: false },
        inputs: {
            privateEndpointName: "certpool-vault-endpoint",
            resourceGroupName: "rg-batch",
            subnet: { id: subnetId },
            privateLinkServiceConnections: [{ name: "certpool-vault-endpoint", privateLinkServiceId: vaultId, groupIds: ["vault"] }],
        },
    };
}

function plan(options: PlanOptions, change?: (p: PlanDocument) => void): () => PlanDocument {
    return () => {
        const p = clonePlan(compliantPlan(options));
        change?.(p);
        return p;
    };
}

const linux: PlanOptions = { os: "linux" };
const windows: PlanOptions = { os: "windows" };
const accessPolicies: PlanOptions = { authorization: "accessPolicy" };

// ---- the table: for every rule, plans that pass and plans that fail --------

interface Case {
    title: string;
    plan: () => PlanDocument;
}

interface RuleCases {
    rule: string;
    pass: Case[];
    fail: Case[];
}

const withoutLock = (p: PlanDocument) => { p.resources = p.resources.filter((r) => r.type !== "azure-native:authorization:ManagementLockByScope"); };
const withAccount = (withKey: boolean) => (p: PlanDocument) => { p.resources.push(...createdAccount(withKey)); };
/** A production stack's other mandatory guardrails kept: created accounts dropped, as if adopted, and the vault locked. */
const keepOtherProductionRules = (p: PlanDocument) => {
    p.resources = p.resources.filter((r) => r.type !== "azure-native:batch:BatchAccount");
};
const lockEveryVault = (p: PlanDocument) => {
    for (const vault of p.resources.filter((r) => r.type === VAULT)) p.resources.push(vaultLock(String(vault.inputs.vaultName)));
};
const production = (...changes: ((p: PlanDocument) => void)[]) => (p: PlanDocument) => { for (const c of changes) c(p); tagProduction(p); };
const withoutType = (type: string) => (p: PlanDocument): void => {
    p.resources = p.resources.filter((r) => r.type !== type);
};
const DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting";
const SUBSCRIPTION_TYPE = "azure-native:eventgrid:SystemTopicEventSubscription";

function observabilityCases(): RuleCases[] {
    const diagnosticsBreaks = [
        { title: "no diagnostic setting", edit: withoutType(DIAGNOSTIC) },
        {
            title: "a setting sending metrics only",
            edit: (p: PlanDocument) => { findResource(p, DIAGNOSTIC).inputs.logs = [{ categoryGroup: "audit", enabled: false }]; },
        },
        {
            title: "a setting on another vault",
            edit: (p: PlanDocument) => { findResource(p, DIAGNOSTIC).inputs.resourceUri = "/subscriptions/x/resourceGroups/g/providers/Microsoft.KeyVault/vaults/other"; },
        },
    ];
    const eventsBreaks = [
        { title: "no system topic or subscription", edit: (p: PlanDocument) => { withoutType("azure-native:eventgrid:SystemTopic")(p); withoutType(SUBSCRIPTION_TYPE)(p); } },
        {
            title: "a subscription for new versions only",
            edit: (p: PlanDocument) => {
                (findResource(p, SUBSCRIPTION_TYPE).inputs.filter as { includedEventTypes: string[] }).includedEventTypes = ["Microsoft.KeyVault.CertificateNewVersionCreated"];
            },
        },
    ];
    const cases = (rule: string, breaks: typeof eventsBreaks, production: boolean): RuleCases => ({
        rule,
        pass: [
            { title: production ? "production, wired" : "wired", plan: plan(linux, production ? tagProduction : undefined) },
            // The other level's rule covers the other kind of stack.
            ...breaks.map((b) => ({
                title: `${b.title}, on a ${production ? "non-production" : "production"} stack (the other rule's)`,
                plan: plan(linux, (p) => { if (!production) tagProduction(p, "Production"); b.edit(p); }),
            })),
        ],
        fail: breaks.map((b) => ({
            title: production ? `production: ${b.title}` : b.title,
            plan: plan(linux, (p) => { if (production) tagProduction(p); b.edit(p); }),
        })),
    });
    return [
        cases("keyvault-diagnostic-settings", diagnosticsBreaks, false),
        cases("keyvault-diagnostic-settings-production", diagnosticsBreaks, true),
        cases("keyvault-certificate-events", eventsBreaks, false),
        cases("keyvault-certificate-events-production", eventsBreaks, true),
    ];
}

const CASES: RuleCases[] = [
    {
        rule: "keyvault-delete-lock",
        pass: [
            { title: "the vault has a CanNotDelete lock at its scope", plan: plan(linux) },
            { title: "a production stack is the other rule's", plan: plan(linux, production(withoutLock)) },
        ],
        fail: [
            { title: "no lock", plan: plan(linux, withoutLock) },
            { title: "a lock on another scope", plan: plan(linux, (p) => { findResource(p, "azure-native:authorization:ManagementLockByScope").inputs.scope = "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/other"; }) },
        ],
    },
    {
        rule: "keyvault-delete-lock-production",
        pass: [
            { title: "production with the lock", plan: plan(linux, production()) },
            { title: "not production", plan: plan(linux, withoutLock) },
        ],
        fail: [{ title: "production without the lock", plan: plan(linux, production(withoutLock)) }],
    },
    {
        rule: "batch-account-customer-managed-key",
        pass: [
            { title: "an adopted account (no account resource)", plan: plan(linux) },
            { title: "a created account with identity and encryption", plan: plan(linux, withAccount(true)) },
        ],
        fail: [
            { title: "a created account without a key", plan: plan(linux, withAccount(false)) },
            { title: "an encryption resource for another account", plan: plan(linux, (p) => {
                withAccount(true)(p);
                findResource(p, "pulumi-nodejs:dynamic/batch-cert-rotation:BatchAccountEncryption").inputs.accountId = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Batch/batchAccounts/other";
            }) },
        ],
    },
    {
        rule: "batch-account-customer-managed-key-production",
        pass: [
            { title: "production with the key", plan: plan(linux, production(withAccount(true))) },
            { title: "not production", plan: plan(linux, withAccount(false)) },
        ],
        fail: [{ title: "production without the key", plan: plan(linux, production(withAccount(false))) }],
    },
    {
        rule: "kv-extension-versionless-secret-url",
        pass: [
            { title: "Linux: bare versionless URL", plan: plan(linux) },
            { title: "Windows: versionless URL object", plan: plan(windows) },
        ],
        fail: [
            {
                title: "Linux: URL with a version segment (as in the how-to)",
                plan: plan(linux, (p) => {
                    secretsSettings(p).observedCertificates = ["https://kv-batch-dev.vault.azure.net/secrets/authcert/8f5f3f491afd48cb99286ba2aacd39af"];
                }),
            },
            {
                title: "Windows: URL with a version segment",
                plan: plan(windows, (p) => {
                    at(secretsSettings(p), "observedCertificates", 0).url = "https://kv-batch-dev.vault.azure.net/secrets/authcert/8f5f3f491afd48cb99286ba2aacd39af";
                }),
            },
            {
                title: "a /certificates/ URL, which carries no private key",
                plan: plan(linux, (p) => { secretsSettings(p).observedCertificates = ["https://kv-batch-dev.vault.azure.net/certificates/authcert"]; }),
            },
            {
                title: "plain http",
                plan: plan(linux, (p) => { secretsSettings(p).observedCertificates = ["http://kv-batch-dev.vault.azure.net/secrets/authcert"]; }),
            },
        ],
    },
    {
        rule: "kv-extension-msi-client-id-set",
        pass: [
            { title: "client ID set", plan: plan(linux) },
            {
                title: "no user-assigned identity on the pool",
                plan: plan(linux, (p) => { delete poolInputs(p).identity; delete authSettings(p).msiClientId; }),
            },
        ],
        fail: [
            { title: "msiClientId missing", plan: plan(linux, (p) => { delete authSettings(p).msiClientId; }) },
            { title: "msiClientId empty", plan: plan(windows, (p) => { authSettings(p).msiClientId = ""; }) },
        ],
    },
    {
        rule: "kv-extension-msi-client-id-attached",
        pass: [
            { title: "client ID of the attached identity", plan: plan(linux) },
            { title: "same GUID in upper case", plan: plan(linux, (p) => { authSettings(p).msiClientId = CLIENT_ID.toUpperCase(); }) },
            {
                title: "the pool's outputs name the identity's client ID",
                plan: plan(linux, (p) => {
                    p.outputs = {};
                    poolInputs(p).identity = {
                        type: "UserAssigned",
                        userAssignedIdentities: { [IDENTITY_ID]: { clientId: CLIENT_ID, principalId: PRINCIPAL_ID } },
                    };
                }),
            },
            {
                title: "adopted identity whose client ID the plan does not know",
                plan: plan(linux, (p) => { p.outputs = {}; authSettings(p).msiClientId = OTHER_CLIENT_ID; }),
            },
        ],
        fail: [
            { title: "another identity's client ID", plan: plan(linux, (p) => { authSettings(p).msiClientId = OTHER_CLIENT_ID; }) },
            {
                title: "adopted identity: the pool's outputs name a different client ID",
                plan: plan(linux, (p) => {
                    p.outputs = {};
                    poolInputs(p).identity = {
                        type: "UserAssigned",
                        userAssignedIdentities: { [IDENTITY_ID]: { clientId: OTHER_CLIENT_ID, principalId: PRINCIPAL_ID } },
                    };
                }),
            },
        ],
    },
    {
        rule: "kv-extension-matches-os",
        pass: [
            { title: "KeyVaultForLinux on batch.node.ubuntu 24.04", plan: plan(linux) },
            { title: "KeyVaultForWindows on batch.node.windows amd64", plan: plan(windows) },
        ],
        fail: [
            { title: "KeyVaultForWindows on Ubuntu", plan: plan(linux, (p) => { extension(p).type = "KeyVaultForWindows"; }) },
            { title: "KeyVaultForLinux on Windows", plan: plan(windows, (p) => { extension(p).type = "KeyVaultForLinux"; }) },
            {
                title: "KeyVaultForWindows on another Linux agent",
                plan: plan(linux, (p) => { vmConfig(p).nodeAgentSkuId = "batch.node.el 9"; extension(p).type = "KeyVaultForWindows"; }),
            },
        ],
    },
    {
        rule: "keyvault-access-policy-no-all-or-purge",
        pass: [{ title: "listed certificate and secret operations", plan: plan(accessPolicies) }],
        fail: [
            { title: "AccessPolicy grants certificates purge", plan: plan(accessPolicies, (p) => { (permissions(p, "deployer-access").certificates as string[]).push("purge"); }) },
            { title: "AccessPolicy grants keys All", plan: plan(accessPolicies, (p) => { permissions(p, "deployer-access").keys = ["All"]; }) },
            { title: "AccessPolicy grants storage all", plan: plan(accessPolicies, (p) => { permissions(p, "deployer-access").storage = ["all"]; }) },
            {
                title: "inline vault access policy grants secrets all",
                plan: plan(accessPolicies, (p) => {
                    vaultProperties(p).accessPolicies = [{ tenantId: "t", objectId: "someone", permissions: { secrets: ["all"] } }];
                }),
            },
        ],
    },
    {
        rule: "pool-identity-secret-read-only",
        pass: [
            { title: "access policy: secrets get, list", plan: plan(accessPolicies) },
            { title: "RBAC: Key Vault Secrets User", plan: plan({ authorization: "rbac" }) },
        ],
        fail: [
            { title: "identity may also set secrets", plan: plan(accessPolicies, (p) => { (permissions(p, "identity-access").secrets as string[]).push("set"); }) },
            { title: "identity may read certificates", plan: plan(accessPolicies, (p) => { permissions(p, "identity-access").certificates = ["get"]; }) },
            {
                title: "identity assigned Key Vault Certificates Officer",
                plan: plan({ authorization: "rbac" }, (p) => {
                    findResource(p, "azure-native:authorization:RoleAssignment", "identity-secrets-user").inputs.roleDefinitionId =
                        "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/a4417e6f-fecd-4de8-b567-7b0420556985";
                }),
            },
            {
                title: "inline vault access policy gives the identity secret delete",
                plan: plan(accessPolicies, (p) => {
                    vaultProperties(p).accessPolicies = [{ tenantId: "t", objectId: PRINCIPAL_ID, permissions: { secrets: ["get", "delete"] } }];
                }),
            },
        ],
    },
    {
        rule: "keyvault-deny-admits-pool-subnets",
        pass: [
            { title: "the pool's subnet is a virtual network rule", plan: plan(linux) },
            {
                title: "public access disabled, a private endpoint to the vault in the pool's virtual network",
                plan: plan(windows, (p) => {
                    Object.assign(vaultProperties(p), { publicNetworkAccess: "Disabled" });
                    at(vaultProperties(p), "networkAcls").virtualNetworkRules = [];
                    p.resources.push(privateEndpoint(SUBNET_ID.replace(/nodes$/, "endpoints")));
                }),
            },
            {
                title: "a vault that allows by default lets a pool without a subnet in",
                plan: plan(linux, (p) => {
                    for (const properties of [vaultProperties(p), at(findResource(p, VAULT).request?.body, "properties")]) {
                        at(properties, "networkAcls").defaultAction = "Allow";
                    }
                    delete poolInputs(p).networkConfiguration;
                }),
            },
        ],
        fail: [
            { title: "Deny, and the pool joins no subnet", plan: plan(linux, (p) => { delete poolInputs(p).networkConfiguration; }) },
            {
                title: "Deny, and the pool's subnet is not among the rules",
                plan: plan(linux, (p) => { at(vaultProperties(p), "networkAcls").virtualNetworkRules = [{ id: SUBNET_ID.replace(/nodes$/, "other") }]; }),
            },
            {
                title: "public access disabled: the subnet rule no longer counts and no endpoint exists",
                plan: plan(linux, (p) => { Object.assign(vaultProperties(p), { publicNetworkAccess: "Disabled" }); }),
            },
            {
                title: "the private endpoint sits in another virtual network",
                plan: plan(windows, (p) => {
                    Object.assign(vaultProperties(p), { publicNetworkAccess: "Disabled" });
                    p.resources.push(privateEndpoint(SUBNET_ID.replace("vnet-batch", "vnet-hub")));
                }),
            },
        ],
    },
    {
        rule: "certificate-auto-renew",
        pass: [
            { title: "daysBeforeExpiry", plan: plan(linux) },
            { title: "lifetimePercentage", plan: plan(linux, (p) => { certificate(p).renewal = { lifetimePercentage: 80 }; }) },
        ],
        fail: [
            { title: "no renewal in the inputs", plan: plan(linux, (p) => { delete certificate(p).renewal; }) },
            {
                title: "request's lifetime action is EmailContacts",
                plan: plan(linux, (p) => { at(certRequestPolicy(p), "lifetime_actions", 0, "action").action_type = "EmailContacts"; }),
            },
            { title: "request has no lifetime actions", plan: plan(linux, (p) => { certRequestPolicy(p).lifetime_actions = []; }) },
            {
                title: "request's AutoRenew has no trigger",
                plan: plan(linux, (p) => { at(certRequestPolicy(p), "lifetime_actions", 0).trigger = {}; }),
            },
        ],
    },
    {
        rule: "certificate-rsa-min-2048",
        pass: [
            { title: "RSA 2048", plan: plan(linux) },
            { title: "RSA 4096", plan: plan(linux, (p) => { certificate(p).keySize = 4096; at(certRequestPolicy(p), "key_props").key_size = 4096; }) },
            {
                title: "EC key (no RSA size)",
                plan: plan(linux, (p) => {
                    Object.assign(certificate(p), { keyType: "EC", keySize: undefined, curve: "P-256" });
                    Object.assign(at(certRequestPolicy(p), "key_props"), { kty: "EC", key_size: undefined, crv: "P-256" });
                }),
            },
        ],
        fail: [
            { title: "inputs RSA 1024", plan: plan(linux, (p) => { certificate(p).keySize = 1024; }) },
            { title: "request RSA 1024", plan: plan(linux, (p) => { at(certRequestPolicy(p), "key_props").key_size = 1024; }) },
            { title: "RSA key with no size", plan: plan(linux, (p) => { delete certificate(p).keySize; }) },
        ],
    },
    {
        rule: "certificate-key-exportable",
        pass: [{ title: "exportable key", plan: plan(linux) }],
        fail: [
            { title: "request key not exportable", plan: plan(linux, (p) => { at(certRequestPolicy(p), "key_props").exportable = false; }) },
            { title: "request drops the exportable flag", plan: plan(linux, (p) => { delete at(certRequestPolicy(p), "key_props").exportable; }) },
            { title: "inputs say not exportable", plan: plan(linux, (p) => { certificate(p).exportable = false; }) },
        ],
    },
    {
        rule: "keyvault-soft-delete",
        pass: [
            { title: "enableSoftDelete true", plan: plan(linux) },
            { title: "enableSoftDelete omitted (Azure's default is on)", plan: plan(linux, (p) => { delete vaultProperties(p).enableSoftDelete; }) },
        ],
        fail: [{ title: "enableSoftDelete false", plan: plan(linux, (p) => { vaultProperties(p).enableSoftDelete = false; }) }],
    },
    {
        rule: "keyvault-purge-protection",
        pass: [{ title: "purge protection on", plan: plan(linux) }],
        fail: [{ title: "purge protection omitted", plan: plan(linux, (p) => { delete vaultProperties(p).enablePurgeProtection; }) }],
    },
    {
        rule: "keyvault-rbac-authorization",
        pass: [{ title: "RBAC vault", plan: plan({ authorization: "rbac" }) }],
        fail: [{ title: "access-policy vault", plan: plan(accessPolicies) }],
    },
    {
        rule: "keyvault-network-default-deny",
        pass: [{ title: "defaultAction Deny", plan: plan(linux) }],
        fail: [
            { title: "no networkAcls", plan: plan(linux, (p) => { delete vaultProperties(p).networkAcls; }) },
            { title: "defaultAction Allow", plan: plan(linux, (p) => { at(vaultProperties(p), "networkAcls").defaultAction = "Allow"; }) },
        ],
    },
    {
        rule: "certificate-validity-max-12-months",
        pass: [{ title: "12 months", plan: plan(linux) }],
        fail: [
            { title: "inputs 24 months", plan: plan(linux, (p) => { certificate(p).validityInMonths = 24; }) },
            { title: "request 13 months", plan: plan(linux, (p) => { at(certRequestPolicy(p), "x509_props").validity_months = 13; }) },
        ],
    },
    {
        rule: "kv-extension-polling-interval-max-3600",
        pass: [
            { title: "300 s", plan: plan(linux) },
            { title: "3600 s", plan: plan(windows, (p) => { secretsSettings(p).pollingIntervalInS = "3600"; }) },
        ],
        fail: [
            { title: "7200 s", plan: plan(linux, (p) => { secretsSettings(p).pollingIntervalInS = "7200"; }) },
            { title: "not a number", plan: plan(linux, (p) => { secretsSettings(p).pollingIntervalInS = "hourly"; }) },
        ],
    },
    {
        rule: "pool-simplified-node-communication",
        pass: [{ title: "Simplified", plan: plan(linux) }],
        fail: [
            { title: "mode omitted", plan: plan(linux, (p) => { delete poolInputs(p).targetNodeCommunicationMode; }) },
            { title: "Classic", plan: plan(linux, (p) => { poolInputs(p).targetNodeCommunicationMode = "Classic"; }) },
        ],
    },
    {
        rule: "pool-node-agent-sku-not-retired",
        pass: [
            { title: "batch.node.ubuntu 24.04", plan: plan(linux) },
            { title: "batch.node.windows amd64", plan: plan(windows) },
        ],
        fail: [
            { title: "batch.node.ubuntu 20.04 (the how-to's)", plan: plan(linux, (p) => { vmConfig(p).nodeAgentSkuId = "batch.node.ubuntu 20.04"; }) },
            { title: "batch.node.centos 7", plan: plan(linux, (p) => { vmConfig(p).nodeAgentSkuId = "batch.node.centos 7"; }) },
            { title: "batch.node.ubuntu 22.04 (retiring)", plan: plan(linux, (p) => { vmConfig(p).nodeAgentSkuId = "batch.node.ubuntu 22.04"; }) },
        ],
    },
    {
        rule: "pool-image-not-retiring",
        pass: [
            { title: "Windows Server 2022", plan: plan(windows) },
            { title: "Ubuntu 24.04", plan: plan(linux) },
        ],
        fail: [
            {
                title: "Windows Server 2016, any case",
                plan: plan(windows, (p) => {
                    vmConfig(p).imageReference = { publisher: "MicrosoftWindowsServer", offer: "WindowsServer", sku: "2016-Datacenter", version: "latest" };
                }),
            },
        ],
    },
    {
        rule: "pool-vm-size-not-retiring",
        pass: [{ title: "Standard_D2s_v5", plan: plan(linux) }],
        fail: [{ title: "STANDARD_DS2_V2 (the how-to's)", plan: plan(linux, (p) => { poolInputs(p).vmSize = "STANDARD_DS2_V2"; }) }],
    },
    {
        rule: "certificate-expiry-reaches-someone",
        pass: [
            { title: "an EmailContacts action and the stack's contacts", plan: plan(linux) },
            { title: "no e-mail, but the stack subscribes to the vault's events", plan: plan(linux, withoutEmailWarning) },
        ],
        fail: [
            { title: "no EmailContacts action and no events", plan: plan(linux, (p) => { withoutEmailWarning(p); withoutEvents(p); }) },
            {
                title: "an EmailContacts action but no contacts set by the stack, and no events",
                plan: plan(linux, (p) => {
                    withoutEvents(p);
                    p.resources = p.resources.filter((r) => !r.type.endsWith(":KeyVaultCertificateContacts"));
                }),
            },
        ],
    },
    // Observability: the same checks, advisory on other stacks and mandatory on production ones.
    ...observabilityCases(),
];

/** The compliant plan without its Event Grid topic and subscription. */
function withoutEvents(p: PlanDocument): void {
    p.resources = p.resources.filter((r) => !r.type.startsWith("azure-native:eventgrid:"));
}

/** The compliant plan's certificate without its e-mail warning, in its inputs and its rendered request. */
function withoutEmailWarning(p: PlanDocument): void {
    delete certificate(p).emailWarning;
    const policy = certRequestPolicy(p);
    policy.lifetime_actions = (policy.lifetime_actions as Obj[]).filter((a) => (a.action as Obj).action_type !== "EmailContacts");
}

function violationsOf(rule: string, p: PlanDocument): Violation[] {
    return checkStack(stackFromPlan(p)).filter((v) => v.rule === rule);
}

void describe("observability rules: exact messages, and production by tags", () => {
    const messages = (edit: (p: PlanDocument) => void): string[] =>
        checkStack(stackFromPlan(plan(linux, edit)())).filter((v) => /diagnostic|certificate-events/.test(v.rule)).map((v) => `${v.rule} ${v.resource}: ${v.message}`);
    void it("a vault without audit logs: advisory in general, the production rule on a stack tagged environment: prod", () => {
        const text = 'certpool-vault: vault "kv-batch-dev" has no diagnostic setting sending its audit logs; ' +
            "set diagnostics.destination to a Log Analytics workspace, storage account or Event Hubs rule";
        assert.deepEqual(messages(withoutType(DIAGNOSTIC)), [`keyvault-diagnostic-settings ${text}`]);
        assert.deepEqual(messages((p) => { tagProduction(p); withoutType(DIAGNOSTIC)(p); }), [`keyvault-diagnostic-settings-production ${text}`]);
    });
    void it("a setting without audit logs says so", () => {
        assert.deepEqual(messages((p) => { findResource(p, DIAGNOSTIC).inputs.logs = []; }), [
            'keyvault-diagnostic-settings certpool-vault: vault "kv-batch-dev" has no diagnostic setting sending its audit logs ' +
            "(its settings send neither AuditEvent nor the audit or allLogs category group); " +
            "set diagnostics.destination to a Log Analytics workspace, storage account or Event Hubs rule",
        ]);
    });
    void it("certificates without events, and a subscription missing the failure events", () => {
        assert.deepEqual(messages((p) => { tagProduction(p, "PRODUCTION"); withoutType("azure-native:eventgrid:SystemTopic")(p); }), [
            'keyvault-certificate-events-production certpool-vault: vault "kv-batch-dev" holds certificates but has no Event Grid system topic; ' +
            "set certificateEvents.destination",
        ]);
        assert.deepEqual(messages((p) => {
            (findResource(p, SUBSCRIPTION_TYPE).inputs.filter as { includedEventTypes: string[] }).includedEventTypes = ["Microsoft.KeyVault.CertificateNearExpiry"];
        }), [
            'keyvault-certificate-events certpool-vault: vault "kv-batch-dev": no event subscription delivers Microsoft.KeyVault.CertificateExpired; ' +
            "add them to certificateEvents.eventTypes",
        ]);
    });
    void it("environment: staging is not production; the prod stack's plan meets both production rules", async () => {
        assert.deepEqual(messages((p) => { findResource(p, VAULT).inputs.tags = { environment: "staging" }; withoutType(DIAGNOSTIC)(p); })
            .map((m) => m.split(" ")[0]), ["keyvault-diagnostic-settings"]);
        const prod = await planStack({ stack: "prod" });
        assert.ok(isProductionTagged(findResource(prod, VAULT).inputs), "Pulumi.prod.yaml tags its resources environment: prod");
        assert.deepEqual(checkPlan(prod).mandatory.filter((v) => /diagnostic|certificate-events/.test(v.rule)), []);
        assert.deepEqual(checkPlan(clonePlan({ ...prod, resources: prod.resources.filter((r) => r.type !== DIAGNOSTIC) })).mandatory.map((v) => v.rule),
            ["keyvault-diagnostic-settings-production"]);
    });
});

void describe("policy rules", () => {
    void it("has a passing and a failing case for every rule", () => {
        assert.deepEqual(CASES.map((c) => c.rule).sort(), RULES.map((r) => r.name).sort());
        for (const c of CASES) {
            assert.ok(c.pass.length > 0 && c.fail.length > 0, `${c.rule} needs both a passing and a failing case`);
        }
    });

    for (const c of CASES) {
        void describe(c.rule, () => {
            for (const pass of c.pass) {
                void it(`passes: ${pass.title}`, () => {
                    assert.deepEqual(violationsOf(c.rule, pass.plan()), []);
                });
            }
            for (const fail of c.fail) {
                void it(`fails: ${fail.title}`, () => {
                    const found = violationsOf(c.rule, fail.plan());
                    assert.ok(found.length > 0, `${c.rule} let "${fail.title}" through`);
                    for (const v of found) {
                        // The component's resources, or the Batch account the stack program creates (`batch`).
                        assert.match(v.resource, /^(certpool-|batch$)/, "the violation names the resource");
                        assert.ok(v.message.length > 20, "the violation says what is wrong");
                        assert.notEqual(v.value, undefined, "the violation carries the offending value");
                    }
                });
            }
        });
    }

    void it("finds no mandatory violation in compliant plans of either OS and authorization", () => {
        for (const os of ["linux", "windows"] as const) {
            for (const authorization of ["accessPolicy", "rbac"] as const) {
                assert.deepEqual(checkPlan(compliantPlan({ os, authorization })).mandatory, [], `${os}/${authorization}`);
            }
        }
    });

    void it("reports the how-to's retired image and node agent as advisory, not mandatory", () => {
        const p = plan(linux, (q) => {
            vmConfig(q).nodeAgentSkuId = "batch.node.ubuntu 20.04";
            vmConfig(q).imageReference = { publisher: "canonical", offer: "ubuntuserver", sku: "20.04-lts", version: "latest" };
            poolInputs(q).vmSize = "STANDARD_DS2_V2";
        })();
        const report = checkPlan(p);
        assert.deepEqual(report.mandatory, []);
        assert.ok(report.advisory.some((v) => v.rule === "pool-node-agent-sku-not-retired" && v.value === "batch.node.ubuntu 20.04"));
        const size = report.advisory.find((v) => v.rule === "pool-vm-size-not-retiring");
        assert.equal(size?.message,
            'vmSize "STANDARD_DS2_V2" is a size of the D/Ds/Dv2/Dsv2/Ls families (retirement announced on 2026-05-15, no date given); ' +
            "use a current general-purpose size such as Standard_D2s_v5 (or Standard_L8s_v3 for storage-optimized) (https://github.com/Azure/Batch/issues/140)");
    });

    void it("checks the ARM request body of the pool too, so a hand-edited request fails", () => {
        const p = compliantPlan(linux);
        const request = findResource(p, POOL).request;
        assert.ok(request);
        const extensionBody = at(request.body, "properties", "deploymentConfiguration", "virtualMachineConfiguration", "extensions", 0);
        at(extensionBody, "settings", "secretsManagementSettings").observedCertificates =
            ["https://kv-batch-dev.vault.azure.net/secrets/authcert/0123456789abcdef0123456789abcdef"];
        assert.equal(violationsOf("kv-extension-versionless-secret-url", p).length, 1);
    });
});

// ---- the policy pack's wiring ----------------------------------------------

function resourceArgs(type: string, name: string, props: Obj): ResourceValidationArgs {
    // Only the fields the policies read; the engine supplies the rest.
    return { type, name, urn: `urn:pulumi:dev::p::${type}::${name}`, props } as unknown as ResourceValidationArgs;
}

function runResourcePolicy(name: string, args: ResourceValidationArgs): string[] {
    const policy = policies.find((p) => p.name === name);
    assert.ok(policy && "validateResource" in policy && typeof policy.validateResource === "function", `${name} is a resource policy`);
    const messages: string[] = [];
    void policy.validateResource(args, (message) => { messages.push(message); });
    return messages;
}

void describe("policy pack wiring", () => {
    void it(`is named ${POLICY_PACK_NAME}`, () => {
        assert.equal(POLICY_PACK_NAME, "batch-cert-rotation-guardrails");
    });

    void it("registers every rule once, with its enforcement level and anchor", () => {
        assert.equal(policies.length, RULES.length);
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length, "policy names are unique");
        for (const rule of RULES) {
            const policy = policies.find((p) => p.name === rule.name);
            assert.ok(policy, `${rule.name} is registered`);
            assert.equal(policy.enforcementLevel, rule.level, `${rule.name} level`);
            assert.ok(policy.description.includes(rule.anchor), `${rule.name} description names its anchor`);
            const kind = "validateStack" in policy ? "stack" : "validateResource" in policy ? "resource" : "none";
            assert.equal(kind, rule.kind, `${rule.name} is a ${rule.kind} policy`);
        }
    });

    void it("makes the required guardrails mandatory and the recommendations advisory", () => {
        const level = (name: string) => policies.find((p) => p.name === name)?.enforcementLevel;
        for (const name of [
            "kv-extension-versionless-secret-url", "kv-extension-msi-client-id-set", "kv-extension-msi-client-id-attached",
            "kv-extension-matches-os", "keyvault-access-policy-no-all-or-purge", "pool-identity-secret-read-only",
            "certificate-auto-renew", "certificate-rsa-min-2048", "certificate-key-exportable", "keyvault-soft-delete",
        ]) assert.equal(level(name), "mandatory", name);
        for (const name of [
            "keyvault-purge-protection", "keyvault-rbac-authorization", "keyvault-network-default-deny",
            "certificate-validity-max-12-months", "kv-extension-polling-interval-max-3600",
            "pool-simplified-node-communication", "pool-node-agent-sku-not-retired", "pool-image-not-retiring", "pool-vm-size-not-retiring",
            "certificate-expiry-reaches-someone",
            "keyvault-diagnostic-settings", "keyvault-certificate-events",
        ]) assert.equal(level(name), "advisory", name);
        for (const name of ["keyvault-diagnostic-settings-production", "keyvault-certificate-events-production"]) {
            assert.equal(level(name), "mandatory", name);
        }
    });

    void it("reports a resource policy's violation through the engine's callback, and ignores other types", () => {
        const good = compliantPlan(linux);
        const bad = clonePlan(good);
        secretsSettings(bad).observedCertificates = ["https://kv.vault.azure.net/secrets/authcert/abc123"];
        assert.deepEqual(runResourcePolicy("kv-extension-versionless-secret-url", resourceArgs(POOL, "certpool-pool", poolInputs(good))), []);
        const messages = runResourcePolicy("kv-extension-versionless-secret-url", resourceArgs(POOL, "certpool-pool", poolInputs(bad)));
        assert.equal(messages.length, 1);
        assert.match(messages[0], /certpool-pool: .*abc123.*versionless/);
        assert.deepEqual(runResourcePolicy("kv-extension-versionless-secret-url", resourceArgs(VAULT, "certpool-vault", poolInputs(bad))), []);
    });

    void it("checks msiClientId against the identity the pool depends on, from the engine's outputs", () => {
        const p = compliantPlan(linux);
        const identityUrn = "urn:pulumi:dev::p::azure-native:managedidentity:UserAssignedIdentity::certpool-identity";
        const identity = {
            type: "azure-native:managedidentity:UserAssignedIdentity", name: "certpool-identity", urn: identityUrn,
            props: { clientId: CLIENT_ID, principalId: PRINCIPAL_ID }, dependencies: [], propertyDependencies: {},
        } as unknown as PolicyResource;
        const pool = (msi: string) => {
            const q = clonePlan(p);
            authSettings(q).msiClientId = msi;
            // The engine gives no identity resource ID here: the link is the property dependency.
            return {
                type: POOL, name: "certpool-pool", urn: "urn:pulumi:dev::p::azure-native:batch:Pool::certpool-pool",
                props: { ...poolInputs(q), identity: { type: "UserAssigned", userAssignedIdentities: ["unknown-id"] } },
                dependencies: [identity], propertyDependencies: { identity: [identity] },
            } as unknown as PolicyResource;
        };
        const run = (msi: string) => {
            const policy = policies.find((q) => q.name === "kv-extension-msi-client-id-attached");
            assert.ok(policy && "validateStack" in policy);
            const reported: { message: string; urn?: string }[] = [];
            const args = { resources: [identity, pool(msi)] } as unknown as StackValidationArgs;
            void policy.validateStack(args, (message, urn) => { reported.push({ message, urn }); });
            return reported;
        };
        assert.deepEqual(run(CLIENT_ID), []);
        const reported = run(OTHER_CLIENT_ID);
        assert.equal(reported.length, 1);
        assert.equal(reported[0].urn, "urn:pulumi:dev::p::azure-native:batch:Pool::certpool-pool");
        assert.match(reported[0].message, new RegExp(OTHER_CLIENT_ID));
    });
});

// ---- the CLI: npm run policy -- --plan FILE ----------------------------------

const TSX_CLI = require.resolve("tsx/cli");

function runPolicyCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [TSX_CLI, "policy/cli.ts", ...args], {
        cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writePlan(p: unknown, name = "plan.json"): string {
    const dir = mkdtempSync(path.join(tmpdir(), "policy-check-"));
    const file = path.join(dir, name);
    writeFileSync(file, typeof p === "string" ? p : JSON.stringify(p, null, 2));
    return file;
}

const VERSION = "8f5f3f491afd48cb99286ba2aacd39af";

function accessPolicy(p: PlanDocument, nameSuffix: string) {
    return p.resources.find((r) => r.type === "azure-native:keyvault:AccessPolicy" && r.name.endsWith(nameSuffix));
}

/** One way to break each mandatory rule, in any plan (Linux or Windows, access policies or RBAC). */
/** Gives the plan's vault a diagnostic setting or certificate events when it has none (the dev stack), so a break names one rule. */
function wireObservability(p: PlanDocument, what: "diagnostics" | "events"): void {
    const vault = findResource(p, VAULT);
    const vaultId = `/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/${String(vault.inputs.vaultName)}`;
    const added = (type: string, name: string, inputs: Record<string, unknown>) =>
        ({ ...vault, urn: vault.urn.replace(/\$[^$]*$/, `$${type}::${name}`), type, name, inputs, request: undefined });
    if (what === "diagnostics" && !p.resources.some((r) => r.type === DIAGNOSTIC)) {
        p.resources.push(added(DIAGNOSTIC, "certpool-vault-diagnostics", { ...vaultDiagnosticsInputs(), resourceUri: vaultId }));
    }
    if (what === "events" && !p.resources.some((r) => r.type === SUBSCRIPTION_TYPE)) {
        const { topic, subscription } = certificateEventsInputs();
        p.resources.push(added("azure-native:eventgrid:SystemTopic", "certpool-vault-events", { ...topic, source: vaultId }),
            added(SUBSCRIPTION_TYPE, "certpool-certificate-events", subscription));
    }
}

/** Any plan as a production stack that meets every production rule: tagged, observed, its vaults locked, no unencrypted account. */
function productionReady(p: PlanDocument): void {
    wireObservability(p, "diagnostics");
    wireObservability(p, "events");
    if (!p.resources.some((r) => r.type === "azure-native:authorization:ManagementLockByScope")) lockEveryVault(p);
    keepOtherProductionRules(p);
    tagProduction(p);
}

const MANDATORY_BREAKS: Record<string, (p: PlanDocument) => void> = {
    // A production stack (tags environment: prod) with every other production guardrail in place, and this one broken.
    "keyvault-delete-lock-production": (p) => { productionReady(p); withoutLock(p); },
    "batch-account-customer-managed-key-production": (p) => { productionReady(p); withAccount(false)(p); },
    "keyvault-diagnostic-settings-production": (p) => { productionReady(p); withoutType(DIAGNOSTIC)(p); },
    "keyvault-certificate-events-production": (p) => { productionReady(p); withoutType(SUBSCRIPTION_TYPE)(p); },
    "kv-extension-versionless-secret-url": (p) => {
        const settings = secretsSettings(p);
        settings.observedCertificates = (settings.observedCertificates as unknown[]).map((entry) =>
            typeof entry === "string" ? `${entry}/${VERSION}` : { ...(entry as Obj), url: `${String((entry as Obj).url)}/${VERSION}` });
    },
    "kv-extension-msi-client-id-set": (p) => { delete authSettings(p).msiClientId; },
    "kv-extension-msi-client-id-attached": (p) => { authSettings(p).msiClientId = OTHER_CLIENT_ID; },
    "kv-extension-matches-os": (p) => {
        extension(p).type = extension(p).type === "KeyVaultForLinux" ? "KeyVaultForWindows" : "KeyVaultForLinux";
    },
    "keyvault-access-policy-no-all-or-purge": (p) => {
        vaultProperties(p).accessPolicies = [{ tenantId: "t", objectId: "someone", permissions: { keys: ["purge"] } }];
    },
    "pool-identity-secret-read-only": (p) => {
        const identityAccess = accessPolicy(p, "identity-access");
        if (identityAccess) {
            (at(identityAccess.inputs, "policy", "permissions").secrets as string[]).push("set");
        } else {
            // Key Vault Administrator instead of Key Vault Secrets User.
            findResource(p, "azure-native:authorization:RoleAssignment", "identity-secrets-user").inputs.roleDefinitionId =
                "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483";
        }
    },
    "certificate-auto-renew": (p) => { delete certificate(p).renewal; },
    "certificate-rsa-min-2048": (p) => { Object.assign(certificate(p), { keyType: "RSA", keySize: 1024 }); },
    "certificate-key-exportable": (p) => { at(certRequestPolicy(p), "key_props").exportable = false; },
    "keyvault-soft-delete": (p) => { vaultProperties(p).enableSoftDelete = false; },
    // A firewall that names no subnet, and no private endpoint: the pools' nodes are locked out.
    "keyvault-deny-admits-pool-subnets": (p) => {
        vaultProperties(p).networkAcls = { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] };
        p.resources = p.resources.filter((r) => r.type !== "azure-native:network:PrivateEndpoint");
    },
};

void describe("npm run policy", () => {
    void it("has a break for every mandatory rule", () => {
        assert.deepEqual(Object.keys(MANDATORY_BREAKS).sort(),
            RULES.filter((r) => r.level === "mandatory").map((r) => r.name).sort());
    });

    for (const [rule, breakIt] of Object.entries(MANDATORY_BREAKS)) {
        void it(`fails the plan when ${rule} is broken, naming only that rule`, () => {
            const p = clonePlan(compliantPlan());
            breakIt(p);
            const mandatory = checkPlan(p).mandatory.map((v) => v.rule);
            assert.deepEqual([...new Set(mandatory)], [rule]);
        });
    }

    void it("exits 0 on a compliant plan and prints the verdict", () => {
        const result = runPolicyCli("--plan", writePlan(compliantPlan()));
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /policy check of fixture: passed: 0 mandatory violation\(s\), 0 advisory warning\(s\)/);
    });

    void it("exits 0 with warnings when only advisory rules fail", () => {
        const result = runPolicyCli("--plan", writePlan(compliantPlan(accessPolicies)));
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /WARNING \[keyvault-rbac-authorization\] certpool-vault: /);
        assert.doesNotMatch(result.stdout, /ERROR/);
    });

    void it("exits non-zero on a versioned secret URL, printing rule, resource and value", () => {
        const p = clonePlan(compliantPlan());
        MANDATORY_BREAKS["kv-extension-versionless-secret-url"](p);
        const result = runPolicyCli("--plan", writePlan(p));
        assert.equal(result.status, 1);
        assert.match(result.stdout, /ERROR \[kv-extension-versionless-secret-url\] certpool-pool: /);
        assert.match(result.stdout, /value: "https:\/\/kv-batch-dev\.vault\.azure\.net\/secrets\/authcert\/8f5f3f491afd48cb99286ba2aacd39af"/);
        assert.match(result.stdout, /FAILED: 1 mandatory violation/);
    });

    void it("exits non-zero when the key is not exportable in the rendered request", () => {
        const p = clonePlan(compliantPlan());
        MANDATORY_BREAKS["certificate-key-exportable"](p);
        const result = runPolicyCli("--plan", writePlan(p));
        assert.equal(result.status, 1);
        assert.match(result.stdout, /ERROR \[certificate-key-exportable\] certpool-cert-authcert: request body policy\.key_props\.exportable is false/);
    });

    void it("explains a missing plan file", () => {
        const result = runPolicyCli("--plan", path.join(tmpdir(), "no-such-plan.json"));
        assert.equal(result.status, 2);
        assert.match(result.stderr, /no-such-plan\.json does not exist; write it with `npm run plan -- --json/);
    });

    void it("explains a plan that is not JSON", () => {
        const result = runPolicyCli("--plan", writePlan("{ not json"));
        assert.equal(result.status, 2);
        assert.match(result.stderr, /is not valid JSON/);
    });

    void it("explains a JSON file that is not a plan", () => {
        const result = runPolicyCli("--plan", writePlan({ stack: "dev", resources: [{ name: "x" }] }));
        assert.equal(result.status, 2);
        assert.match(result.stderr, /resources\[0\]\.type is missing/);
    });

    void it("asks for --plan", () => {
        const result = runPolicyCli();
        assert.equal(result.status, 2);
        assert.match(result.stderr, /--plan FILE is required/);
    });
});

// ---- the real offline plans of every stack and example ------------------------

interface PlanTarget {
    label: string;
    options: { stack?: string; configFile?: string };
}

function planTargets(): PlanTarget[] {
    const stacks = readdirSync(REPO_ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.slice("Pulumi.".length, -".yaml".length));
    const examples = readdirSync(path.join(REPO_ROOT, "examples")).filter((f) => f.endsWith(".yaml"));
    return [
        ...stacks.map((stack) => ({ label: `stack ${stack}`, options: { stack } })),
        ...examples.map((file) => ({ label: `example ${file}`, options: { configFile: path.join(REPO_ROOT, "examples", file) } })),
    ];
}

const realPlans = new Map<string, Promise<PlanDocument>>();

/** Each target is planned once per run (about 2 s each); tests get their own copy to mutate. */
async function realPlan(target: PlanTarget): Promise<PlanDocument> {
    if (!realPlans.has(target.label)) realPlans.set(target.label, planStack({ ...target.options, projectDir: REPO_ROOT }));
    return clonePlan(await (realPlans.get(target.label) as Promise<PlanDocument>));
}

void describe("real offline plans", () => {
    const targets = planTargets();

    void it("cover the dev and prod stacks and both how-to examples", () => {
        const labels = targets.map((t) => t.label);
        for (const expected of ["stack dev", "stack prod", "example how-to-linux.yaml", "example how-to-windows.yaml"]) {
            assert.ok(labels.includes(expected), `${expected} is planned (found ${labels.join(", ")})`);
        }
    });

    for (const target of targets) {
        void it(`${target.label} passes every mandatory rule`, async () => {
            const report = checkPlan(await realPlan(target));
            assert.deepEqual(report.mandatory.map((v) => `${v.rule} ${v.resource}: ${v.message}`), []);
        });
    }

    void it("warns, without failing, that the Linux how-to uses a retired node agent", async () => {
        const target = targets.find((t) => t.label === "example how-to-linux.yaml");
        assert.ok(target);
        const report = checkPlan(await realPlan(target));
        assert.deepEqual(report.mandatory, []);
        assert.ok(report.advisory.some((v) => v.rule === "pool-node-agent-sku-not-retired" && v.value === "batch.node.ubuntu 20.04"),
            "advisory warning for batch.node.ubuntu 20.04");
    });

    for (const label of ["stack dev", "stack prod"]) {
        for (const [rule, breakIt] of Object.entries(MANDATORY_BREAKS)) {
            void it(`${label}: a plan broken for ${rule} fails that rule alone`, async () => {
                const target = targets.find((t) => t.label === label);
                assert.ok(target);
                const p = await realPlan(target);
                breakIt(p);
                assert.deepEqual([...new Set(checkPlan(p).mandatory.map((v) => v.rule))], [rule]);
            });
        }
    }

    void it("npm run policy exits non-zero on the dev plan with another identity's client ID", async () => {
        const target = targets.find((t) => t.label === "stack dev");
        assert.ok(target);
        const p = await realPlan(target);
        MANDATORY_BREAKS["kv-extension-msi-client-id-attached"](p);
        const result = runPolicyCli("--plan", writePlan(p));
        assert.equal(result.status, 1, result.stdout + result.stderr);
        assert.match(result.stdout, /ERROR \[kv-extension-msi-client-id-attached\] certpool-pool: /);
        assert.match(result.stdout, new RegExp(`value: "${OTHER_CLIENT_ID}"`));
    });
});

// ---- the pack as Pulumi runs it: `pulumi preview --policy-pack policy` ------------

void describe("policy pack under the Pulumi analyzer protocol", () => {
    void it("serves every rule with its level and blocks a versioned secret URL as mandatory", async () => {
        const { client, stop } = await startPolicyPack();
        try {
            const info = await call<AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb));
            assert.equal(info.getName(), POLICY_PACK_NAME);
            const served = Object.fromEntries(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]));
            const expected = Object.fromEntries(RULES.map((r) =>
                [r.name, r.level === "mandatory" ? EnforcementLevel.MANDATORY : EnforcementLevel.ADVISORY]));
            assert.deepEqual(served, expected);

            const analyze = (props: Obj) => analyzeResource(client, {
                type: POOL, name: "certpool-pool", urn: "urn:pulumi:dev::batch-cert-rotation::azure-native:batch:Pool::certpool-pool", properties: props,
            });
            const good = compliantPlan(linux);
            assert.deepEqual(await analyze(poolInputs(good)), []);
            const bad = clonePlan(good);
            MANDATORY_BREAKS["kv-extension-versionless-secret-url"](bad);
            const diagnostics = await analyze(poolInputs(bad));
            assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
            assert.equal(diagnostics[0].policy, "kv-extension-versionless-secret-url");
            assert.equal(diagnostics[0].level, EnforcementLevel.MANDATORY);
            assert.match(diagnostics[0].message, /8f5f3f491afd48cb99286ba2aacd39af/);
        } finally {
            stop();
        }
    });
});

void describe("several pools in one stack (pools:)", () => {
    void it("checks every pool of prod on its own: a fault in one pool is reported for that pool alone", async () => {
        const plan = await planStack({ stack: "prod" });
        const pools = plan.resources.filter((r) => r.type === POOL);
        assert.equal(pools.length, 2);
        assert.deepEqual(checkPlan(plan).mandatory, []);
        const bad = JSON.parse(JSON.stringify(plan)) as PlanDocument;
        const windows = bad.resources.find((r) => r.name === "certpool-pool-windows");
        assert.ok(windows?.request);
        const body = windows.request.body as { properties: { deploymentConfiguration: { virtualMachineConfiguration: { extensions: { settings: { secretsManagementSettings: { observedCertificates: { url: string }[] } } }[] } } } };
        const observed = body.properties.deploymentConfiguration.virtualMachineConfiguration.extensions[0].settings.secretsManagementSettings.observedCertificates;
        observed[0].url = `${observed[0].url}/0123456789abcdef0123456789abcdef`;
        const found = checkPlan(bad).mandatory;
        assert.deepEqual(found.map((v) => [v.rule, v.resource]), [["kv-extension-versionless-secret-url", "certpool-pool-windows"]]);
    });
});
