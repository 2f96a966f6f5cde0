// Serving certificates for `gdeploy sandbox --tls`: a throwaway CA and a
// certificate for the loopback addresses signed by it, the way kind and
// kubeadm bootstrap a cluster. Clients trust the CA (it goes into the
// kubeconfig as certificate-authority-data), never the serving cert itself.
//
// For the API server:
//   generateTlsMaterial(): TlsMaterial      // { caPem, certPem, keyPem }
//   https.createServer({ cert: certPem, key: keyPem }, handler)
//   generateToken(): string                 // a random bearer token
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface TlsMaterial {
  /** The CA certificate clients verify the server against. */
  caPem: string;
  /** The serving certificate (127.0.0.1, ::1, localhost). */
  certPem: string;
  /** The serving certificate's private key (PKCS#8). */
  keyPem: string;
}

export interface TlsOptions {
  /** Extra DNS names or IP addresses the serving certificate is valid for. */
  hosts?: string[];
  /** Validity from now, in days (default 365). */
  days?: number;
}

const DEFAULT_HOSTS = ['127.0.0.1', '::1', 'localhost'];

export function generateTlsMaterial(opts: TlsOptions = {}): TlsMaterial {
  const days = opts.days ?? 365;
  const ca = newKeyPair();
  const caCert = newCertificate(ca.publicKey, days);
  caCert.setSubject([{ name: 'commonName', value: 'gdeploy-sandbox-ca' }]);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = newKeyPair();
  const cert = newCertificate(server.publicKey, days);
  cert.setSubject([{ name: 'commonName', value: 'gdeploy-sandbox' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: subjectAltNames([...DEFAULT_HOSTS, ...(opts.hosts ?? [])]) },
  ]);
  cert.sign(ca.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: server.privatePem,
  };
}

/** A bearer token with 256 bits of entropy. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

interface KeyPair {
  publicKey: forge.pki.rsa.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  privatePem: string;
}

// node-forge's pure-JS RSA key generation takes seconds; the native one takes
// milliseconds, and forge only has to sign.
function newKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey;
  return {
    privateKey: forgeKey,
    publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e),
    privatePem,
  };
}

function newCertificate(publicKey: forge.pki.rsa.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the top bit of the first byte must be clear in DER.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  // Backdated a little so a client whose clock lags does not see a not-yet-valid cert.
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + days * 24 * 60 * 60 * 1000);
  return cert;
}

function subjectAltNames(hosts: string[]): { type: number; value?: string; ip?: string }[] {
  // GeneralName tags: 2 is dNSName, 7 is iPAddress.
  return [...new Set(hosts)].map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h }));
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
