// Configuration of what the stack tells the outside world: certificate events
// through Event Grid (certificateEvents) and resource logs through Azure
// Monitor diagnostic settings (diagnostics). Each destination is named by the
// user, by resource ID or URL; the stack never creates a destination.

import { type At, bool, list, object, oneOf, type OutputOf, str } from "./kit";

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const NAME = "[^/\\s]+";
const GROUP = `^/subscriptions/${GUID}/resourceGroups/${NAME}/providers/`;

// ------------------------------------------------------------ certificate events

/** The certificate events Key Vault publishes to Event Grid (MicrosoftDocs azure-docs, articles/event-grid/event-schema-key-vault.md). */
export const CERTIFICATE_EVENT_TYPES = [
    "Microsoft.KeyVault.CertificateNewVersionCreated",
    "Microsoft.KeyVault.CertificateNearExpiry",
    "Microsoft.KeyVault.CertificateExpired",
] as const;
export type CertificateEventType = (typeof CERTIFICATE_EVENT_TYPES)[number];

/** Event Grid's `StringIn` advanced filter takes at most 25 values (Event Grid limits). */
export const MAX_FILTER_VALUES = 25;

/**
 * Event Grid's destination for a resource ID, by the ID's type (the
 * `endpointType` discriminator of EventGrid.json 2025-02-15). A Storage queue
 * is named by its queue's ID; Event Grid wants the account's ID and the queue
 * name apart.
 */
export type EventDestination =
    | { endpointType: "WebHook"; endpointUrl: string }
    | { endpointType: "EventHub"; resourceId: string }
    | { endpointType: "ServiceBusQueue"; resourceId: string }
    | { endpointType: "ServiceBusTopic"; resourceId: string }
    | { endpointType: "StorageQueue"; resourceId: string; queueName: string };

const DESTINATION_IDS: readonly { pattern: RegExp; to: (m: RegExpExecArray) => EventDestination }[] = [
    {
        pattern: new RegExp(`${GROUP}Microsoft\\.EventHub/namespaces/${NAME}/eventhubs/${NAME}$`, "i"),
        to: (m) => ({ endpointType: "EventHub", resourceId: m[0] }),
    },
    {
        pattern: new RegExp(`${GROUP}Microsoft\\.ServiceBus/namespaces/${NAME}/queues/${NAME}$`, "i"),
        to: (m) => ({ endpointType: "ServiceBusQueue", resourceId: m[0] }),
    },
    {
        pattern: new RegExp(`${GROUP}Microsoft\\.ServiceBus/namespaces/${NAME}/topics/${NAME}$`, "i"),
        to: (m) => ({ endpointType: "ServiceBusTopic", resourceId: m[0] }),
    },
    {
        pattern: new RegExp(`^(${GROUP.slice(1)}Microsoft\\.Storage/storageAccounts/${NAME})/queueServices/default/queues/(${NAME})$`, "i"),
        to: (m) => ({ endpointType: "StorageQueue", resourceId: m[1], queueName: m[2] }),
    },
];

const DESTINATION_RULE = "must be an HTTPS URL (a webhook) or the resource ID of an Event Hub " +
    "(.../Microsoft.EventHub/namespaces/<ns>/eventhubs/<hub>), a Service Bus queue (.../Microsoft.ServiceBus/namespaces/<ns>/queues/<queue>) " +
    "or topic (.../topics/<topic>), or a Storage queue (.../Microsoft.Storage/storageAccounts/<account>/queueServices/default/queues/<queue>)";

/** The Event Grid destination a configured value names; undefined when it names none this component supports. */
export function eventDestinationOf(value: string): EventDestination | undefined {
    if (/^https:\/\/[^/\s]+/i.test(value)) {
        try {
            return new URL(value).protocol === "https:" ? { endpointType: "WebHook", endpointUrl: value } : undefined;
        } catch {
            return undefined;
        }
    }
    for (const { pattern, to } of DESTINATION_IDS) {
        const m = pattern.exec(value);
        if (m) return to(m);
    }
    return undefined;
}

export const certificateEventsSchema = object({
    destination: str({
        docs: {
            description: "Where Event Grid delivers the events: a webhook's HTTPS URL, or the resource ID of an Event Hub, " +
                "a Service Bus queue or topic, or a Storage queue. The destination must exist; a webhook must answer " +
                "Event Grid's validation handshake when the subscription is created ([Operations](operations.md#certificate-events)).",
            rule: "`https://...` or a resource ID of one of those four types",
        },
        required: "where Event Grid delivers the certificate events",
        rules: [(value) => eventDestinationOf(value) === undefined ? DESTINATION_RULE : undefined],
    }),
    eventTypes: list(oneOf(CERTIFICATE_EVENT_TYPES, { docs: { description: "A certificate event type." } }), {
        docs: { description: "The events delivered.", shownDefault: "all three" },
        // The kit types list defaults as empty lists; this one is a full list of valid items, resolved like any value.
        default: [...CERTIFICATE_EVENT_TYPES] as never[],
        notList: `must be a list of ${CERTIFICATE_EVENT_TYPES.join(" | ")}`,
        notEmpty: `must name at least one of ${CERTIFICATE_EVENT_TYPES.join(", ")}`,
        relations: [(items, at) => {
            items.forEach((item, i) => {
                if (item !== undefined && items.indexOf(item) !== i) at.index(i).fail(item, `repeats ${at.path}[${items.indexOf(item)}]`);
            });
        }],
    }),
    managedIdentityDelivery: bool({
        docs: {
            description: "Deliver with the system topic's own system-assigned identity instead of keys or a SAS in the destination " +
                "(Event Hub, Service Bus, Storage queue only). The identity needs a data-sender role on the destination, " +
                "which the owner of the destination grants ([Operations](operations.md#certificate-events)).",
        },
        default: false,
    }),
}, {
    docs: {
        description: "Certificate events: an Event Grid system topic on the vault and one subscription, filtered to this " +
            "stack's certificates, created before the certificates. Empty (the default): no events.",
    },
    emptyIsAbsent: true,
    relations: [(events, at) => {
        if (events.managedIdentityDelivery === true && events.destination !== undefined &&
            eventDestinationOf(events.destination)?.endpointType === "WebHook") {
            at.key("managedIdentityDelivery").fail(true,
                "applies only to an Event Hub, Service Bus or Storage queue destination; Event Grid delivers to a webhook without an identity");
        }
    }],
});

export type CertificateEventsSpec = OutputOf<typeof certificateEventsSchema>;

/** A relation of the root: the filter names every certificate, within Event Grid's limit. */
export function certificateEventsFitFilter(config: { certificateEvents?: CertificateEventsSpec; certificates?: readonly unknown[] }, at: At): void {
    const count = config.certificates?.length ?? 0;
    if (config.certificateEvents !== undefined && count > MAX_FILTER_VALUES) {
        at.key("certificateEvents").problem(`filters on each certificate's name, at most ${MAX_FILTER_VALUES} (Event Grid's StringIn limit); ` +
            `the stack has ${count} certificates`);
    }
}

// ------------------------------------------------------------ diagnostic settings

export const DIAGNOSTIC_CATEGORY_GROUPS = ["audit", "allLogs"] as const;

/** Azure Monitor's destination for a resource ID (diagnosticsSettings_API.json 2021-05-01-preview, DiagnosticSettings). */
export type DiagnosticDestination =
    | { workspaceId: string }
    | { storageAccountId: string }
    | { eventHubAuthorizationRuleId: string };

const WORKSPACE_ID = new RegExp(`${GROUP}Microsoft\\.OperationalInsights/workspaces/${NAME}$`, "i");
const STORAGE_ID = new RegExp(`${GROUP}Microsoft\\.Storage/storageAccounts/${NAME}$`, "i");
const EVENT_HUB_RULE_ID = new RegExp(`${GROUP}Microsoft\\.EventHub/namespaces/${NAME}/authorizationRules/${NAME}$`, "i");

export function diagnosticDestinationOf(id: string): DiagnosticDestination | undefined {
    if (WORKSPACE_ID.test(id)) return { workspaceId: id };
    if (STORAGE_ID.test(id)) return { storageAccountId: id };
    if (EVENT_HUB_RULE_ID.test(id)) return { eventHubAuthorizationRuleId: id };
    return undefined;
}

export const diagnosticsSchema = object({
    destination: str({
        docs: {
            description: "Where the logs and metrics go: a Log Analytics workspace, a storage account, or an Event Hubs " +
                "namespace's authorization rule, by resource ID. The stack never creates it.",
            rule: "`.../Microsoft.OperationalInsights/workspaces/<name>`, `.../Microsoft.Storage/storageAccounts/<name>` or " +
                "`.../Microsoft.EventHub/namespaces/<ns>/authorizationRules/<rule>`",
        },
        required: "the resource ID of the Log Analytics workspace, storage account or Event Hubs authorization rule",
        rules: [(id) => diagnosticDestinationOf(id) === undefined
            ? "must be the resource ID of a Log Analytics workspace (.../Microsoft.OperationalInsights/workspaces/<name>), " +
                "a storage account (.../Microsoft.Storage/storageAccounts/<name>) or an Event Hubs authorization rule " +
                "(.../Microsoft.EventHub/namespaces/<ns>/authorizationRules/<rule>)"
            : undefined],
    }),
    eventHubName: str({
        docs: { description: "With an Event Hubs authorization rule: the event hub; absent, Azure Monitor creates one per category." },
        pattern: [/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,255}$/, "must be an event hub name: letters, digits, '.', '-' and '_'"],
    }),
    categoryGroup: oneOf(DIAGNOSTIC_CATEGORY_GROUPS, {
        docs: {
            description: "Which resource logs: `audit` (on a vault, `AuditEvent`: every data-plane access, which Azure Policy's " +
                "built-in cf820ca0 asks for) or `allLogs` (adds the vault's Azure Policy evaluation logs and every Batch account category).",
        },
        default: "audit",
    }),
    metrics: bool({
        docs: { description: "Also send the platform metrics (`AllMetrics`): vault availability and latency, Batch node and task counts." },
        default: true,
    }),
}, {
    docs: {
        description: "Diagnostic settings on the vault the component creates and on the Batch account the stack creates " +
            "(adopted ones are their owners' to configure). Empty (the default): none.",
    },
    emptyIsAbsent: true,
    relations: [(diagnostics, at) => {
        if (diagnostics.eventHubName !== undefined && diagnostics.destination !== undefined &&
            !("eventHubAuthorizationRuleId" in (diagnosticDestinationOf(diagnostics.destination) ?? {}))) {
            at.key("eventHubName").fail(diagnostics.eventHubName, "applies only to an Event Hubs authorization rule destination");
        }
    }],
});

export type DiagnosticsSpec = OutputOf<typeof diagnosticsSchema>;
