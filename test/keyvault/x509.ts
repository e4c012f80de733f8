// Real key pairs and X.509 certificates for the loopback Key Vault endpoint:
// the TLS chain it serves, and one self-signed certificate per certificate
// version, so thumbprints, `cer` and the secret's PKCS#12 / PEM agree as they
// do in Key Vault. RSA keys come from node:crypto (fast); node-forge builds
// the certificates, CSRs and PKCS#12 (node:crypto cannot).
import * as crypto from "node:crypto";
import forge from "node-forge";

export interface IssuedCertificate {
    /** DER of the certificate. */
    der: Buffer;
    /** SHA-1 of the DER: Key Vault's `x5t` is its base64url. */
    sha1: Buffer;
    /** PKCS#8 PEM of the private key. */
    keyPem: string;
    certPem: string;
    notBefore: Date;
    notAfter: Date;
    /** DER of a PKCS#10 request for the same key and subject (the pending operation's `csr`). */
    csrDer: Buffer;
}

export interface CertificateRequest {
    subject: string;
    dnsNames: string[];
    keySize: number;
    validityMonths: number;
    ekus: string[];
    keyUsage: string[];
}

const SHORT_NAMES: Record<string, string> = { cn: "CN", o: "O", ou: "OU", l: "L", st: "ST", s: "ST", c: "C", e: "E" };

/** `CN=a, O=b` -> forge attributes; Key Vault keeps the subject as given. */
function subjectAttributes(subject: string): forge.pki.CertificateField[] {
    return subject
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part.length > 0)
        .map((part) => {
            const eq = part.indexOf("=");
            const key = part.slice(0, eq).trim().toLowerCase();
            const shortName = SHORT_NAMES[key];
            if (eq < 1 || shortName === undefined) {
                throw new Error(`subject "${subject}": "${part}" is not one of CN, O, OU, L, ST, C, E`);
            }
            return shortName === "E" ? { name: "emailAddress", value: part.slice(eq + 1).trim() } : { shortName, value: part.slice(eq + 1).trim() };
        });
}

async function rsaKeyPair(bits: number): Promise<{ privatePem: string; forgeKey: forge.pki.rsa.PrivateKey; forgePublic: forge.pki.rsa.PublicKey }> {
    const { privateKey } = await new Promise<{ privateKey: string }>((resolve, reject) =>
        crypto.generateKeyPair(
            "rsa",
            { modulusLength: bits, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } },
            (err, _publicKey, privatePem) => (err ? reject(err) : resolve({ privateKey: privatePem })),
        ),
    );
    const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
    return { privatePem: privateKey, forgeKey, forgePublic: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function serialHex(): string {
    const bytes = crypto.randomBytes(16);
    bytes[0] &= 0x7f; // positive INTEGER
    return bytes.toString("hex");
}

function derOf(cert: forge.pki.Certificate): Buffer {
    return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), "binary");
}

const KEY_USAGE_FLAGS = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"];

/** A self-signed certificate as Key Vault's "Self" issuer makes it: nbf ten minutes back, as recorded. */
export async function issueSelfSigned(req: CertificateRequest, now: Date = new Date()): Promise<IssuedCertificate> {
    const keys = await rsaKeyPair(req.keySize);
    const attrs = subjectAttributes(req.subject);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.forgePublic;
    cert.serialNumber = serialHex();
    cert.validity.notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 10 * 60_000);
    const notAfter = new Date(Math.floor(now.getTime() / 1000) * 1000);
    notAfter.setUTCMonth(notAfter.getUTCMonth() + req.validityMonths);
    cert.validity.notAfter = notAfter;
    cert.setSubject(attrs);
    cert.setIssuer(attrs);
    const keyUsage: Record<string, unknown> = { name: "keyUsage", critical: true };
    for (const flag of req.keyUsage) {
        if (KEY_USAGE_FLAGS.includes(flag)) keyUsage[flag] = true;
    }
    const extensions: Record<string, unknown>[] = [keyUsage, { name: "basicConstraints", cA: false }];
    if (req.ekus.length > 0) {
        // forge maps extKeyUsage purposes by name; unknown OIDs are left out rather than mis-encoded.
        const byOid: Record<string, string> = { "1.3.6.1.5.5.7.3.1": "serverAuth", "1.3.6.1.5.5.7.3.2": "clientAuth", "1.3.6.1.5.5.7.3.3": "codeSigning", "1.3.6.1.5.5.7.3.4": "emailProtection" };
        const eku: Record<string, unknown> = { name: "extKeyUsage" };
        for (const oid of req.ekus) {
            const name = byOid[oid];
            if (name !== undefined) eku[name] = true;
        }
        extensions.push(eku);
    }
    if (req.dnsNames.length > 0) {
        extensions.push({ name: "subjectAltName", altNames: req.dnsNames.map((value) => ({ type: 2, value })) });
    }
    extensions.push({ name: "subjectKeyIdentifier" }, { name: "authorityKeyIdentifier", keyIdentifier: true });
    cert.setExtensions(extensions);
    cert.sign(keys.forgeKey, forge.md.sha256.create());

    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = keys.forgePublic;
    csr.setSubject(attrs);
    csr.sign(keys.forgeKey, forge.md.sha256.create());
    const csrDer = Buffer.from(forge.asn1.toDer(forge.pki.certificationRequestToAsn1(csr)).getBytes(), "binary");

    const der = derOf(cert);
    return {
        der,
        sha1: crypto.createHash("sha1").update(der).digest(),
        keyPem: keys.privatePem,
        // forge writes CRLF; Key Vault's PEM secret uses LF.
        certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n"),
        notBefore: cert.validity.notBefore,
        notAfter,
        csrDer,
    };
}

/** The secret value Key Vault serves for `application/x-pkcs12`: a password-less PFX, base64. */
export function pkcs12Base64(issued: IssuedCertificate): string {
    const key = forge.pki.privateKeyFromPem(issued.keyPem);
    const cert = forge.pki.certificateFromPem(issued.certPem);
    const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], "", { algorithm: "aes256", generateLocalKeyId: true });
    return Buffer.from(forge.asn1.toDer(p12).getBytes(), "binary").toString("base64");
}

/** The secret value Key Vault serves for `application/x-pem-file`: PKCS#8 key, then the certificate (as recorded). */
export function pemBundle(issued: IssuedCertificate): string {
    return `${issued.keyPem.trimEnd()}\n${issued.certPem.trimEnd()}\n`;
}

/** A CA and a server certificate for 127.0.0.1 / localhost / ::1 signed by it: the endpoint's TLS, new each run. */
export async function loopbackTls(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
    const ca = await rsaKeyPair(2048);
    const caCert = forge.pki.createCertificate();
    caCert.publicKey = ca.forgePublic;
    caCert.serialNumber = serialHex();
    const now = Date.now();
    caCert.validity.notBefore = new Date(now - 60_000);
    caCert.validity.notAfter = new Date(now + 24 * 3600_000);
    const caName = [{ shortName: "CN", value: "batch-cert-rotation test CA (loopback only)" }];
    caCert.setSubject(caName);
    caCert.setIssuer(caName);
    caCert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    caCert.sign(ca.forgeKey, forge.md.sha256.create());

    const leaf = await rsaKeyPair(2048);
    const cert = forge.pki.createCertificate();
    cert.publicKey = leaf.forgePublic;
    cert.serialNumber = serialHex();
    cert.validity.notBefore = new Date(now - 60_000);
    cert.validity.notAfter = new Date(now + 24 * 3600_000);
    cert.setSubject([{ shortName: "CN", value: "127.0.0.1" }]);
    cert.setIssuer(caName);
    cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
            name: "subjectAltName",
            altNames: [
                { type: 7, ip: "127.0.0.1" },
                { type: 7, ip: "::1" },
                { type: 2, value: "localhost" },
            ],
        },
    ]);
    cert.sign(ca.forgeKey, forge.md.sha256.create());
    return { caPem: forge.pki.certificateToPem(caCert), certPem: forge.pki.certificateToPem(cert), keyPem: leaf.privatePem };
}

/** base64url without padding, as Key Vault writes `x5t`. */
export function base64url(bytes: Buffer): string {
    return bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
