// The user-assigned managed identity the nodes sign in as: adopted by resource
// ID, or created with a fixed name so a redeploy and the offline plan agree.
import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { parseResourceId } from "./naming";

export interface NodeIdentity {
    id: pulumi.Output<string>;
    clientId: pulumi.Output<string>;
    principalId: pulumi.Output<string>;
    /**
     * What names the identity in configuration (its adopted resource ID, or the
     * name the component gives it): known in every preview, unlike its client
     * and principal IDs, so names that decide replacements hash this instead.
     */
    key: string;
}

export interface IdentityArgs {
    /** Adopt this identity (`identity.id` of the config); absent: create one. */
    adopt?: { id: string };
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    tags: Record<string, string>;
}

export function createIdentity(name: string, args: IdentityArgs, parent: pulumi.Resource): NodeIdentity {
    if (args.adopt) {
        const ref = parseResourceId(args.adopt.id);
        const found = managedidentity.getUserAssignedIdentityOutput(
            { resourceGroupName: ref.resourceGroupName, resourceName: ref.name }, { parent });
        return { id: pulumi.output(args.adopt.id), clientId: found.clientId, principalId: found.principalId, key: args.adopt.id };
    }
    const resourceName = `${name}-${pulumi.getStack()}-identity`;
    const created = new managedidentity.UserAssignedIdentity(`${name}-identity`, {
        // Named, not auto-named, so a redeploy and the offline plan give the same name.
        resourceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
    }, {
        parent,
        // Tags reach the identity when it is created, never by an update: azure-native's preview of an update
        // knows only name and location (provider.go Update), so a tag update would make the principal ID
        // unknown in that preview and every grant on it would show as replaced.
        ignoreChanges: ["tags"],
    });
    return { id: created.id, clientId: created.clientId, principalId: created.principalId, key: resourceName };
}
