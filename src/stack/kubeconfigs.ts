/**
 * Kubeconfig files for the stack's API server: the admin one (client certificate in `system:masters`)
 * used by developers, tests and the stack's own infrastructure, and token ones for the identities the
 * project's processes run as (identities.ts).
 */
import fs from 'node:fs';
import YAML from 'yaml';
import type { Certificates } from './certificates';

type User = { 'client-certificate-data': string; 'client-key-data': string } | { token: string };

function write(file: string, port: number, caCert: string, userName: string, user: User): void {
  const b64 = (p: string) => fs.readFileSync(p).toString('base64');
  const body = YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kubernaut-stack',
        cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': b64(caCert) },
      },
    ],
    users: [{ name: userName, user }],
    contexts: [{ name: 'kubernaut-stack', context: { cluster: 'kubernaut-stack', user: userName } }],
    'current-context': 'kubernaut-stack',
  });
  // Write then rename: a reader never sees half a file, even while `stack up` refreshes tokens.
  fs.writeFileSync(`${file}.tmp`, body, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

export function writeAdminKubeconfig(file: string, port: number, certs: Certificates): void {
  const b64 = (p: string) => fs.readFileSync(p).toString('base64');
  write(file, port, certs.caCert, 'kubernaut-stack-admin', {
    'client-certificate-data': b64(certs.clientCert),
    'client-key-data': b64(certs.clientKey),
  });
}

export function writeTokenKubeconfig(
  file: string,
  port: number,
  certs: Certificates,
  userName: string,
  token: string,
): void {
  write(file, port, certs.caCert, userName, { token });
}
