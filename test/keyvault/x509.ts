// Real key pairs and X.509 certificates for the loopback Key Vault endpoint:
// the TLS chain it serves, and one self-signed certificate per certificate
// version, so thumbprints, `cer` and the secret's PKCS#12 / PEM agree as they
// do in Key Vault. Keys come from node:crypto (fast). node-forge builds the
// RSA certificates, CSRs and PKCS#12 (node:crypto cannot); forge has no EC
// keys at all, so EC certificates and CSRs are built with @peculiar/x509 and
// the EC PKCS#12 is assembled from forge's ASN.1, PBE and MAC primitives.
import * as crypto from "node:crypto";
import forge from "node-forge";
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** Key Vault's curve names (`crv` of the policy's key_props). */
export type EcCurveName = "P-256" | "P-384" | "P-521" | "P-256K";

export type KeySpec = { kty: "RSA"; size: number } | { kty: "EC"; curve: EcCurveName };

export interface IssuedCertificate {
    /** What was generated: the policy's key_props must say the same. */
    key: KeySpec;
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
    key: KeySpec;
    validityMonths: number;
    ekus: string[];
    keyUsage: string[];
}

const SHORT_NAMES: Record<string, string> = { cn: "CN", o: "O", ou: "OU", l: "L", st: "ST", s: "ST", c: "C", e: "E" };

/** `CN=a, O=b` -> [["CN", "a"], ["O", "b"]]; Key Vault keeps the subject as given. */
function subjectParts(subject: string): [string, string][] {
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
            return [shortName, part.slice(eq + 1).trim()];
        });
}

function subjectAttributes(subject: string): forge.pki.CertificateField[] {
    return subjectParts(subject).map(([shortName, value]) => (shortName === "E" ? { name: "emailAddress", value } : { shortName, value }));
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

/** nbf ten minutes back and exp `validityMonths` on, whole seconds, as recorded. */
function validity(now: Date, validityMonths: number): { notBefore: Date; notAfter: Date } {
    const seconds = Math.floor(now.getTime() / 1000) * 1000;
    const notAfter = new Date(seconds);
    notAfter.setUTCMonth(notAfter.getUTCMonth() + validityMonths);
    return { notBefore: new Date(seconds - 10 * 60_000), notAfter };
}

/** A self-signed certificate as Key Vault's "Self" issuer makes it, for the policy's key type. */
export async function issueSelfSigned(req: CertificateRequest, now: Date = new Date()): Promise<IssuedCertificate> {
    return req.key.kty === "EC" ? issueEc(req, req.key.curve, now) : issueRsa(req, req.key.size, now);
}

async function issueRsa(req: CertificateRequest, keySize: number, now: Date): Promise<IssuedCertificate> {
    const keys = await rsaKeyPair(keySize);
    const attrs = subjectAttributes(req.subject);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.forgePublic;
    cert.serialNumber = serialHex();
    const { notBefore, notAfter } = validity(now, req.validityMonths);
    cert.validity.notBefore = notBefore;
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
        key: { kty: "RSA", size: keySize },
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
    if (issued.key.kty === "EC") return ecPkcs12(issued).toString("base64");
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
/**
 * A CA and a server certificate for 127.0.0.1, ::1, localhost and the public
 * cloud's vault hosts (*.vault.azure.net) and Resource Manager
 * (management.azure.com), so a client that reaches a loopback endpoint through
 * the loopback proxy verifies it as it would verify Azure.
 */
export async function loopbackTls(
    // One name per endpoint kind: two CAs of one name in NODE_EXTRA_CA_CERTS make OpenSSL check against the wrong one.
    caCommonName = "batch-cert-rotation test CA (loopback only)",
): Promise<{ caPem: string; certPem: string; keyPem: string }> {
    const ca = await rsaKeyPair(2048);
    const caCert = forge.pki.createCertificate();
    caCert.publicKey = ca.forgePublic;
    caCert.serialNumber = serialHex();
    const now = Date.now();
    caCert.validity.notBefore = new Date(now - 60_000);
    caCert.validity.notAfter = new Date(now + 24 * 3600_000);
    const caName = [{ shortName: "CN", value: caCommonName }];
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
                { type: 2, value: "*.vault.azure.net" },
                { type: 2, value: "management.azure.com" },
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

// ----- EC -----

interface CurveParameters {
    /** OpenSSL's name, for node:crypto. */
    nodeCurve: string;
    /** @peculiar/x509's name: it maps it to the curve OID and the signature's size. */
    x509Curve: string;
    /** Key Vault pairs each curve with one digest (ES256, ES256K, ES384, ES512); the certificate is signed with it. */
    hash: "SHA-256" | "SHA-384" | "SHA-512";
}

const EC_CURVES: Record<EcCurveName, CurveParameters> = {
    "P-256": { nodeCurve: "prime256v1", x509Curve: "P-256", hash: "SHA-256" },
    "P-384": { nodeCurve: "secp384r1", x509Curve: "P-384", hash: "SHA-384" },
    "P-521": { nodeCurve: "secp521r1", x509Curve: "P-521", hash: "SHA-512" },
    "P-256K": { nodeCurve: "secp256k1", x509Curve: "K-256", hash: "SHA-256" },
};

export const EC_CURVE_NAMES = Object.keys(EC_CURVES) as EcCurveName[];

export function isEcCurveName(value: unknown): value is EcCurveName {
    return typeof value === "string" && Object.hasOwn(EC_CURVES, value);
}

/** Bits of the curve's order, which Key Vault reports as the EC key's `key_size`. */
export function ecKeySize(curve: EcCurveName): number {
    return curve === "P-384" ? 384 : curve === "P-521" ? 521 : 256;
}

function ecKeyPair(curve: EcCurveName): Promise<{ privateKey: crypto.KeyObject; publicKey: crypto.KeyObject }> {
    return new Promise((resolve, reject) =>
        crypto.generateKeyPair("ec", { namedCurve: EC_CURVES[curve].nodeCurve }, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ privateKey, publicKey }))),
    );
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
    const out = new ArrayBuffer(bytes.length);
    new Uint8Array(out).set(bytes);
    return out;
}

function hashName(algorithm: unknown): string {
    const hash = typeof algorithm === "object" && algorithm !== null ? (algorithm as { hash?: unknown }).hash : undefined;
    const name = typeof hash === "string" ? hash : typeof hash === "object" && hash !== null ? (hash as { name?: unknown }).name : undefined;
    if (typeof name !== "string") throw new Error("EC signer: the signing algorithm names no hash");
    return name.replace("-", "").toLowerCase();
}

/**
 * A WebCrypto provider for @peculiar/x509 whose `sign` and `exportKey` are
 * node:crypto's, for one key pair. Node's WebCrypto has no secp256k1
 * (Key Vault's P-256K), so all four curves sign through node:crypto (the
 * same OpenSSL) rather than two code paths; the library only lays out the
 * ASN.1 and calls sign, exportKey and digest.
 */
function nodeKeyProvider(
    pair: { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject },
    curve: EcCurveName,
): { provider: crypto.webcrypto.Crypto; keys: crypto.webcrypto.CryptoKeyPair } {
    const algorithm: crypto.webcrypto.EcKeyAlgorithm = { name: "ECDSA", namedCurve: EC_CURVES[curve].x509Curve };
    const privateKey: crypto.webcrypto.CryptoKey = { algorithm, extractable: false, type: "private", usages: ["sign"] };
    const publicKey: crypto.webcrypto.CryptoKey = { algorithm, extractable: true, type: "public", usages: ["verify"] };
    const spki = pair.publicKey.export({ type: "spki", format: "der" });
    const subtle = {
        sign(signAlgorithm: unknown, key: crypto.webcrypto.CryptoKey, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> {
            if (key !== privateKey) return Promise.reject(new Error("EC signer: not the key pair this provider was made for"));
            const bytes = ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
            // WebCrypto's ECDSA signature is r||s; @peculiar/x509 re-encodes it as the DER X.509 wants.
            return Promise.resolve(toArrayBuffer(crypto.sign(hashName(signAlgorithm), bytes, { key: pair.privateKey, dsaEncoding: "ieee-p1363" })));
        },
        exportKey(format: string, key: crypto.webcrypto.CryptoKey): Promise<ArrayBuffer> {
            if (format !== "spki" || key !== publicKey) return Promise.reject(new Error(`EC signer: exportKey(${format}) of a key it does not hold`));
            return Promise.resolve(toArrayBuffer(spki));
        },
        digest(digestAlgorithm: crypto.webcrypto.AlgorithmIdentifier, data: crypto.webcrypto.BufferSource): Promise<ArrayBuffer> {
            return crypto.webcrypto.subtle.digest(digestAlgorithm, data);
        },
    };
    const provider = {
        subtle,
        getRandomValues: crypto.webcrypto.getRandomValues.bind(crypto.webcrypto),
        randomUUID: () => crypto.randomUUID(),
    };
    // Only the three methods above are ever called (see the note on this function); the rest of SubtleCrypto is absent on purpose.
    return { provider: provider as unknown as crypto.webcrypto.Crypto, keys: { privateKey, publicKey } };
}

const X509_KEY_USAGE: Record<string, x509.KeyUsageFlags> = {
    digitalSignature: x509.KeyUsageFlags.digitalSignature,
    nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
    keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
    dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
    keyAgreement: x509.KeyUsageFlags.keyAgreement,
    keyCertSign: x509.KeyUsageFlags.keyCertSign,
    cRLSign: x509.KeyUsageFlags.cRLSign,
    encipherOnly: x509.KeyUsageFlags.encipherOnly,
    decipherOnly: x509.KeyUsageFlags.decipherOnly,
};

/** The EC counterpart of issueRsa: same extensions, validity and CSR, signed with the curve's digest. */
async function issueEc(req: CertificateRequest, curve: EcCurveName, now: Date): Promise<IssuedCertificate> {
    const pair = await ecKeyPair(curve);
    const { provider, keys } = nodeKeyProvider(pair, curve);
    const name = new x509.Name(subjectParts(req.subject).map(([shortName, value]) => ({ [shortName]: [value] })));
    const spki = pair.publicKey.export({ type: "spki", format: "der" });
    const keyId = await new x509.PublicKey(toArrayBuffer(spki)).getKeyIdentifier(provider);
    const keyIdHex = Buffer.from(keyId).toString("hex");
    const flags = req.keyUsage.reduce((acc, usage) => acc | (X509_KEY_USAGE[usage] ?? 0), 0);
    const extensions: x509.Extension[] = [new x509.KeyUsagesExtension(flags, true), new x509.BasicConstraintsExtension(false)];
    if (req.ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(req.ekus));
    if (req.dnsNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(req.dnsNames.map((value) => ({ type: "dns" as const, value }))));
    extensions.push(new x509.SubjectKeyIdentifierExtension(keyIdHex), new x509.AuthorityKeyIdentifierExtension(keyIdHex));
    const { notBefore, notAfter } = validity(now, req.validityMonths);
    const signingAlgorithm = { name: "ECDSA", hash: EC_CURVES[curve].hash };
    const cert = await x509.X509CertificateGenerator.create(
        { serialNumber: serialHex(), subject: name, issuer: name, notBefore, notAfter, publicKey: toArrayBuffer(spki), signingKey: keys.privateKey, signingAlgorithm, extensions },
        provider,
    );
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm }, provider);
    const der = Buffer.from(cert.rawData);
    return {
        key: { kty: "EC", curve },
        der,
        sha1: crypto.createHash("sha1").update(der).digest(),
        keyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        certPem: new crypto.X509Certificate(der).toString(),
        notBefore,
        notAfter,
        csrDer: Buffer.from(csr.rawData),
    };
}

/**
 * A password-less PFX for an EC key, laid out as forge's toPkcs12Asn1 lays
 * out the RSA one (certificate bag in plain data, PKCS#8 key in an
 * AES-256 shrouded bag, both tagged with the certificate's SHA-1 as
 * localKeyId, SHA-1 HMAC): forge's own builder takes RSA keys only.
 */
function ecPkcs12(issued: IssuedCertificate): Buffer {
    const { asn1, pki } = forge;
    const U = asn1.Class.UNIVERSAL;
    const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(U, asn1.Type.SEQUENCE, true, items);
    const oid = (id: string): forge.asn1.Asn1 => asn1.create(U, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
    const octets = (bytes: string): forge.asn1.Asn1 => asn1.create(U, asn1.Type.OCTETSTRING, false, bytes);
    const explicit0 = (inner: forge.asn1.Asn1): forge.asn1.Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
    const der = (node: forge.asn1.Asn1): string => asn1.toDer(node).getBytes();
    const dataInfo = (content: forge.asn1.Asn1): forge.asn1.Asn1 => seq([oid(pki.oids.data), explicit0(octets(der(content)))]);

    const bagAttrs = asn1.create(U, asn1.Type.SET, true, [seq([oid(pki.oids.localKeyId), asn1.create(U, asn1.Type.SET, true, [octets(issued.sha1.toString("binary"))])])]);
    const certBag = seq([oid(pki.oids.certBag), explicit0(seq([oid(pki.oids.x509Certificate), explicit0(octets(issued.der.toString("binary")))])), bagAttrs]);
    const keyInfo = asn1.fromDer(crypto.createPrivateKey(issued.keyPem).export({ type: "pkcs8", format: "der" }).toString("binary"));
    const keyBag = seq([oid(pki.oids.pkcs8ShroudedKeyBag), explicit0(pki.encryptPrivateKeyInfo(keyInfo, "", { algorithm: "aes256" })), bagAttrs]);
    const safe = seq([dataInfo(seq([certBag])), dataInfo(seq([keyBag]))]);

    const count = 2048;
    const salt = forge.random.getBytesSync(8);
    const macKey = forge.pkcs12.generateKey("", forge.util.createBuffer(salt), 3, count, 20);
    const hmac = forge.hmac.create();
    hmac.start("sha1", macKey);
    hmac.update(der(safe));
    const macData = seq([
        seq([seq([oid(pki.oids.sha1), asn1.create(U, asn1.Type.NULL, false, "")]), octets(hmac.digest().getBytes())]),
        octets(salt),
        asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(count).getBytes()),
    ]);
    const pfx = seq([asn1.create(U, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()), seq([oid(pki.oids.data), explicit0(octets(der(safe)))]), macData]);
    return Buffer.from(der(pfx), "binary");
}
