// Certificate events: an Event Grid system topic on the vault and one event
// subscription for this component's certificates. Key Vault reports only
// versions created after a subscription exists (Key Vault's Event Grid
// overview), so the caller makes the certificates wait for what this returns.

import * as pulumi from "@pulumi/pulumi";
import * as eventgrid from "@pulumi/azure-native/eventgrid";
import { type CertificateEventsSpec, type EventDestination, eventDestinationOf } from "./config/observability";

/** The system topic type Key Vault publishes under (EventGrid.json, SystemTopicProperties.topicType). */
export const KEY_VAULT_TOPIC_TYPE = "Microsoft.KeyVault.vaults";
/** The event's data field that holds the certificate's name (event-schema-key-vault.md: `data.ObjectName`). */
export const OBJECT_NAME_KEY = "data.ObjectName";

export interface CertificateEventsArgs {
    spec: CertificateEventsSpec;
    vaultId: pulumi.Input<string>;
    /** The vault's region: a system topic lives where its source does. */
    location: pulumi.Input<string>;
    resourceGroupName: pulumi.Input<string>;
    /** The certificate names the subscription lets through. */
    certificateNames: readonly string[];
    tags: Record<string, string>;
}

/** The subscription's destination and filter, as azure-native takes them: pure, so the plan and tests see the same. */
export function eventSubscriptionInputs(spec: CertificateEventsSpec, certificateNames: readonly string[]): {
    destination?: EventDestination;
    deliveryWithResourceIdentity?: { identity: { type: "SystemAssigned" }; destination: EventDestination };
    filter: { includedEventTypes: string[]; advancedFilters: { operatorType: "StringIn"; key: string; values: string[] }[] };
} {
    const destination = eventDestinationOf(spec.destination);
    // Validation refused anything else; reaching here without a destination is a bug, not bad input.
    if (destination === undefined) throw new Error(`certificateEvents.destination ${JSON.stringify(spec.destination)} names no destination`);
    const filter = {
        includedEventTypes: [...spec.eventTypes],
        // StringIn compares case-insensitively, as Key Vault treats object names.
        advancedFilters: [{ operatorType: "StringIn" as const, key: OBJECT_NAME_KEY, values: [...certificateNames] }],
    };
    return spec.managedIdentityDelivery
        ? { deliveryWithResourceIdentity: { identity: { type: "SystemAssigned" }, destination }, filter }
        : { destination, filter };
}

/** Registers the topic and the subscription; returns what the certificates must wait for. */
export function createCertificateEvents(name: string, args: CertificateEventsArgs, parent: pulumi.Resource): pulumi.Resource[] {
    const topic = new eventgrid.SystemTopic(`${name}-vault-events`, {
        // Named from configuration, so a redeploy and the offline plan agree.
        systemTopicName: `${name}-${pulumi.getStack()}-vault-events`,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        source: args.vaultId,
        topicType: KEY_VAULT_TOPIC_TYPE,
        // Delivery with a resource identity uses the topic's own system-assigned identity.
        ...(args.spec.managedIdentityDelivery ? { identity: { type: "SystemAssigned" } } : {}),
        tags: args.tags,
    }, { parent });
    const inputs = eventSubscriptionInputs(args.spec, args.certificateNames);
    const subscription = new eventgrid.SystemTopicEventSubscription(`${name}-certificate-events`, {
        eventSubscriptionName: `${name}-certificates`,
        systemTopicName: topic.name,
        resourceGroupName: args.resourceGroupName,
        ...inputs,
        // A webhook URL may carry a key in its query: keep it out of plain state.
        ...(inputs.destination?.endpointType === "WebHook"
            ? { destination: { ...inputs.destination, endpointUrl: pulumi.secret(inputs.destination.endpointUrl) } } : {}),
        eventDeliverySchema: "EventGridSchema",
    }, { parent });
    return [subscription];
}
