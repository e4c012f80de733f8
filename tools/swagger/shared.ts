// Locates the read-only reference material (Azure REST specs, the how-to's
// request bodies) that sits beside the repository as `../shared`.

import { existsSync } from "node:fs";
import * as path from "node:path";

/** The repository root (this file is tools/swagger/shared.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** `../shared/<relative>` from the repository root; throws a clear error when it is absent. */
export function sharedPath(relative: string): string {
    const full = path.resolve(REPO_ROOT, "..", "shared", relative);
    if (!existsSync(full)) {
        throw new Error(
            `../shared/${relative} is missing: clone the repository with the shared/ reference folder beside it (shared/specs, shared/seed)`,
        );
    }
    return full;
}
