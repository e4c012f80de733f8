// `npm run test:emulator`: runs test/emulator/*.emulator.ts against Lowkey
// Vault, an open-source Key Vault API emulator (nagyesta/lowkey-vault).
// Fetches the pinned jar with Maven (strict checksums) into .cache/, starts it
// on a free loopback port, waits until it answers, runs the suite, and stops
// it whatever happens. Anything missing is a failure with the fix, never a skip.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";

const LOWKEY_VERSION = "3.4.33"; // a release built for Java 17 (the app moved to Java 21 later)
const ARTIFACT = `com.github.nagyesta.lowkey-vault:lowkey-vault-app:${LOWKEY_VERSION}:jar`;
const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1";
const STARTUP_LIMIT_MS = 120_000;
const SUITE_LIMIT_MS = 5 * 60_000;
const STOP_GRACE_MS = 10_000;

const repoRoot = path.resolve(__dirname, "../..");
const cacheDir = path.join(repoRoot, ".cache", "lowkey-vault");

class RunnerError extends Error {}

async function main(): Promise<number> {
    requireJava();
    const jar = ensureJar();
    fs.mkdirSync(cacheDir, { recursive: true });
    const port = await freePort();
    const tokenPort = await freePort();
    const logFile = path.join(cacheDir, "lowkey-vault.log");
    const log = fs.openSync(logFile, "w");
    const vault = spawn(
        "java",
        [
            "-Xmx512m",
            "-jar",
            jar,
            `--server.port=${port}`,
            "--server.address=127.0.0.1",
            `--app.token.port=${tokenPort}`,
            "--LOWKEY_VAULT_RELAXED_PORTS=true",
            "--LOWKEY_DEBUG_REQUEST_LOG=false",
        ],
        { stdio: ["ignore", log, log], detached: false },
    );
    const stop = stopper(vault);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            void stop().then(() => process.exit(130));
        });
    }
    try {
        const started = Date.now();
        const caPem = await waitForTls(vault, port, logFile);
        console.log(`Lowkey Vault ${LOWKEY_VERSION} answering on https://127.0.0.1:${port} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const caFile = path.join(cacheDir, "lowkey-vault-tls.pem");
        fs.writeFileSync(caFile, caPem);
        return await runSuite(`https://127.0.0.1:${port}`, caFile);
    } finally {
        await stop();
        fs.closeSync(log);
    }
}

function requireJava(): void {
    const probe = spawnSync("java", ["-version"], { encoding: "utf8" });
    if (probe.error !== undefined || probe.status !== 0) {
        throw new RunnerError(
            "Java not found: Lowkey Vault needs a Java 17+ runtime on PATH. Fix: install one (e.g. `apt-get install openjdk-17-jre-headless`) and rerun.",
        );
    }
}

/** The jar: LOWKEY_VAULT_JAR if set, else the cached copy, else fetched by Maven with checksums enforced. */
function ensureJar(): string {
    const override = process.env.LOWKEY_VAULT_JAR;
    if (override !== undefined && override !== "") {
        if (!fs.existsSync(override)) {
            throw new RunnerError(`LOWKEY_VAULT_JAR=${override}: no such file. Fix: point it at lowkey-vault-app-${LOWKEY_VERSION}.jar or unset it.`);
        }
        return override;
    }
    const jar = path.join(cacheDir, `lowkey-vault-app-${LOWKEY_VERSION}.jar`);
    if (fs.existsSync(jar)) {
        return jar;
    }
    const mvn = spawnSync("mvn", ["-v"], { encoding: "utf8" });
    if (mvn.error !== undefined || mvn.status !== 0) {
        throw new RunnerError(
            `Lowkey Vault jar not cached (${path.relative(repoRoot, jar)}) and Maven not found to fetch ${ARTIFACT}. ` +
                "Fix: install Maven 3.8+ (e.g. `apt-get install maven`), or download the jar and set LOWKEY_VAULT_JAR.",
        );
    }
    console.log(`Fetching ${ARTIFACT} with Maven (strict checksums)...`);
    // -C: fail on a checksum mismatch instead of warning.
    const fetch = spawnSync(
        "mvn",
        ["-B", "-q", "-U", "-C", `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${cacheDir}`],
        { encoding: "utf8", cwd: repoRoot, timeout: 10 * 60_000 },
    );
    if (fetch.status !== 0 || !fs.existsSync(jar)) {
        const detail = `${fetch.stdout ?? ""}${fetch.stderr ?? ""}`
            .split("\n")
            .map((line) => line.replace(/\u001b\[[0-9;]*m/g, ""))
            .filter((line) => line.includes("ERROR") && line.trim() !== "[ERROR]")
            .slice(0, 2)
            .join("\n");
        throw new RunnerError(
            `Could not fetch ${ARTIFACT} with Maven:\n${detail || "(no error output)"}\n` +
                `Fix: make Maven Central reachable for this artifact, or download lowkey-vault-app-${LOWKEY_VERSION}.jar and set LOWKEY_VAULT_JAR to its path.`,
        );
    }
    return jar;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address !== null ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

/** Waits until the emulator completes a TLS handshake; returns its self-signed certificate (PEM) to trust for the test run. */
async function waitForTls(vault: ChildProcess, port: number, logFile: string): Promise<string> {
    const deadline = Date.now() + STARTUP_LIMIT_MS;
    while (Date.now() < deadline) {
        if (vault.exitCode !== null) {
            const tail = fs.readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
            const javaTooOld = /UnsupportedClassVersionError/.test(tail) ? " It needs a newer Java than the one on PATH." : "";
            throw new RunnerError(`Lowkey Vault exited with code ${vault.exitCode} during startup.${javaTooOld} Last log lines:\n${tail}`);
        }
        const pem = await peerCertificate(port);
        if (pem !== undefined && (await answersHttp(port, pem))) {
            return pem;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new RunnerError(`Lowkey Vault did not answer on 127.0.0.1:${port} within ${STARTUP_LIMIT_MS / 1000} s. See ${path.relative(repoRoot, logFile)}.`);
}

function peerCertificate(port: number): Promise<string | undefined> {
    return new Promise((resolve) => {
        // Only reads the certificate the emulator presents; nothing is sent over this connection.
        const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, servername: "localhost" }, () => {
            const cert = socket.getPeerX509Certificate();
            socket.end();
            resolve(cert?.toString());
        });
        socket.setTimeout(2_000, () => {
            socket.destroy();
            resolve(undefined);
        });
        socket.once("error", () => resolve(undefined));
    });
}

/** True once the Spring app serves HTTP (the port opens a little before the vaults are registered). */
function answersHttp(port: number, ca: string): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
            socket.write(`GET /management/vault HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
        });
        let head = "";
        socket.setEncoding("utf8");
        socket.on("data", (chunk: string) => {
            head += chunk;
        });
        socket.setTimeout(5_000, () => socket.destroy());
        socket.once("close", () => resolve(/^HTTP\/1\.1 2\d\d/.test(head)));
        socket.once("error", () => resolve(false));
    });
}

function runSuite(vaultUrl: string, caFile: string): Promise<number> {
    const dir = path.join(repoRoot, "test", "emulator");
    const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".emulator.ts"))
        .sort()
        .map((f) => path.join("test", "emulator", f));
    if (files.length === 0) {
        throw new RunnerError("No test/emulator/*.emulator.ts files found.");
    }
    return new Promise((resolve, reject) => {
        // One file at a time: the renewal test moves the emulator's clock for every vault.
        const suite = spawn(
            process.execPath,
            ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
            {
                cwd: repoRoot,
                stdio: "inherit",
                // The emulator's self-signed certificate is trusted by this child process only.
                env: { ...process.env, LOWKEY_VAULT_URL: vaultUrl, NODE_EXTRA_CA_CERTS: caFile },
            },
        );
        const timer = setTimeout(() => {
            suite.kill("SIGTERM");
            reject(new RunnerError(`The emulator suite did not finish within ${SUITE_LIMIT_MS / 1000} s.`));
        }, SUITE_LIMIT_MS);
        suite.once("error", reject);
        suite.once("exit", (code, signal) => {
            clearTimeout(timer);
            resolve(code ?? (signal !== null ? 1 : 0));
        });
    });
}

function stopper(child: ChildProcess): () => Promise<void> {
    let stopping: Promise<void> | undefined;
    return () => {
        stopping ??= new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
                resolve();
                return;
            }
            const kill = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
            child.once("exit", () => {
                clearTimeout(kill);
                resolve();
            });
            child.kill("SIGTERM");
        });
        return stopping;
    };
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(err instanceof RunnerError ? `test:emulator failed: ${err.message}` : err);
        process.exitCode = 1;
    },
);
