// The vault's certificate contacts as a Pulumi dynamic resource: Key Vault
// e-mails them about certificate lifetime events, and they can only be set on
// the vault's data plane, which ARM (and so azure-native) does not expose.
import * as pulumi from "@pulumi/pulumi";
import { CERTIFICATE_CONTACTS_RESOURCE, CERTIFICATE_MODULE } from "./azureFacts";
import type { CertificateContactSpec } from "./config/schema";
import { makeContactsProvider } from "./certificateContactsProvider";

export interface KeyVaultCertificateContactsArgs {
    /** The vault's URI (the vault resource's `properties.vaultUri`). */
    vaultUri: pulumi.Input<string>;
    contacts: CertificateContactSpec[];
}

// One provider object for all instances: its closure is what Pulumi serializes.
const provider = makeContactsProvider();

/** Type token: `pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificateContacts`. */
export class KeyVaultCertificateContacts extends pulumi.dynamic.Resource {
    /** `{vault}/certificates/contacts`. */
    public readonly contactsId!: pulumi.Output<string>;
    public readonly vaultUri!: pulumi.Output<string>;

    constructor(name: string, args: KeyVaultCertificateContactsArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, {
            vaultUri: args.vaultUri,
            contacts: args.contacts,
            // Output placeholder: the provider fills it in.
            contactsId: undefined,
        }, opts, CERTIFICATE_MODULE, CERTIFICATE_CONTACTS_RESOURCE);
    }
}
