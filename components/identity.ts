// The user-assigned managed identity the nodes sign in as: adopted by resource
// ID, or created with a fixed name so a redeploy and the offline plan agree.
import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { parseResourceId } from "./naming";

export interface NodeIdentity {
    id: pulumi.Output<string>;
    clientId: pulumi.Output<string>;
    principalId: pulumi.Output<string>;
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
        return { id: pulumi.output(args.adopt.id), clientId: found.clientId, principalId: found.principalId };
    }
    const created = new managedidentity.UserAssignedIdentity(`${name}-identity`, {
        // Named, not auto-named, so a redeploy and the offline plan give the same name.
        resourceName: `${name}-${pulumi.getStack()}-identity`,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
    }, { parent });
    return { id: created.id, clientId: created.clientId, principalId: created.principalId };
}
