/**
 * The API server's certificates, made with openssl once per state directory: a CA, a serving certificate
 * for 127.0.0.1/localhost, and a client certificate in group `system:masters` — the only identity a
 * standalone apiextensions-apiserver accepts (it has no TokenReview or RBAC backend).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Certificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export function ensureCertificates(openssl: string, dir: string): Certificates {
  const f = (name: string) => path.join(dir, name);
  const certs: Certificates = {
    caCert: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
  };
  if (Object.values(certs).every((p) => fs.existsSync(p))) return certs;

  fs.mkdirSync(dir, { recursive: true });
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '3650',
    '-subj',
    '/CN=kubernaut-stack-ca',
  ]);

  const issue = (name: string, subject: string, extensions: string) => {
    fs.writeFileSync(f(`${name}.ext`), extensions);
    run(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    run([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '3650',
      '-extfile',
      `${name}.ext`,
    ]);
  };
  issue(
    'server',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  issue(
    'client',
    '/O=system:masters/CN=kubernaut-stack-admin',
    'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  return certs;
}
