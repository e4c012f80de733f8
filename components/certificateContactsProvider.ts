// The dynamic provider behind KeyVaultCertificateContacts: the vault's
// certificate contacts, a data-plane setting ARM does not expose
// (SetCertificateContacts / GetCertificateContacts / DeleteCertificateContacts,
// `{vault}/certificates/contacts`), through the same SDK client, credential,
// request timeout and retries as the certificate resource.
//
// Serialized into the state file like the certificate provider: the SDK is
// require()d inside createCertificateClient, and everything reachable from
// the methods is plain data, arrays or functions (no Set, Map or Error
// subclass). The list is the vault's, one per vault: create and update
// replace it, delete removes it.
import type * as pulumi from "@pulumi/pulumi";
import type { CertificateClient, CertificateContact } from "@azure/keyvault-certificates";
import type { CertificateContactSpec } from "./config/schema";
import { canonicalJson } from "./json";
import { KEY_VAULT_API_VERSION } from "./certificatePolicy";
import {
    type CertificateProviderOptions,
    DEFAULT_PROVIDER_OPTIONS,
    createCertificateClient,
    explainFinal,
    withRetry,
} from "./certificateProvider";
import { statusCodeOf } from "./retry";

/** The inputs the resource passes, exactly (the offline plan reads them). */
export interface ContactsInputs {
    vaultUri: string;
    contacts: CertificateContactSpec[];
}

export interface ContactsOutputs extends ContactsInputs {
    /** `{vault}/certificates/contacts`, as Key Vault names the collection. */
    contactsId: string;
}

/** The client calls this provider makes; a real CertificateClient satisfies it. */
export type ContactsClientLike = Pick<CertificateClient, "setContacts" | "getContacts" | "deleteContacts">;

export type ContactsClientFactory = (vaultUri: string, options: Pick<CertificateProviderOptions, "requestTimeoutMs">) => ContactsClientLike;

export function defaultContactsClientFactory(vaultUri: string, options: Pick<CertificateProviderOptions, "requestTimeoutMs">): ContactsClientLike {
    return createCertificateClient(vaultUri, options);
}

/** `{vault}/certificates/contacts`. */
export function contactsId(vaultUri: string): string {
    return `${vaultUri.replace(/\/+$/, "")}/certificates/contacts`;
}

/**
 * The data-plane call that sets the contacts, as the SDK sends it:
 * `PUT {vault}/certificates/contacts?api-version=KEY_VAULT_API_VERSION` with a `Contacts` body (the offline plan shows it).
 */
export function renderContactsRequest(vaultUri: string, contacts: CertificateContactSpec[]): { method: "PUT"; url: string; body: { contacts: CertificateContact[] } } {
    return { method: "PUT", url: `${contactsId(vaultUri)}?api-version=${KEY_VAULT_API_VERSION}`, body: { contacts: toSdk(contacts) } };
}

/** The SDK's contact shape (also the wire's: email, name, phone), without keys the configuration left out. */
function toSdk(contacts: CertificateContactSpec[]): CertificateContact[] {
    return contacts.map((c) => ({ email: c.email, ...(c.name !== undefined ? { name: c.name } : {}), ...(c.phone !== undefined ? { phone: c.phone } : {}) }));
}

function fromSdk(contacts: CertificateContact[] | undefined): CertificateContactSpec[] {
    return (contacts ?? []).flatMap((c) => c === undefined ? [] : [{
        email: c.email ?? "",
        ...(c.name !== undefined ? { name: c.name } : {}),
        ...(c.phone !== undefined ? { phone: c.phone } : {}),
    }]);
}

function fixForContacts(status: number): string | undefined {
    if (status === 400) return "Key Vault refused the contact list itself; check keyVault.certificateContacts (each an email, optionally a name and phone) and rerun `pulumi up`";
    if (status === 403) {
        return "the deployer may not manage the vault's certificate contacts: it needs the certificate permission managecontacts " +
            "(access policies) or Key Vault Certificates Officer (RBAC), which may still be propagating; wait and rerun `pulumi up`";
    }
    return undefined;
}

export function diffContacts(olds: ContactsOutputs, news: ContactsInputs): pulumi.dynamic.DiffResult {
    // Another vault's list is another object: set the new one first, then clear the old.
    if (olds.vaultUri.replace(/\/+$/, "").toLowerCase() !== news.vaultUri.replace(/\/+$/, "").toLowerCase()) {
        return { changes: true, replaces: ["vaultUri"], deleteBeforeReplace: false };
    }
    return { changes: canonicalJson(toSdk(olds.contacts)) !== canonicalJson(toSdk(news.contacts)), replaces: [] };
}

export function makeContactsProvider(
    clientFactory: ContactsClientFactory = defaultContactsClientFactory,
    options: Partial<CertificateProviderOptions> = {},
): pulumi.dynamic.ResourceProvider<ContactsInputs, ContactsOutputs> {
    const resolve = (): CertificateProviderOptions => ({ ...DEFAULT_PROVIDER_OPTIONS, ...options });

    async function set(inputs: ContactsInputs, verb: string): Promise<ContactsOutputs> {
        const opts = resolve();
        const operation = `${verb} certificate contacts of ${inputs.vaultUri}`;
        try {
            const client = clientFactory(inputs.vaultUri, opts);
            await withRetry(opts, operation, inputs.vaultUri, () => client.setContacts(toSdk(inputs.contacts)));
        } catch (err) {
            throw explainFinal(operation, inputs.vaultUri, err, fixForContacts);
        }
        return { vaultUri: inputs.vaultUri, contacts: inputs.contacts, contactsId: contactsId(inputs.vaultUri) };
    }

    return {
        async create(inputs: ContactsInputs): Promise<pulumi.dynamic.CreateResult<ContactsOutputs>> {
            const outs = await set(inputs, "set");
            return { id: outs.contactsId, outs };
        },

        async read(id: string, props?: ContactsOutputs): Promise<pulumi.dynamic.ReadResult<ContactsOutputs>> {
            if (props === undefined) {
                throw new Error(`read certificate contacts ${id}: no prior state to read from; import is not supported, set keyVault.certificateContacts and run \`pulumi up\``);
            }
            const opts = resolve();
            const operation = `read certificate contacts of ${props.vaultUri}`;
            let contacts: CertificateContact[] | undefined;
            try {
                const client = clientFactory(props.vaultUri, opts);
                contacts = await withRetry(opts, operation, props.vaultUri, () => client.getContacts());
            } catch (err) {
                // Deleted out of band (404 ContactsNotFound): gone, so `up` sets them again.
                if (statusCodeOf(err) === 404) return { id: "", props: undefined };
                throw explainFinal(operation, props.vaultUri, err, fixForContacts);
            }
            // What the vault holds now: a list changed in the portal shows as a diff on the next `up`.
            return { id, props: { ...props, contacts: fromSdk(contacts) } };
        },

        async diff(_id: string, olds: ContactsOutputs, news: ContactsInputs): Promise<pulumi.dynamic.DiffResult> {
            return diffContacts(olds, news);
        },

        async update(_id: string, _olds: ContactsOutputs, news: ContactsInputs): Promise<pulumi.dynamic.UpdateResult<ContactsOutputs>> {
            return { outs: await set(news, "update") };
        },

        async delete(_id: string, props: ContactsOutputs): Promise<void> {
            const opts = resolve();
            const operation = `delete certificate contacts of ${props.vaultUri}`;
            try {
                const client = clientFactory(props.vaultUri, opts);
                await withRetry(opts, operation, props.vaultUri, () => client.deleteContacts());
            } catch (err) {
                if (statusCodeOf(err) === 404) return; // already gone
                throw explainFinal(operation, props.vaultUri, err, fixForContacts);
            }
        },
    };
}
