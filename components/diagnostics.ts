// Diagnostic settings (Azure Monitor): a resource's logs and metrics to the
// workspace, storage account or Event Hub the user names. One function for the
// vault (the component) and the Batch account (the stack program, which
// creates that account); adopted resources are their owners' to configure.

import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { diagnosticDestinationOf, type DiagnosticsSpec } from "./config/observability";

/** The setting's name on each resource; a resource holds at most five, each with its own name. */
export const DIAGNOSTIC_SETTING_NAME = "batch-cert-rotation";

/** The setting as azure-native takes it, apart from the resource: pure, so the plan and tests see the same. */
export function diagnosticSettingInputs(spec: DiagnosticsSpec): {
    name: string;
    workspaceId?: string;
    storageAccountId?: string;
    eventHubAuthorizationRuleId?: string;
    eventHubName?: string;
    logs: { categoryGroup: string; enabled: boolean }[];
    metrics?: { category: string; enabled: boolean }[];
} {
    const destination = diagnosticDestinationOf(spec.destination);
    // Validation refused anything else; reaching here without a destination is a bug, not bad input.
    if (destination === undefined) throw new Error(`diagnostics.destination ${JSON.stringify(spec.destination)} names no destination`);
    return {
        name: DIAGNOSTIC_SETTING_NAME,
        ...destination,
        ...(spec.eventHubName === undefined ? {} : { eventHubName: spec.eventHubName }),
        logs: [{ categoryGroup: spec.categoryGroup, enabled: true }],
        ...(spec.metrics ? { metrics: [{ category: "AllMetrics", enabled: true }] } : {}),
    };
}

/** Registers the diagnostic setting on one resource (the vault, the Batch account). */
export function createDiagnosticSetting(logicalName: string, spec: DiagnosticsSpec, resourceUri: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions): monitor.DiagnosticSetting {
    return new monitor.DiagnosticSetting(logicalName, { resourceUri, ...diagnosticSettingInputs(spec) }, opts);
}
