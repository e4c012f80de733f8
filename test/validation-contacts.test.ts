// Certificate contacts and the EmailContacts lifetime action (issue 19, item 2):
// each bad input refused in one line naming the field, the value and the rule.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { firesAfter } from "../components/config/schema";
import { validateConfig } from "../components/validation";
import { problems } from "./support/refusal";

const ADOPTED_VAULT = "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/testkv";
const CONTACTS = [{ email: "certificates@example.com", name: "Certificate owners" }];

function config(cert: Record<string, unknown>, keyVault: Record<string, unknown> = { certificateContacts: CONTACTS }): Record<string, unknown> {
    return {
        keyVault,
        certificates: [{ name: "authcert", subject: "CN=batch.example.com", validityInMonths: 12, renewal: { daysBeforeExpiry: 30 }, ...cert }],
        pool: {
            vmSize: "Standard_D2s_v5",
            image: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
            nodeAgentSkuId: "batch.node.ubuntu 24.04",
        },
    };
}

describe("emailWarning and certificateContacts refuse bad input in one line", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["percentage 0", config({ emailWarning: { lifetimePercentage: 0 } }), "certificates[0].emailWarning.lifetimePercentage: 0 is outside 1..99"],
        ["percentage 100", config({ emailWarning: { lifetimePercentage: 100 } }), "certificates[0].emailWarning.lifetimePercentage: 100 is outside 1..99"],
        ["days past validity x 27", config({ validityInMonths: 1, renewal: { daysBeforeExpiry: 20 }, emailWarning: { daysBeforeExpiry: 28 } }),
            "certificates[0].emailWarning.daysBeforeExpiry: 28 is outside 1..27 (validityInMonths 1 x 27)"],
        ["days 0", config({ emailWarning: { daysBeforeExpiry: 0 } }), "certificates[0].emailWarning.daysBeforeExpiry: 0 is outside 1..324 (validityInMonths 12 x 27)"],
        ["both triggers", config({ emailWarning: { daysBeforeExpiry: 7, lifetimePercentage: 90 } }),
            'certificates[0].emailWarning: {"daysBeforeExpiry":7,"lifetimePercentage":90} sets both daysBeforeExpiry and lifetimePercentage; Key Vault takes exactly one trigger'],
        ["no trigger", config({ emailWarning: {} }), "certificates[0].emailWarning: is required (one of daysBeforeExpiry or lifetimePercentage)"],
        ["before the renewal (days)", config({ emailWarning: { daysBeforeExpiry: 45 } }),
            'certificates[0].emailWarning: {"daysBeforeExpiry":45} does not certainly fire after the renewal (renewal.daysBeforeExpiry 30, validityInMonths 12, ' +
            "months of 28-31 days); give it a shorter window than the renewal so that it fires only when no new version was issued " +
            "(Key Vault already e-mails the contacts before and after each renewal)"],
        ["at the renewal (percentage)", config({ renewal: { lifetimePercentage: 80 }, emailWarning: { lifetimePercentage: 80 } }),
            'certificates[0].emailWarning: {"lifetimePercentage":80} does not certainly fire after the renewal (renewal.lifetimePercentage 80, validityInMonths 12, ' +
            "months of 28-31 days); give it a shorter window than the renewal so that it fires only when no new version was issued " +
            "(Key Vault already e-mails the contacts before and after each renewal)"],
        ["mixed units, after only in a 28-day month", config({ renewal: { lifetimePercentage: 80 }, emailWarning: { daysBeforeExpiry: 70 } }),
            'certificates[0].emailWarning: {"daysBeforeExpiry":70} does not certainly fire after the renewal (renewal.lifetimePercentage 80, validityInMonths 12, ' +
            "months of 28-31 days); give it a shorter window than the renewal so that it fires only when no new version was issued " +
            "(Key Vault already e-mails the contacts before and after each renewal)"],
        ["a warning with nobody to mail", config({ emailWarning: { daysBeforeExpiry: 7 } }, {}),
            'certificates[0].emailWarning: {"daysBeforeExpiry":7} has nobody to e-mail: the vault this stack creates has no certificate contacts; set keyVault.certificateContacts'],
        ["a contact without an e-mail", config({}, { certificateContacts: [{ name: "Ops", phone: "+1 555 0100" }] }),
            "keyVault.certificateContacts[0].email: is required (an e-mail address; Key Vault only ever e-mails its certificate contacts)"],
        ["an e-mail that is not one", config({}, { certificateContacts: [{ email: "ops team" }] }),
            'keyVault.certificateContacts[0].email: "ops team" is not an e-mail address such as certificates@example.com'],
        ["contacts not a list", config({}, { certificateContacts: "ops@example.com" }),
            'keyVault.certificateContacts: "ops@example.com" must be a list of contacts such as [{ email: certificates@example.com }]'],
        ["empty contacts", config({}, { certificateContacts: [] }),
            "keyVault.certificateContacts: [] is empty; remove it to leave the vault's contacts alone, or list at least one contact"],
        ["misspelt contact key", config({}, { certificateContacts: [{ email: "ops@example.com", mail: "x" }] }),
            'keyVault.certificateContacts[0].mail: unknown key; did you mean "email"?'],
    ];
    for (const [label, input, message] of cases) {
        it(label, () => assert.deepEqual(problems(input), [message]));
    }
});

describe("emailWarning and certificateContacts accepted", () => {
    it("resolves a warning after the renewal, with contacts", () => {
        const { config: resolved, warnings } = validateConfig(config({ emailWarning: { daysBeforeExpiry: 7 } }));
        assert.deepEqual(warnings, []);
        assert.deepEqual(resolved.certificates[0].emailWarning, { daysBeforeExpiry: 7 });
        assert.deepEqual(resolved.keyVault.certificateContacts, [{ email: "certificates@example.com", name: "Certificate owners", phone: undefined }]);
    });

    it("no warning: the field resolves to undefined and contacts stay optional", () => {
        const { config: resolved } = validateConfig(config({}, {}));
        assert.equal(resolved.certificates[0].emailWarning, undefined);
        assert.equal(resolved.keyVault.certificateContacts, undefined);
    });

    it("on an adopted vault without contacts here, warns instead of refusing (its owner may have set them)", () => {
        const { warnings } = validateConfig(config({ emailWarning: { lifetimePercentage: 95 } }, { id: ADOPTED_VAULT }));
        assert.deepEqual(warnings, [
            'certificates[0].emailWarning: {"lifetimePercentage":95} e-mails the adopted vault\'s certificate contacts, which this stack does not set; ' +
            "check it has some (az keyvault certificate contact list) or set keyVault.certificateContacts",
        ]);
    });

    it("re-validates its own output (the component validates what the stack resolved)", () => {
        const first = validateConfig(config({ emailWarning: { daysBeforeExpiry: 7 } })).config;
        const again = validateConfig({ keyVault: first.keyVault, certificates: first.certificates, pool: first.pool }).config;
        assert.deepEqual(again.certificates, first.certificates);
        assert.deepEqual(again.keyVault.certificateContacts, first.keyVault.certificateContacts);
    });
});

describe("firesAfter: which trigger comes later in one version's life", () => {
    it("compares like units exactly and mixed units over 28- to 31-day months", () => {
        assert.equal(firesAfter({ daysBeforeExpiry: 7 }, { daysBeforeExpiry: 30 }, 12), true);
        assert.equal(firesAfter({ daysBeforeExpiry: 30 }, { daysBeforeExpiry: 30 }, 12), false);
        assert.equal(firesAfter({ lifetimePercentage: 90 }, { lifetimePercentage: 80 }, 12), true);
        // 80% of 12 months leaves 67.2 (28-day months) to 74.4 days (31-day months).
        assert.equal(firesAfter({ daysBeforeExpiry: 67 }, { lifetimePercentage: 80 }, 12), true);
        assert.equal(firesAfter({ daysBeforeExpiry: 68 }, { lifetimePercentage: 80 }, 12), false);
        // 90% leaves 33.6 to 37.2 days: after a 38-day renewal, not after a 37-day one.
        assert.equal(firesAfter({ lifetimePercentage: 90 }, { daysBeforeExpiry: 38 }, 12), true);
        assert.equal(firesAfter({ lifetimePercentage: 90 }, { daysBeforeExpiry: 37 }, 12), false);
    });
});
