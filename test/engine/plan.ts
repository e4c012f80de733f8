// The offline plan of a stack file, as `npm run plan -- --json` writes it, for
// the engine suite to compare the engine's work against.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlanDocument } from "../../policy/planDocument";
import { PROJECT_DIR } from "./harness";

export function offlinePlan(configFile: string): PlanDocument {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    try {
        const out = join(dir, "plan.json");
        execFileSync(process.execPath, ["tools/run-built.mjs", "tools/plan", "--config", configFile, "--json", out], {
            cwd: PROJECT_DIR, stdio: ["ignore", "ignore", "inherit"],
        });
        return JSON.parse(readFileSync(out, "utf8")) as PlanDocument;
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
