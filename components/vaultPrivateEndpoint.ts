// The vault's private endpoint and the DNS that makes nodes resolve the vault's
// usual name to it: the endpoint (group `vault`), and unless the user brings a
// zone, the private DNS zone `privatelink.vaultcore.<cloud suffix>`, its link
// to the endpoint's virtual network, and the zone group that registers the
// endpoint's address in the zone. The certificates and the pool depend on all
// of them: a node that boots before the name resolves privately fails its first
// sync, and a deployer inside the network can't create certificates before.

import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { privateDnsZoneForRegion, virtualNetworkOf } from "./network";

export interface VaultPrivateEndpointArgs {
    /** Plain: whether a zone is created follows from it. */
    endpoint: { subnetId: string; privateDnsZoneId?: string };
    /** Azure names of the endpoint and the zone link, stable per stack. */
    endpointName: string;
    linkName: string;
    vaultId: pulumi.Input<string>;
    vaultUri: pulumi.Input<string>;
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    tags: Record<string, string>;
}

/** Creates the endpoint and its DNS as children of `parent`; returns what must exist before the vault is used. */
export function createVaultPrivateEndpoint(name: string, args: VaultPrivateEndpointArgs, parent: pulumi.Resource): pulumi.Resource[] {
    const child: pulumi.CustomResourceOptions = { parent };
    const endpoint = new network.PrivateEndpoint(`${name}-vault-endpoint`, {
        privateEndpointName: args.endpointName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
        subnet: { id: args.endpoint.subnetId },
        privateLinkServiceConnections: [{ name: args.endpointName, privateLinkServiceId: args.vaultId, groupIds: ["vault"] }],
    }, child);

    const created: pulumi.Resource[] = [endpoint];
    let zoneId: pulumi.Input<string>;
    if (args.endpoint.privateDnsZoneId !== undefined) {
        zoneId = args.endpoint.privateDnsZoneId;
    } else {
        // The zone's name follows the region's cloud, so a sovereign cloud gets its own zone.
        const zone = new privatedns.PrivateZone(`${name}-vault-dns`, {
            privateZoneName: pulumi.output(args.location).apply(privateDnsZoneForRegion),
            resourceGroupName: args.resourceGroupName,
            // Private DNS zones are global resources.
            location: "Global",
            tags: args.tags,
        }, child);
        const link = new privatedns.VirtualNetworkLink(`${name}-vault-dns-link`, {
            virtualNetworkLinkName: args.linkName,
            privateZoneName: zone.name,
            resourceGroupName: args.resourceGroupName,
            location: "Global",
            tags: args.tags,
            virtualNetwork: { id: virtualNetworkOf(args.endpoint.subnetId) },
            // Nodes only resolve the vault here; they must not register their own records.
            registrationEnabled: false,
        }, child);
        zoneId = zone.id;
        created.push(zone, link);
    }
    const zoneGroup = new network.PrivateDnsZoneGroup(`${name}-vault-dns-group`, {
        privateDnsZoneGroupName: "default",
        privateEndpointName: endpoint.name,
        resourceGroupName: args.resourceGroupName,
        privateDnsZoneConfigs: [{ name: "vault", privateDnsZoneId: zoneId }],
    }, child);
    created.push(zoneGroup);
    return created;
}
