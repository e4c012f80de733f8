// Pulumi serializes a dynamic provider's code when the resource is constructed,
// through a V8 inspector session over every script the process has loaded. In
// the offline plan that costs a third of the run (measured on dev: 0.45 s of
// 1.4 s) for text the plan leaves out (`presentable` drops `__provider`). The
// code is serialized for real where it runs: `pulumi up` in the engine suite,
// and the packed-package test, which loads the serialized provider.
import type * as pulumi from "@pulumi/pulumi";

/** What a KeyVaultCertificate carries as `__provider` in a process that skipped serialization. */
export const UNSERIALIZED_PROVIDER = "exports.handler = undefined; // not serialized: offline plan";

interface ClosureModule {
    serializeFunction: typeof pulumi.runtime.serializeFunction;
}

/**
 * Replaces the serializer the dynamic resource calls for the rest of the
 * process, and returns what puts it back. Pulumi caches a provider's serialized
 * code per provider object for the process, so only a process that serializes
 * nothing for real afterwards (the plan command) should call this.
 */
export function skipProviderSerialization(): () => void {
    // The module `pulumi.dynamic.Resource` looks the serializer up on at each construction.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as ClosureModule;
    const original = closure.serializeFunction;
    closure.serializeFunction = async () => ({ text: UNSERIALIZED_PROVIDER, exportName: "handler", containsSecrets: false });
    return () => {
        closure.serializeFunction = original;
    };
}
