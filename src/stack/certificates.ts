/**
 * The control plane's keys and certificates, made with openssl once per state directory: a CA, a serving
 * certificate for 127.0.0.1/localhost and the in-cluster names of the API server (also served by Tekton's
 * admission webhook, which runs beside it), a client certificate in group `system:masters` for the admin
 * kubeconfig and the stack's own infrastructure (controller-manager, scheduler, KWOK, Tekton), and the key
 * pair that signs and verifies ServiceAccount tokens.
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
  /** Signs ServiceAccount tokens (kube-apiserver, kube-controller-manager). */
  serviceAccountKey: string;
  /** Verifies them (kube-apiserver). */
  serviceAccountPublicKey: string;
}

export function ensureCertificates(openssl: string, dir: string): Certificates {
  const f = (name: string) => path.join(dir, name);
  const certs: Certificates = {
    caCert: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    serviceAccountKey: f('service-account.key'),
    serviceAccountPublicKey: f('service-account.pub'),
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
    `subjectAltName=${SERVING_NAMES}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
  );
  issue(
    'client',
    '/O=system:masters/CN=kubernaut-stack-admin',
    'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'service-account.key']);
  run(['ec', '-in', 'service-account.key', '-pubout', '-out', 'service-account.pub']);
  return certs;
}

/** The API server's first service IP (of SERVICE_CLUSTER_IP_RANGE) and in-cluster names. */
const SERVING_NAMES = [
  'IP:127.0.0.1',
  'IP:10.96.0.1',
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
].join(',');
