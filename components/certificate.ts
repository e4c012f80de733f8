// A Key Vault certificate with an auto-renew policy, as a Pulumi dynamic
// resource: azure-native has no certificate resource (certificates live on
// the vault's data plane, which ARM does not expose).
import * as pulumi from "@pulumi/pulumi";
import type { CertificateSpec } from "./types";
import { CERTIFICATE_MODULE, CERTIFICATE_RESOURCE } from "./azureFacts";
import { makeCertificateProvider } from "./certificateProvider";

export interface KeyVaultCertificateArgs {
    /** The vault's URI (the vault resource's `properties.vaultUri`). */
    vaultUri: pulumi.Input<string>;
    certificate: CertificateSpec;
    /** Purge after the soft delete when the stack deletes the certificate. */
    purgeOnDelete: boolean;
}

// One provider object for all instances: its closure is what Pulumi serializes.
const provider = makeCertificateProvider();

/** Type token: `pulumi-nodejs:dynamic/batch-cert-rotation:KeyVaultCertificate`. */
export class KeyVaultCertificate extends pulumi.dynamic.Resource {
    /** Versionless certificate ID, `{vault}/certificates/{name}`. */
    public readonly certificateId!: pulumi.Output<string>;
    /** Versionless secret ID, `{vault}/secrets/{name}`: the URL the Key Vault VM extension observes. */
    public readonly secretId!: pulumi.Output<string>;
    /** Version current at the last create, update or refresh (renewals change it without a deployment). */
    public readonly version!: pulumi.Output<string>;
    /** SHA-1 thumbprint, uppercase hex. */
    public readonly thumbprint!: pulumi.Output<string>;
    /** Expiry of that version, ISO 8601. */
    public readonly expiresOn!: pulumi.Output<string>;
    public readonly vaultUri!: pulumi.Output<string>;
    public readonly name!: pulumi.Output<string>;

    constructor(name: string, args: KeyVaultCertificateArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                vaultUri: args.vaultUri,
                certificate: args.certificate,
                purgeOnDelete: args.purgeOnDelete,
                // Output placeholders: the provider fills them in.
                certificateId: undefined,
                secretId: undefined,
                version: undefined,
                thumbprint: undefined,
                expiresOn: undefined,
                name: undefined,
            },
            opts,
            CERTIFICATE_MODULE,
            CERTIFICATE_RESOURCE,
        );
    }
}
