// Shared set-up for the emulator suite (run by `npm run test:emulator`, which
// starts Lowkey Vault and sets LOWKEY_VAULT_URL). Emulator-only client settings
// live here, in the test's own client factory: the real resource cannot reach them.
import { CertificateClient } from "@azure/keyvault-certificates";
import { SecretClient } from "@azure/keyvault-secrets";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import * as https from "node:https";
import { makeCertificateProvider, type CertificateClientLike, type CertificateProviderOptions } from "../../components/certificateProvider";
import type { CertificateSpec } from "../../components/types";
import { certificateSpec } from "../fixtures/certificates";

export function vaultUrl(): string {
    const url = process.env.LOWKEY_VAULT_URL;
    if (url === undefined || url === "") {
        throw new Error("LOWKEY_VAULT_URL is not set: run these tests with `npm run test:emulator`, which starts Lowkey Vault");
    }
    return url;
}

/** Lowkey Vault checks that a bearer token is present, not what it says. */
export const emulatorCredential: TokenCredential = {
    getToken: async (): Promise<AccessToken> => ({ token: "emulator", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

const clientOptions = {
    serviceVersion: "7.5" as const,
    // The emulator's challenge names its own host, not *.vault.azure.net.
    disableChallengeResourceVerification: true,
};

export function certificateClient(url: string = vaultUrl()): CertificateClient {
    return new CertificateClient(url, emulatorCredential, clientOptions);
}

export function secretClient(url: string = vaultUrl()): SecretClient {
    return new SecretClient(url, emulatorCredential, { serviceVersion: "7.5", disableChallengeResourceVerification: true });
}

/** Short bounds so failure paths end quickly in tests. */
export const shortBounds: Partial<CertificateProviderOptions> = {
    createTimeoutMs: 5_000,
    deleteTimeoutMs: 20_000,
    pollIntervalMs: 250,
    retry: { maxAttempts: 3, maxTotalWaitMs: 3_000, initialDelayMs: 200, maxDelayMs: 1_000 },
};

export function emulatorProvider(wrap: (client: CertificateClientLike) => CertificateClientLike = (c) => c) {
    return makeCertificateProvider((url) => wrap(certificateClient(url)), shortBounds);
}

let counter = 0;
/** A unique certificate name per test, so files and reruns never collide. */
export function uniqueName(prefix: string): string {
    counter++;
    return `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`;
}

export function selfSignedSpec(name: string, over: Partial<CertificateSpec> = {}): CertificateSpec {
    return certificateSpec({
        name,
        subject: `CN=${name}.example.com`,
        dnsNames: [`${name}.example.com`],
        tags: { suite: "emulator" },
        ...over,
    });
}

/** Moves every vault's clock forward (Lowkey Vault management API); due lifetime actions run. */
export function shiftTime(seconds: number): Promise<void> {
    const url = new URL(`/management/vault/time/all?seconds=${seconds}`, vaultUrl());
    return new Promise((resolve, reject) => {
        const req = https.request(url, { method: "PUT", headers: { "Content-Type": "application/json" } }, (res) => {
            res.resume();
            res.on("end", () =>
                res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300
                    ? resolve()
                    : reject(new Error(`time shift by ${seconds} s: HTTP ${res.statusCode}`)),
            );
        });
        req.on("error", reject);
        req.end();
    });
}

/** Private key material that must never reach Pulumi state. */
export const SECRET_MARKERS = [/PRIVATE KEY-----/, /MII[A-Za-z0-9+/]{200,}/];
