// What each Key Vault VM extension version accepts, so the settings a
// typeHandlerVersion is given are the ones rendered and validated.
//
// KeyVaultForWindows 4.x (Microsoft docs key-vault-windows, 2026-07): no
// requireInitialSync, keyExportable or linkOnRenewal; pollingIntervalInS
// 300-3600; object-form observedCertificates only (the Windows form here
// always is); Windows Server 2022 and 2025 only. KeyVaultForLinux 4.0 (DESIGN
// section 2) changes the settings too (ACLs always on, no aclEnabled or
// customSymbolicLinkName): it is refused rather than half-rendered, since
// Batch support for 4.0 is not confirmed and nothing here renders its shape.

import type { OsFamily } from "../types";

/** The major version of a `major.minor` typeHandlerVersion; NaN when it isn't one. */
export function majorOf(version: string): number {
    return /^\d+\.\d+$/.test(version) ? Number(version.split(".")[0]) : Number.NaN;
}

/** Whether a pool's extension is KeyVaultForWindows 4.x: the version whose settings differ. */
export function isWindows4(os: OsFamily, version: unknown): boolean {
    return os === "windows" && typeof version === "string" && majorOf(version) === 4;
}

export const WINDOWS_4_POLLING = { min: 300, max: 3600 } as const;

/** The rule a typeHandlerVersion breaks on a pool of that OS, or undefined when its settings are rendered here. */
export function unsupportedVersion(os: OsFamily, version: string): string | undefined {
    const major = majorOf(version);
    if (major === 3) return undefined;
    if (major === 4 && os === "windows") return undefined;
    if (major === 4) {
        return "is KeyVaultForLinux 4.x, which this program does not render: 4.x changes the settings (ACLs always on, " +
            "no aclEnabled or customSymbolicLinkName, object-form observedCertificates) and Batch support for it is unconfirmed; use 3.0";
    }
    return "is not a version whose settings this program renders (KeyVaultForLinux 3.x; KeyVaultForWindows 3.x or 4.x)";
}

/** Why a 3.0 setting is refused under KeyVaultForWindows 4.x. */
export function droppedByWindows4(version: unknown): string {
    return `is not a KeyVaultForWindows 4.x setting (typeHandlerVersion ${JSON.stringify(version)}); remove it, or use typeHandlerVersion 3.0`;
}

const WINDOWS_SERVER = /^microsoftwindowsserver\/windowsserver\//;
const WINDOWS_4_SKUS = /^(2022|2025)-/;

/**
 * What KeyVaultForWindows 4.x says about a pool's image: an error on a
 * Marketplace Windows Server image older than 2022, a warning on any other
 * publisher's or a custom image (its Windows version can't be known offline),
 * nothing on Windows Server 2022 or 2025.
 */
export function windows4Image(image: { publisher: string; offer: string; sku: string }):
    { level: "error" | "warning"; rule: string } | undefined {
    const ref = `${image.publisher}/${image.offer}/${image.sku}`.toLowerCase();
    if (WINDOWS_SERVER.test(ref)) {
        return WINDOWS_4_SKUS.test(image.sku.toLowerCase()) ? undefined : {
            level: "error",
            rule: "is not Windows Server 2022 or 2025, the only ones KeyVaultForWindows 4.x supports; " +
                "use 2022-datacenter or 2025-datacenter, or typeHandlerVersion 3.0",
        };
    }
    return {
        level: "warning",
        rule: "can't be checked offline to be Windows Server 2022 or 2025, the only ones KeyVaultForWindows 4.x supports",
    };
}
