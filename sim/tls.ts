// A throwaway self-signed certificate for the loopback simulator (CN=localhost, SAN localhost and 127.0.0.1,
// plus the simulator's server name when it has one). Processes that talk to the simulator trust it through
// NODE_EXTRA_CA_CERTS (or tls.setDefaultCACertificates).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';

export interface Certificate {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  /**
   * The name the simulator's servers are reached by (in the certificate, and in every URL they hand out) and
   * the address they listen on. Default 127.0.0.1 for both. A name that is not a loopback string lets
   * clients that never proxy loopback hosts (@actions/http-client) go through a proxy.
   */
  serverName?: string;
  bindAddress?: string;
}

/** Creates (or reuses) a certificate in `dir`, valid for localhost, 127.0.0.1 and `serverName` if given. */
export function ensureCertificate(dir: string, serverName?: string): Certificate {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '30',
        '-subj',
        '/CN=localhost',
        '-addext',
        `subjectAltName=DNS:localhost,IP:127.0.0.1${serverName && !isIP(serverName) ? `,DNS:${serverName}` : ''}`,
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { stdio: 'ignore' },
    );
  }
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

/** Makes this process trust the certificate, for simulator code that calls its own https servers. */
export function trustInThisProcess(cert: Certificate): void {
  const current = tls.getCACertificates('default');
  if (!current.includes(cert.cert)) tls.setDefaultCACertificates([...current, cert.cert]);
}
