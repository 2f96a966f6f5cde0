// Serving certificates for `gdeploy sandbox --tls`: a throwaway CA and a
// certificate for the loopback addresses signed by it, the way kind and
// kubeadm bootstrap a cluster. Clients trust the CA (it goes into the
// kubeconfig as certificate-authority-data), never the serving cert itself.
//
// The same CA signs client certificates, as kubeadm's cluster CA does: the API
// server trusts it for clients too (kube-apiserver --client-ca-file), takes the
// user from the certificate's CN and the groups from its O fields.
//
// For the API server:
//   generateTlsMaterial(): TlsMaterial      // { caPem, caKeyPem, certPem, keyPem }
//   https.createServer({ cert: certPem, key: keyPem, requestCert: true, ca: caPem }, handler)
//   issueClientCertificate(material, { user: 'jane', groups: ['dev'] }): ClientCertificate
//   generateToken(): string                 // a random bearer token
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface TlsMaterial {
  /** The CA certificate clients verify the server against. */
  caPem: string;
  /** The CA's private key (PKCS#8); without it no client certificate can be issued. */
  caKeyPem?: string;
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
  // A name of its own, as k3s's `k3s-server-ca@<time>`: a certificate from
  // another sandbox's CA then fails to verify as "unknown issuer" instead of
  // being checked against a same-named CA whose key did not sign it.
  caCert.setSubject([name('commonName', `gdeploy-sandbox-ca@${Math.floor(Date.now() / 1000)}-${randomBytes(4).toString('hex')}`)]);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = newKeyPair();
  const cert = newCertificate(server.publicKey, days);
  cert.setSubject([name('commonName', 'gdeploy-sandbox')]);
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
    caKeyPem: ca.privatePem,
    certPem: forge.pki.certificateToPem(cert),
    keyPem: server.privatePem,
  };
}

export interface ClientIdentity {
  /** The certificate's CN: the user name RBAC sees. */
  user: string;
  /** One O field each: the user's groups. */
  groups?: string[];
  /** Validity from now, in days (default 365). */
  days?: number;
}

export interface ClientCertificate {
  certPem: string;
  /** PKCS#8. */
  keyPem: string;
}

/** A client certificate for `user`, signed by the material's CA. */
export function issueClientCertificate(ca: Pick<TlsMaterial, 'caPem' | 'caKeyPem'>, id: ClientIdentity): ClientCertificate {
  if (!ca.caKeyPem) throw new Error('cannot issue a client certificate: the TLS material has no CA key');
  const caCert = forge.pki.certificateFromPem(ca.caPem);
  const caKey = forge.pki.privateKeyFromPem(ca.caKeyPem);
  const client = newKeyPair();
  const cert = newCertificate(client.publicKey, id.days ?? 365);
  // Laid out as kubeadm writes admin.conf's certificate: O=<group>, ..., CN=<user>.
  cert.setSubject([...(id.groups ?? []).map((group) => name('organizationName', group)), name('commonName', id.user)]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: client.privatePem };
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

// forge writes names as PrintableString, which has no '@' and no letters
// outside ASCII; Go's x509 refuses such a certificate outright. UTF8String
// takes any user or group name (forge encodes the value; its typings call
// the tag a class).
function name(attribute: string, value: string): forge.pki.CertificateField {
  return { name: attribute, value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class };
}

function subjectAltNames(hosts: string[]): { type: number; value?: string; ip?: string }[] {
  // GeneralName tags: 2 is dNSName, 7 is iPAddress.
  return [...new Set(hosts)].map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h }));
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
