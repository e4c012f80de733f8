// Turns the stack outputs (the JSON `pulumi stack output --json --show-secrets`
// prints) into what the verifier needs. Pure: every missing or malformed key
// is reported by name, with the fix.
import { ExitCode, VerifyError } from "./errors";
import { isPlainObject } from "../components/json";

export type OsFamily = "linux" | "windows";

export interface CertificateTarget {
    /** Certificate name in the vault (the key of the `certificates` output). */
    name: string;
    /** Where the extension puts it on a node (see fileCheck.ts). */
    store: { kind: "linux-file"; path: string } | { kind: "windows-store"; location: string; storeName: string };
}

export interface VerifyTarget {
    /** Batch data-plane host, no scheme (ARM's accountEndpoint). */
    batchAccountEndpoint: string;
    /** Batch pool ID on the data plane (the pool's name). */
    poolName: string;
    vaultUri: string;
    /** First DNS label of the vault URI; the Linux extension names files `<vault>.<certificate>`. */
    vaultName: string;
    osFamily: OsFamily;
    extensionName: string;
    extensionType: string;
    certificates: CertificateTarget[];
}

type Json = Record<string, unknown>;

function bad(message: string): VerifyError {
    return new VerifyError(ExitCode.BadOutputs, `stack outputs: ${message}`);
}

function requiredString(outputs: Json, key: string, hint: string): string {
    if (!(key in outputs)) {
        throw bad(`missing key "${key}" (${hint}); export it from index.ts and run \`pulumi up\` again`);
    }
    const value = outputs[key];
    if (value === "[secret]") {
        throw bad(`"${key}" is masked as [secret]; produce the file with \`pulumi stack output --json --show-secrets\``);
    }
    if (typeof value !== "string" || value.trim() === "") {
        throw bad(`"${key}" must be a non-empty string (${hint}), got ${JSON.stringify(value)}`);
    }
    return value.trim();
}

/** Accepts "acct.region.batch.azure.com" or "https://acct.region.batch.azure.com/" and returns the host. */
export function normaliseBatchEndpoint(value: string): string {
    const host = value.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) {
        throw bad(`"batchAccountEndpoint" must be the Batch account's host such as mybatch.westus2.batch.azure.com, got "${value}"`);
    }
    return host;
}

function parseVaultUri(value: string): { uri: string; name: string } {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw bad(`"vaultUri" must be a URL such as https://myvault.vault.azure.net/, got "${value}"`);
    }
    if (url.protocol !== "https:") {
        throw bad(`"vaultUri" must use https, got "${value}"`);
    }
    return { uri: `${url.protocol}//${url.host}/`, name: url.hostname.split(".")[0] };
}

const SAFE_NAME = /^[A-Za-z0-9-]{1,127}$/;

function secretNameFromUrl(url: string): string | undefined {
    return /\/secrets\/([^/]+)/.exec(url)?.[1];
}

function certificateTargets(outputs: Json, osFamily: OsFamily, settings: Json): CertificateTarget[] {
    const certs = outputs["certificates"];
    if (certs === undefined) {
        throw bad(`missing key "certificates" (map of certificate name -> { certificateId, secretId })`);
    }
    if (!isPlainObject(certs) || Object.keys(certs).length === 0) {
        throw bad(`"certificates" must be a non-empty map of certificate name -> { certificateId, secretId }, got ${JSON.stringify(certs)}`);
    }
    const sms = settings["secretsManagementSettings"];
    if (!isPlainObject(sms)) {
        throw bad(`"keyVaultExtension.settings.secretsManagementSettings" is missing; is keyVaultExtension the extension object as rendered?`);
    }
    return Object.keys(certs).map((name): CertificateTarget => {
        if (!SAFE_NAME.test(name)) {
            throw bad(`certificate name "${name}" in "certificates" is not 1-127 letters, digits and '-'`);
        }
        if (osFamily === "linux") {
            const location = sms["certificateStoreLocation"];
            // The path goes into the check task's shell command: allow only plain path characters.
            if (typeof location !== "string" || !/^\/[A-Za-z0-9._/-]*$/.test(location)) {
                throw bad(
                    `"keyVaultExtension.settings.secretsManagementSettings.certificateStoreLocation" must be an absolute Linux path of letters, digits and . _ - /, got ${JSON.stringify(location)}`,
                );
            }
            return { name, store: { kind: "linux-file", path: location.replace(/\/+$/, "") } };
        }
        const observed = sms["observedCertificates"];
        const entry = Array.isArray(observed)
            ? observed.find((o): o is Json => isPlainObject(o) && typeof o["url"] === "string" && secretNameFromUrl(o["url"]) === name)
            : undefined;
        const location = entry?.["certificateStoreLocation"] ?? "LocalMachine";
        const storeName = entry?.["certificateStoreName"] ?? "My";
        if (typeof location !== "string" || !/^(LocalMachine|CurrentUser)$/.test(location) || typeof storeName !== "string" || !/^[A-Za-z0-9]+$/.test(storeName)) {
            throw bad(`observed certificate "${name}": store must be LocalMachine|CurrentUser and a store name of letters/digits, got ${JSON.stringify({ location, storeName })}`);
        }
        return { name, store: { kind: "windows-store", location, storeName } };
    });
}

/** Validates the outputs document (already parsed JSON) and extracts the target. */
/**
 * A stack with `pools:` exports `pools: { <key>: { name, id, osFamily, keyVaultExtension } }`
 * instead of the single pool's keys: the chosen pool's entry stands in for them.
 */
function selectPool(document: Json, pool: string | undefined): Json {
    const pools = document["pools"];
    if (!isPlainObject(pools)) {
        if (pool !== undefined) throw bad(`--pool ${pool} given, but the stack has a single pool (no "pools" output)`);
        return document;
    }
    const keys = Object.keys(pools);
    const key = pool ?? (keys.length === 1 ? keys[0] : undefined);
    if (key === undefined) throw bad(`the stack has several pools (${keys.join(", ")}); say which with --pool KEY`);
    const entry = pools[key];
    if (!isPlainObject(entry)) throw bad(`no pool "${key}" under "pools" (known: ${keys.join(", ")})`);
    return { ...document, poolName: entry["name"], osFamily: entry["osFamily"], keyVaultExtension: entry["keyVaultExtension"] };
}

export function parseOutputs(input: unknown, pool?: string): VerifyTarget {
    if (!isPlainObject(input)) {
        throw bad(`expected a JSON object of stack outputs, got ${Array.isArray(input) ? "an array" : JSON.stringify(input)}`);
    }
    const document = selectPool(input, pool);
    const batchAccountEndpoint = normaliseBatchEndpoint(
        requiredString(document, "batchAccountEndpoint", "the Batch account host, e.g. mybatch.westus2.batch.azure.com"),
    );
    const poolName = requiredString(document, "poolName", "the Batch pool's name");
    const vault = parseVaultUri(requiredString(document, "vaultUri", "the Key Vault URI"));
    const osFamily = requiredString(document, "osFamily", `"linux" or "windows"`);
    if (osFamily !== "linux" && osFamily !== "windows") {
        throw bad(`"osFamily" must be "linux" or "windows", got "${osFamily}"`);
    }
    const ext = document["keyVaultExtension"];
    if (ext === undefined) {
        throw bad(`missing key "keyVaultExtension" (the Key Vault VM extension object as rendered)`);
    }
    if (!isPlainObject(ext) || typeof ext["name"] !== "string" || typeof ext["type"] !== "string" || !isPlainObject(ext["settings"])) {
        throw bad(`"keyVaultExtension" must be the extension object with name, type and settings, got ${JSON.stringify(ext)}`);
    }
    return {
        batchAccountEndpoint,
        poolName,
        vaultUri: vault.uri,
        vaultName: vault.name,
        osFamily,
        extensionName: ext["name"],
        extensionType: ext["type"],
        certificates: certificateTargets(document, osFamily, ext["settings"]),
    };
}

/** Parses the outputs file's text; a syntax error names the file. */
export function parseOutputsText(text: string, source: string, pool?: string): VerifyTarget {
    let document: unknown;
    try {
        document = JSON.parse(text);
    } catch (error) {
        throw new VerifyError(
            ExitCode.BadOutputs,
            `${source} is not valid JSON (${error instanceof Error ? error.message : String(error)}); produce it with \`pulumi stack output --json --show-secrets > outputs.json\``,
        );
    }
    return parseOutputs(document, pool);
}
