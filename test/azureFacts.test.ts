// The type tokens the plan, the policy rules and the spec check match resources
// by are written once, in components/azureFacts.ts; here each is held to the
// token the azure-native class it stands for registers with, so an SDK rename
// fails a test instead of silently matching nothing.

import assert from "node:assert/strict";
import { it } from "node:test";
import * as authorization from "@pulumi/azure-native/authorization";
import * as batch from "@pulumi/azure-native/batch";
import * as eventgrid from "@pulumi/azure-native/eventgrid";
import * as monitor from "@pulumi/azure-native/monitor";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import { AZURE_TYPES } from "../components/azureFacts";

const CLASSES: Record<keyof typeof AZURE_TYPES, unknown> = {
    resourceGroup: resources.ResourceGroup,
    batchAccount: batch.BatchAccount,
    pool: batch.Pool,
    identity: managedidentity.UserAssignedIdentity,
    vault: keyvault.Vault,
    accessPolicy: keyvault.AccessPolicy,
    roleAssignment: authorization.RoleAssignment,
    privateEndpoint: network.PrivateEndpoint,
    privateDnsZoneGroup: network.PrivateDnsZoneGroup,
    privateZone: privatedns.PrivateZone,
    virtualNetworkLink: privatedns.VirtualNetworkLink,
    managementLock: authorization.ManagementLockByScope,
    key: keyvault.Key,
    systemTopic: eventgrid.SystemTopic,
    systemTopicEventSubscription: eventgrid.SystemTopicEventSubscription,
    diagnosticSetting: monitor.DiagnosticSetting,
};

it("each azure-native type token is the one its SDK class registers with", () => {
    // `__pulumiType` is the static each generated class passes to its CustomResource constructor.
    const registered = Object.fromEntries(Object.entries(CLASSES)
        .map(([key, cls]) => [key, (cls as { __pulumiType: string }).__pulumiType]));
    assert.deepEqual(registered, { ...AZURE_TYPES });
});
