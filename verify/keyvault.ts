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
}

/** The one call the verifier makes; CertificateClient satisfies it. */
export interface CertificateReader {
    getCertificate(name: string): Promise<{
        properties: { version?: string; x509Thumbprint?: Uint8Array; enabled?: boolean; expiresOn?: Date };
        policy?: { subject?: string };
    }>;
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
        const { version, x509Thumbprint, enabled, expiresOn } = cert.properties;
        if (!version || !x509Thumbprint || x509Thumbprint.length === 0) {
            throw new VerifyError(
                ExitCode.ServiceError,
                `Key Vault certificate "${name}" has no issued version yet (creation pending or failed); check its operation: az keyvault certificate pending show --vault-name ${new URL(vaultUri).hostname.split(".")[0]} --name ${name}`,
            );
        }
        out.push({ name, version, thumbprint: toHex(x509Thumbprint), subject: cert.policy?.subject, enabled, expiresOn: expiresOn?.toISOString() });
    }
    return out;
}
