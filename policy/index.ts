// Entry point of the policy pack: `pulumi preview --policy-pack policy`.
// Constructing the PolicyPack starts the analyzer server the Pulumi engine
// talks to, so nothing else imports this file; tests use ./policies.
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./policies";

new PolicyPack(POLICY_PACK_NAME, {
    description: "Guardrails for Batch pools that take Key Vault certificates through the Key Vault VM extension",
    policies,
});
