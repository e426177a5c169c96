/** Connection options to Temporal from the configuration: plain, mTLS, or Temporal Cloud API key. */
import fs from 'node:fs';
import type { NativeConnectionOptions } from '@temporalio/worker';

export interface TemporalConnectionConfig {
  TEMPORAL_ADDRESS: string;
  KUBERNAUT_TEMPORAL_TLS_CERT?: string;
  KUBERNAUT_TEMPORAL_TLS_KEY?: string;
  KUBERNAUT_TEMPORAL_TLS_CA?: string;
  KUBERNAUT_TEMPORAL_TLS_SERVER_NAME?: string;
  KUBERNAUT_TEMPORAL_API_KEY?: string;
}

/** Options accepted by both NativeConnection (worker) and Connection (client). */
export function temporalConnectionOptions(c: TemporalConnectionConfig): NativeConnectionOptions & { address: string } {
  const mtls = c.KUBERNAUT_TEMPORAL_TLS_CERT && c.KUBERNAUT_TEMPORAL_TLS_KEY;
  const tls =
    mtls || c.KUBERNAUT_TEMPORAL_API_KEY || c.KUBERNAUT_TEMPORAL_TLS_CA
      ? {
          ...(c.KUBERNAUT_TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: c.KUBERNAUT_TEMPORAL_TLS_SERVER_NAME }),
          ...(c.KUBERNAUT_TEMPORAL_TLS_CA && { serverRootCACertificate: fs.readFileSync(c.KUBERNAUT_TEMPORAL_TLS_CA) }),
          ...(mtls && {
            clientCertPair: {
              crt: fs.readFileSync(c.KUBERNAUT_TEMPORAL_TLS_CERT!),
              key: fs.readFileSync(c.KUBERNAUT_TEMPORAL_TLS_KEY!),
            },
          }),
        }
      : undefined;
  return {
    address: c.TEMPORAL_ADDRESS,
    ...(tls && { tls }),
    ...(c.KUBERNAUT_TEMPORAL_API_KEY && { apiKey: c.KUBERNAUT_TEMPORAL_API_KEY }),
  };
}
