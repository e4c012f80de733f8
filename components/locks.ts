// CanNotDelete management locks (AVM `lock`) on what the stack creates, and how
// they meet `pulumi destroy`.
//
// A lock is inherited by everything below its scope and applies to Resource
// Manager operations only (MicrosoftDocs azure-docs
// articles/azure-resource-manager/management/lock-resources.md): on the vault it
// blocks deleting the vault and its ARM children and extension resources (role
// assignments at its scope, diagnostic settings, keys), not certificate changes
// through the vault's data plane. Azure refuses such a delete with 409
// ScopeLocked ("... cannot perform delete operation because following scope(s)
// are locked: '<scope>'. Please remove the lock and try again.").
//
// Each lock is registered with `protect: true`, and depends on every other
// resource of the stack that comes before it (the vault's lock on all of the
// component, the account's on the component). A destroy deletes dependents
// first and runs independent deletes side by side, so the lock's delete is the
// first step and the only one of its round: the engine refuses it as protected
// (pulumi/pulumi pkg/resource/deploy/step_generator.go) and the destroy stops,
// naming the lock's URN and `pulumi state unprotect`, with nothing deleted (the
// engine suite checks the state and the model of Azure are unchanged). Without
// that dependency the engine deletes independent resources, the pools, in the
// same round before it stops. Lifting the lock is deliberate: `pulumi state
// unprotect <urn>`, then a destroy (or an up without the lock) deletes the
// lock before anything below its scope.
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

export interface LockArgs {
    /** The ARM ID of the locked resource. */
    scope: pulumi.Input<string>;
    /** What the scope is, for the lock's notes ("vault", "Batch account"). */
    what: string;
    /** Every other resource of the stack before it: the lock comes after them and goes before them. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The lock's notes, which Azure shows beside it in the portal and `az lock list`: who set it and how it is lifted. */
export function lockNotes(what: string, project: string, stack: string): string {
    return `Set by the Pulumi stack ${project}/${stack} so that the ${what} is not deleted. Lift it through that stack ` +
        "(pulumi state unprotect <the lock's URN>, then pulumi destroy or pulumi up without the lock), not in the portal.";
}

/** The lock's resource name: `<component or resource>-lock`, also its logical name (and so part of its URN). */
export function lockName(owner: string): string {
    return `${owner}-lock`;
}

export function createLock(owner: string, args: LockArgs, opts: pulumi.CustomResourceOptions): authorization.ManagementLockByScope {
    const name = lockName(owner);
    return new authorization.ManagementLockByScope(name, {
        scope: args.scope,
        lockName: name,
        level: "CanNotDelete",
        notes: lockNotes(args.what, pulumi.getProject(), pulumi.getStack()),
    }, { ...opts, dependsOn: args.dependsOn, protect: true });
}
