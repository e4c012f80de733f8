// Reads each certificate's current version and thumbprint from Key Vault with
// the official SDK. The client factory is injectable so tests can point it at
// a loopback server.
import type { TokenCredential } from "@azure/identity";
import { CertificateClient, type CertificateClientOptions } from "@azure/keyvault-certificates";
import { KEY_VAULT_API_VERSION } from "../components/certificatePolicy";
import { ExitCode, HttpError, VerifyError } from "./errors";

export interface CurrentCertificate {
    name: string;
    version: string;
    /** SHA-1 thumbprint, upper-case hex without separators (as Windows and openssl print it, minus colons). */
    thumbprint: string;
    subject?: string;
    enabled?: boolean;
    expiresOn?: string;
    /** Start of this version's validity, ISO 8601. */
    notBefore?: string;
    /** The policy's AutoRenew trigger and when it fires for this version; null when the policy has none, absent when no policy was read. */
    renewal?: LifetimeSchedule | null;
    /** The policy's EmailContacts trigger (emailWarning) and when it fires for this version. */
    emailWarning?: LifetimeSchedule;
}

/** A lifetime action's trigger, as Key Vault holds it in the policy. */
export type LifetimeTrigger = { daysBeforeExpiry: number } | { lifetimePercentage: number };

export interface LifetimeSchedule {
    trigger: LifetimeTrigger;
    /** When it fires for this version, ISO 8601 (absent without the version's dates). */
    at?: string;
}

/** A lifetime action in the policy, as the SDK returns it. */
export interface PolicyLifetimeAction {
    action?: string;
    daysBeforeExpiry?: number;
    lifetimePercentage?: number;
}

/**
 * The one call the verifier makes (certificate `get`: the certificate comes with its
 * policy, so no other permission is needed); CertificateClient satisfies it.
 */
export interface CertificateReader {
    getCertificate(name: string): Promise<{
        properties: { version?: string; x509Thumbprint?: Uint8Array; enabled?: boolean; expiresOn?: Date; notBefore?: Date };
        policy?: { subject?: string; lifetimeActions?: PolicyLifetimeAction[] };
    }>;
}

/**
 * When a trigger fires for a version valid from `notBefore` to `expiresOn`:
 * `daysBeforeExpiry` counts back from the expiry; `lifetimePercentage` is that
 * share of the version's lifetime (notBefore..expiresOn, the spec's "percentage
 * of lifetime"), counted from its start.
 */
export function scheduleOf(trigger: LifetimeTrigger, notBefore: Date | undefined, expiresOn: Date | undefined): LifetimeSchedule {
    if (expiresOn === undefined) return { trigger };
    if ("daysBeforeExpiry" in trigger) return { trigger, at: new Date(expiresOn.getTime() - trigger.daysBeforeExpiry * 86_400_000).toISOString() };
    if (notBefore === undefined) return { trigger };
    const lifetime = expiresOn.getTime() - notBefore.getTime();
    return { trigger, at: new Date(notBefore.getTime() + Math.round((lifetime * trigger.lifetimePercentage) / 100)).toISOString() };
}

/** The first action of that type in the policy, as a schedule for this version. */
export function actionSchedule(
    actions: PolicyLifetimeAction[] | undefined,
    type: "AutoRenew" | "EmailContacts",
    notBefore: Date | undefined,
    expiresOn: Date | undefined,
): LifetimeSchedule | undefined {
    const action = (actions ?? []).find((a) => a.action === type);
    if (action === undefined) return undefined;
    const trigger: LifetimeTrigger | undefined = action.daysBeforeExpiry !== undefined ? { daysBeforeExpiry: action.daysBeforeExpiry }
        : action.lifetimePercentage !== undefined ? { lifetimePercentage: action.lifetimePercentage } : undefined;
    return trigger === undefined ? undefined : scheduleOf(trigger, notBefore, expiresOn);
}

/** `lifetimePercentage 80` / `daysBeforeExpiry 30`. */
export function describeTrigger(trigger: LifetimeTrigger): string {
    return "daysBeforeExpiry" in trigger ? `daysBeforeExpiry ${trigger.daysBeforeExpiry}` : `lifetimePercentage ${trigger.lifetimePercentage}`;
}

export type CertificateReaderFactory = (vaultUri: string) => CertificateReader;

export function defaultCertificateReaderFactory(credential: TokenCredential, extra: CertificateClientOptions = {}): CertificateReaderFactory {
    // The version the certificate provider pins and the plan renders, so verify reads what the stack wrote, the same way.
    return (vaultUri) => new CertificateClient(vaultUri, credential, { ...extra, serviceVersion: KEY_VAULT_API_VERSION });
}

export function toHex(bytes: Uint8Array): string {
    return Buffer.from(bytes).toString("hex").toUpperCase();
}

function restStatus(error: unknown): { status?: number; code?: string; message: string } {
    const record = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
    const status = typeof record["statusCode"] === "number" ? record["statusCode"] : undefined;
    const code = typeof record["code"] === "string" ? record["code"] : undefined;
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { status, code, message };
}

export async function readCurrentCertificates(
    reader: CertificateReader,
    vaultUri: string,
    names: string[],
): Promise<CurrentCertificate[]> {
    const out: CurrentCertificate[] = [];
    for (const name of names) {
        let cert: Awaited<ReturnType<CertificateReader["getCertificate"]>>;
        try {
            cert = await reader.getCertificate(name);
        } catch (error) {
            if (error instanceof VerifyError) throw error;
            const { status, code, message } = restStatus(error);
            if (status === 404) {
                throw new VerifyError(
                    ExitCode.ServiceError,
                    `Key Vault ${vaultUri} has no certificate "${name}" (${code ?? "404"}); it is in the stack outputs, so it was deleted outside Pulumi: run \`pulumi up\``,
                );
            }
            if (status !== undefined) throw new HttpError("Key Vault", status, code, message, `GET certificates/${name}`);
            throw error;
        }
        const { version, x509Thumbprint, enabled, expiresOn, notBefore } = cert.properties;
        if (!version || !x509Thumbprint || x509Thumbprint.length === 0) {
            throw new VerifyError(
                ExitCode.ServiceError,
                `Key Vault certificate "${name}" has no issued version yet (creation pending or failed); check its operation: az keyvault certificate pending show --vault-name ${new URL(vaultUri).hostname.split(".")[0]} --name ${name}`,
            );
        }
        const actions = cert.policy?.lifetimeActions;
        out.push({
            name,
            version,
            thumbprint: toHex(x509Thumbprint),
            subject: cert.policy?.subject,
            enabled,
            expiresOn: expiresOn?.toISOString(),
            notBefore: notBefore?.toISOString(),
            renewal: actions === undefined ? undefined : actionSchedule(actions, "AutoRenew", notBefore, expiresOn) ?? null,
            emailWarning: actionSchedule(actions, "EmailContacts", notBefore, expiresOn),
        });
    }
    return out;
}
