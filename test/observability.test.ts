// Certificate events (Event Grid) and diagnostic settings (Azure Monitor): the
// configuration refuses bad destinations in one line naming the field; the
// component registers the system topic and its subscription before the
// certificates, and diagnostic settings on what the stack creates; every
// rendered request satisfies the Event Grid and Monitor specs.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CertRotationPool, type CertRotationPoolArgs } from "../components/certRotationPool";
import { AZURE_TYPES, CERTIFICATE_TYPE } from "../components/azureFacts";
import { CERTIFICATE_EVENT_TYPES, eventDestinationOf } from "../components/config/observability";
import { eventSubscriptionInputs } from "../components/certificateEvents";
import { diagnosticSettingInputs } from "../components/diagnostics";
import { validateConfig } from "../components/validation";
import { configFromValues } from "../tools/plan/config";
import { FAKE_SUBSCRIPTION_ID } from "../tools/plan/mocks";
import { planLoaded, planStack } from "../tools/plan/run";
import { renderRequest } from "../tools/plan/render";
import { checkCall, loadBoundSpecs, SPEC_BINDINGS } from "../tools/swagger/planRequests";
import type { SpecValidator } from "../tools/swagger/specValidator";
import type { PlanDocument } from "../policy/planDocument";
import { fixturePath, REPO_ROOT } from "./fixtures";
import * as pulumi from "@pulumi/pulumi";
import { problems } from "./support/refusal";

const SUB = "00000000-0000-0000-0000-000000000000";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-mon/providers`;
const EVENT_HUB = `${RG}/Microsoft.EventHub/namespaces/ns1/eventhubs/hub1`;
const SB_QUEUE = `${RG}/Microsoft.ServiceBus/namespaces/sb1/queues/q1`;
const SB_TOPIC = `${RG}/Microsoft.ServiceBus/namespaces/sb1/topics/t1`;
const STORAGE = `${RG}/Microsoft.Storage/storageAccounts/st1`;
const STORAGE_QUEUE = `${STORAGE}/queueServices/default/queues/certs`;
const WORKSPACE = `${RG}/Microsoft.OperationalInsights/workspaces/log1`;
const EH_RULE = `${RG}/Microsoft.EventHub/namespaces/ns1/authorizationRules/RootManageSharedAccessKey`;

const base = (extra: Record<string, unknown>): Record<string, unknown> => ({
    certificates: [{ name: "authcert", subject: "CN=batch.example.com" }],
    pool: { vmSize: "Standard_D2s_v5", image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" },
    ...extra,
});

const DESTINATION_RULE = "must be an HTTPS URL (a webhook) or the resource ID of an Event Hub " +
    "(.../Microsoft.EventHub/namespaces/<ns>/eventhubs/<hub>), a Service Bus queue (.../Microsoft.ServiceBus/namespaces/<ns>/queues/<queue>) " +
    "or topic (.../topics/<topic>), or a Storage queue (.../Microsoft.Storage/storageAccounts/<account>/queueServices/default/queues/<queue>)";

describe("certificateEvents and diagnostics configuration: bad input refused in one line naming the field", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["an http URL", { certificateEvents: { destination: "http://hooks.example.com/kv" } },
            `certificateEvents.destination: "http://hooks.example.com/kv" ${DESTINATION_RULE}`],
        ["a storage account without a queue", { certificateEvents: { destination: STORAGE } },
            `certificateEvents.destination: "${STORAGE}" ${DESTINATION_RULE}`],
        ["an Event Hubs namespace, not a hub", { certificateEvents: { destination: `${RG}/Microsoft.EventHub/namespaces/ns1` } },
            `certificateEvents.destination: "${RG}/Microsoft.EventHub/namespaces/ns1" ${DESTINATION_RULE}`],
        ["a name, not an ID", { certificateEvents: { destination: "hub1" } }, `certificateEvents.destination: "hub1" ${DESTINATION_RULE}`],
        ["no destination", { certificateEvents: { eventTypes: ["Microsoft.KeyVault.CertificateExpired"] } },
            "certificateEvents.destination: is required (where Event Grid delivers the certificate events)"],
        ["a secret event type", { certificateEvents: { destination: EVENT_HUB, eventTypes: ["Microsoft.KeyVault.SecretExpired"] } },
            `certificateEvents.eventTypes[0]: "Microsoft.KeyVault.SecretExpired" is not one of ${CERTIFICATE_EVENT_TYPES.join(", ")}`],
        ["no event type", { certificateEvents: { destination: EVENT_HUB, eventTypes: [] } },
            `certificateEvents.eventTypes: [] must name at least one of ${CERTIFICATE_EVENT_TYPES.join(", ")}`],
        ["a repeated event type", {
            certificateEvents: { destination: EVENT_HUB, eventTypes: ["Microsoft.KeyVault.CertificateExpired", "Microsoft.KeyVault.CertificateExpired"] },
        }, 'certificateEvents.eventTypes[1]: "Microsoft.KeyVault.CertificateExpired" repeats certificateEvents.eventTypes[0]'],
        ["identity delivery to a webhook", { certificateEvents: { destination: "https://hooks.example.com/kv", managedIdentityDelivery: true } },
            "certificateEvents.managedIdentityDelivery: true applies only to an Event Hub, Service Bus or Storage queue destination; " +
            "Event Grid delivers to a webhook without an identity"],
        ["a typo in a key", { certificateEvents: { destination: EVENT_HUB, evenTypes: [] } },
            'certificateEvents.evenTypes: unknown key; did you mean "eventTypes"?'],
        ["a diagnostics destination of another type", { diagnostics: { destination: EVENT_HUB } },
            `diagnostics.destination: "${EVENT_HUB}" must be the resource ID of a Log Analytics workspace (.../Microsoft.OperationalInsights/workspaces/<name>), ` +
            "a storage account (.../Microsoft.Storage/storageAccounts/<name>) or an Event Hubs authorization rule " +
            "(.../Microsoft.EventHub/namespaces/<ns>/authorizationRules/<rule>)"],
        ["an unknown category group", { diagnostics: { destination: WORKSPACE, categoryGroup: "AuditEvent" } },
            'diagnostics.categoryGroup: "AuditEvent" is not one of audit, allLogs'],
        ["an event hub name without an Event Hubs destination", { diagnostics: { destination: WORKSPACE, eventHubName: "logs" } },
            'diagnostics.eventHubName: "logs" applies only to an Event Hubs authorization rule destination'],
    ];
    for (const [what, extra, message] of cases) {
        it(what, () => assert.deepEqual(problems(base(extra)), [message]));
    }

    it("more certificates than Event Grid's filter takes", () => {
        const certificates = Array.from({ length: 26 }, (_, i) => ({ name: `c${i}`, subject: `CN=c${i}` }));
        assert.deepEqual(problems(base({ certificates, certificateEvents: { destination: EVENT_HUB } })), [
            "certificateEvents: filters on each certificate's name, at most 25 (Event Grid's StringIn limit); the stack has 26 certificates",
        ]);
    });

    it("defaults: all three event types, no identity delivery; audit logs and metrics", () => {
        const { config } = validateConfig(base({ certificateEvents: { destination: EVENT_HUB }, diagnostics: { destination: WORKSPACE } }));
        assert.deepEqual(config.certificateEvents, { destination: EVENT_HUB, eventTypes: [...CERTIFICATE_EVENT_TYPES], managedIdentityDelivery: false });
        assert.deepEqual(config.diagnostics, { destination: WORKSPACE, eventHubName: undefined, categoryGroup: "audit", metrics: true });
        assert.equal(validateConfig(base({ certificateEvents: {}, diagnostics: {} })).config.certificateEvents, undefined, "{} is absent");
    });
});

describe("destinations map to Event Grid's endpoint types and Azure Monitor's fields", () => {
    it("each resource ID type and an HTTPS URL", () => {
        assert.deepEqual(eventDestinationOf(EVENT_HUB), { endpointType: "EventHub", resourceId: EVENT_HUB });
        assert.deepEqual(eventDestinationOf(SB_QUEUE), { endpointType: "ServiceBusQueue", resourceId: SB_QUEUE });
        assert.deepEqual(eventDestinationOf(SB_TOPIC), { endpointType: "ServiceBusTopic", resourceId: SB_TOPIC });
        assert.deepEqual(eventDestinationOf(STORAGE_QUEUE), { endpointType: "StorageQueue", resourceId: STORAGE, queueName: "certs" });
        assert.deepEqual(eventDestinationOf("https://hooks.example.com/kv?code=x"), { endpointType: "WebHook", endpointUrl: "https://hooks.example.com/kv?code=x" });
        assert.equal(eventDestinationOf("https://"), undefined);
    });

    it("identity delivery moves the destination under deliveryWithResourceIdentity; the filter names the certificates", () => {
        const spec = { destination: SB_TOPIC, eventTypes: ["Microsoft.KeyVault.CertificateNearExpiry" as const], managedIdentityDelivery: true };
        assert.deepEqual(eventSubscriptionInputs(spec, ["a", "b"]), {
            deliveryWithResourceIdentity: { identity: { type: "SystemAssigned" }, destination: { endpointType: "ServiceBusTopic", resourceId: SB_TOPIC } },
            filter: {
                includedEventTypes: ["Microsoft.KeyVault.CertificateNearExpiry"],
                advancedFilters: [{ operatorType: "StringIn", key: "data.ObjectName", values: ["a", "b"] }],
            },
        });
    });

    it("diagnostic settings: each destination type, the category group, metrics on or off", () => {
        assert.deepEqual(diagnosticSettingInputs({ destination: EH_RULE, eventHubName: "logs", categoryGroup: "allLogs", metrics: false }), {
            name: "batch-cert-rotation", eventHubAuthorizationRuleId: EH_RULE, eventHubName: "logs", logs: [{ categoryGroup: "allLogs", enabled: true }],
        });
        assert.deepEqual(diagnosticSettingInputs({ destination: STORAGE, eventHubName: undefined, categoryGroup: "audit", metrics: true }), {
            name: "batch-cert-rotation", storageAccountId: STORAGE, logs: [{ categoryGroup: "audit", enabled: true }],
            metrics: [{ category: "AllMetrics", enabled: true }],
        });
    });
});

async function componentPlan(a: Partial<CertRotationPoolArgs>): Promise<PlanDocument> {
    return planLoaded(configFromValues("batch-cert-rotation", "test", "<test>", {}), async () => {
        const c = new CertRotationPool("rot", {
            location: "westus2",
            resourceGroupName: "rg-test",
            batchAccount: { name: "batchacct", resourceGroupName: "rg-batch" },
            certificates: [{ name: "web", subject: "CN=web.example.com" }, { name: "api", subject: "CN=api.example.com" }],
            pool: { vmSize: "Standard_D2s_v5", image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" }, nodeAgentSkuId: "batch.node.ubuntu 24.04" },
            ...a,
        });
        return { vaultId: c.vaultId };
    });
}

describe("the component with certificate events and diagnostics", () => {
    let p: PlanDocument;
    before(async () => {
        p = await componentPlan({ certificateEvents: { destination: STORAGE_QUEUE }, diagnostics: { destination: WORKSPACE } });
    });

    it("registers the vault's diagnostic setting after the vault, and the topic and subscription before the certificates", () => {
        const names = p.resources.map((r) => `${r.type} ${r.name}`);
        const at = (entry: string): number => {
            const i = names.indexOf(entry);
            assert.ok(i >= 0, `${entry} is not registered: ${names.join(", ")}`);
            return i;
        };
        assert.ok(at(`${AZURE_TYPES.vault} rot-vault`) < at(`${AZURE_TYPES.diagnosticSetting} rot-vault-diagnostics`));
        assert.ok(at(`${AZURE_TYPES.systemTopic} rot-vault-events`) < at(`${AZURE_TYPES.systemTopicEventSubscription} rot-certificate-events`));
        assert.ok(at(`${AZURE_TYPES.systemTopicEventSubscription} rot-certificate-events`) < at(`${CERTIFICATE_TYPE} rot-cert-web`));
        for (const r of p.resources.filter((x) => x.type !== "batch-cert-rotation:index:CertRotationPool")) {
            assert.match(String(r.parent), /CertRotationPool::rot$/, `${r.name} is parented to the component`);
        }
    });

    it("every certificate depends on the event subscription (Event Grid reports only versions created after it exists)", () => {
        for (const cert of p.resources.filter((r) => r.type === CERTIFICATE_TYPE)) {
            assert.ok(cert.dependsOn.some((urn) => urn.endsWith("SystemTopicEventSubscription::rot-certificate-events")),
                `${cert.name} waits for: ${cert.dependsOn.join(", ")}`);
        }
        const subscription = p.resources.find((r) => r.type === AZURE_TYPES.systemTopicEventSubscription);
        assert.ok(subscription?.dependsOn.some((urn) => urn.endsWith("SystemTopic::rot-vault-events")), "the subscription waits for its topic");
    });

    it("the topic watches the vault in its region; the subscription filters on this component's certificates", () => {
        const topic = p.resources.find((r) => r.type === AZURE_TYPES.systemTopic);
        const vault = p.resources.find((r) => r.type === AZURE_TYPES.vault);
        assert.deepEqual(topic?.inputs, {
            systemTopicName: "rot-test-vault-events",
            resourceGroupName: "rg-test",
            location: "westus2",
            source: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-test/providers/Microsoft.KeyVault/vaults/${String(vault?.inputs.vaultName)}`,
            topicType: "Microsoft.KeyVault.vaults",
            tags: {},
        });
        const subscription = p.resources.find((r) => r.type === AZURE_TYPES.systemTopicEventSubscription);
        assert.deepEqual(subscription?.request?.body, {
            properties: {
                eventDeliverySchema: "EventGridSchema",
                destination: { endpointType: "StorageQueue", properties: { resourceId: STORAGE, queueName: "certs" } },
                filter: {
                    includedEventTypes: [...CERTIFICATE_EVENT_TYPES],
                    advancedFilters: [{ operatorType: "StringIn", key: "data.ObjectName", values: ["web", "api"] }],
                    isSubjectCaseSensitive: false,
                },
            },
        });
    });

    it("an adopted vault gets events but no diagnostic setting from the stack", async () => {
        const adopted = await componentPlan({
            keyVault: { id: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/vaults/providers/Microsoft.KeyVault/vaults/sharedkv` },
            certificateEvents: { destination: EVENT_HUB },
            diagnostics: { destination: WORKSPACE },
        });
        const types = adopted.resources.map((r) => r.type);
        assert.ok(!types.includes(AZURE_TYPES.diagnosticSetting));
        const topic = adopted.resources.find((r) => r.type === AZURE_TYPES.systemTopic);
        assert.equal(topic?.inputs.location, "westus2", "the adopted vault's own region");
        assert.equal(topic?.inputs.resourceGroupName, "vaults", "beside the adopted vault");
    });

    it("a webhook URL is kept secret in the subscription's inputs", async () => {
        const hooked = await componentPlan({ certificateEvents: { destination: "https://hooks.example.com/kv?code=k" } });
        const subscription = hooked.resources.find((r) => r.type === AZURE_TYPES.systemTopicEventSubscription);
        assert.notEqual((subscription?.inputs.destination as { endpointUrl?: unknown }).endpointUrl, "https://hooks.example.com/kv?code=k");
    });
});

describe("the stacks: dev stays minimal, prod has events and diagnostics", () => {
    it("dev registers no Event Grid or Monitor resource; prod registers the topic, the subscription and two diagnostic settings", async () => {
        const dev = await planStack({ stack: "dev", projectDir: REPO_ROOT });
        await pulumi.runtime.disconnect();
        const prod = await planStack({ stack: "prod", projectDir: REPO_ROOT });
        await pulumi.runtime.disconnect();
        const observed = (plan: PlanDocument): string[] => plan.resources
            .filter((r) => /^azure-native:(eventgrid|monitor):/.test(r.type)).map((r) => `${r.type} ${r.name}`);
        assert.deepEqual(observed(dev), []);
        assert.deepEqual(observed(prod), [
            "azure-native:monitor:DiagnosticSetting batch-diagnostics",
            "azure-native:monitor:DiagnosticSetting certpool-vault-diagnostics",
            "azure-native:eventgrid:SystemTopic certpool-vault-events",
            "azure-native:eventgrid:SystemTopicEventSubscription certpool-certificate-events",
        ]);
        const batchSetting = prod.resources.find((r) => r.name === "batch-diagnostics");
        assert.deepEqual(batchSetting?.dependsOn, ["urn:pulumi:prod::batch-cert-rotation::azure-native:batch:BatchAccount::batch"],
            "on the Batch account the stack creates");
    });
});

describe("the rendered requests against the Event Grid and Monitor specs", () => {
    let specs: SpecValidator;
    before(async () => {
        specs = await loadBoundSpecs(fixturePath("specs"));
    });
    const binding = (type: string) => {
        const found = SPEC_BINDINGS.find((b) => b.resourceType === type);
        assert.ok(found, `no binding for ${type}`);
        return found;
    };
    const subscriptionCall = (destination: string, managedIdentityDelivery = false) => {
        const request = renderRequest(AZURE_TYPES.systemTopicEventSubscription, {
            eventSubscriptionName: "rot-certificates",
            systemTopicName: "rot-test-vault-events",
            resourceGroupName: "rg-test",
            eventDeliverySchema: "EventGridSchema",
            ...eventSubscriptionInputs({ destination, eventTypes: [...CERTIFICATE_EVENT_TYPES], managedIdentityDelivery }, ["web"]),
        }, SUB);
        assert.ok(request);
        return request;
    };

    for (const [what, destination, identity] of [
        ["webhook", "https://hooks.example.com/kv", false], ["Event Hub", EVENT_HUB, true], ["Service Bus queue", SB_QUEUE, false],
        ["Service Bus topic", SB_TOPIC, true], ["Storage queue", STORAGE_QUEUE, true],
    ] as const) {
        it(`a subscription to a ${what}${identity ? " with identity delivery" : ""} is valid`, async () => {
            assert.deepEqual(await checkCall(specs, binding(AZURE_TYPES.systemTopicEventSubscription), subscriptionCall(destination, identity)), []);
        });
    }

    it("an endpoint type Event Grid doesn't know is refused, so the check can fail", async () => {
        const call = subscriptionCall(EVENT_HUB);
        const props = call.body.properties as { destination: { endpointType: string } };
        props.destination.endpointType = "Kafka";
        const found = await checkCall(specs, binding(AZURE_TYPES.systemTopicEventSubscription), call);
        assert.ok(found.some((line) => /Kafka/.test(line)), found.join("\n"));
    });

    it("a diagnostic setting to each destination is valid; `enabled` as a string is refused", async () => {
        for (const destination of [WORKSPACE, STORAGE, EH_RULE]) {
            const request = renderRequest(AZURE_TYPES.diagnosticSetting, {
                resourceUri: `${RG}/Microsoft.KeyVault/vaults/kv1`,
                ...diagnosticSettingInputs({ destination, eventHubName: undefined, categoryGroup: "allLogs", metrics: true }),
            }, SUB);
            assert.ok(request);
            assert.deepEqual(await checkCall(specs, binding(AZURE_TYPES.diagnosticSetting), request), [], destination);
            ((request.body.properties as { logs: { enabled: unknown }[] }).logs[0]).enabled = "true";
            assert.notDeepEqual(await checkCall(specs, binding(AZURE_TYPES.diagnosticSetting), request), [], destination);
        }
    });
});
