// Pulumi mocks for the offline plan: every answer comes from answers.ts, which
// the engine suite's stand-in providers share, and every registration is recorded.

import type * as pulumi from "@pulumi/pulumi";
import { invokeAnswer, resourceAnswer, type State } from "./answers";

export { FAKE_DEPLOYER_OBJECT_ID, FAKE_SUBSCRIPTION_ID, FAKE_TENANT_ID, vaultDnsSuffix } from "./answers";

export interface RecordedRegistration {
    type: string;
    name: string;
    inputs: State;
}

/** Mocks that also record what each resource was registered with. */
export class AzureMocks implements pulumi.runtime.Mocks {
    readonly registrations: RecordedRegistration[] = [];

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
        const inputs = args.inputs as State;
        this.registrations.push({ type: args.type, name: args.name, inputs });
        if (args.custom === false) return { id: undefined, state: {} };
        return resourceAnswer(args.type, args.name, inputs);
    }

    call(args: pulumi.runtime.MockCallArgs): State {
        return invokeAnswer(args.token, args.inputs as State);
    }
}
