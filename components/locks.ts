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
// Each lock is registered with `protect: true`. The engine checks protection
// when it plans the deletes, before it runs any of them (pulumi/pulumi
// pkg/resource/deploy/step_generator.go; lifecycle tests: "we still shouldn't
// see a provider delete"), so a `pulumi destroy` meeting a lock fails at once,
// naming the lock's URN and `pulumi state unprotect`, and nothing is deleted:
// no half-destroyed stack behind a vault Azure refuses to delete. Lifting it is
// deliberate: `pulumi state unprotect <urn>`, then a destroy (or an up without
// the lock) deletes the lock first. Each lock depends on everything of the
// stack below its scope, so the engine deletes the lock before them, never a
// role assignment or a pool while the lock still stands.
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

export interface LockArgs {
    /** The ARM ID of the locked resource. */
    scope: pulumi.Input<string>;
    /** What the scope is, for the lock's notes ("vault", "Batch account"). */
    what: string;
    /** Everything of the stack at or below the scope: the lock comes after them and goes before them. */
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
