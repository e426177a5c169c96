/**
 * Free ports for servers a test or the bench starts a moment later (and may restart on the same port).
 *
 * `listen(0)` hands out a port from the kernel's ephemeral range, the same pool every outgoing connection on the
 * machine draws its local port from: between closing the probe and the server's own bind, any `connect()` may take
 * it (seen in CI: a dedicated Temporal server's HTTP port "address already in use"), and a server restarted on its
 * port later has the same exposure. So the port is picked at random below that range (and above the stack's
 * fixed defaults, 12379–19466), where only explicit binds land, and checked free by binding it.
 */
import fs from 'node:fs';
import net from 'node:net';

const LOWEST = 20_000;
const EPHEMERAL_RANGE = '/proc/sys/net/ipv4/ip_local_port_range';
const ATTEMPTS = 50;

/** Ports this process handed out, so two calls never return the same one before either is bound. */
const handedOut = new Set<number>();

/** The kernel's ephemeral range, as `[low, high]` (Linux default when unreadable). */
export function ephemeralRange(read: () => string = () => fs.readFileSync(EPHEMERAL_RANGE, 'utf8')): [number, number] {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 0 && high >= low) return [low, high];
  } catch {
    // not Linux, or /proc not mounted: fall through to the default
  }
  return [32_768, 60_999];
}

/** The range to pick from: below the ephemeral range if it leaves room there, else above it. */
export function pickRange([low, high]: [number, number]): [number, number] | undefined {
  if (low - 1 - LOWEST >= 1_000) return [LOWEST, low - 1];
  if (65_535 - (high + 1) >= 1_000) return [high + 1, 65_535];
  return undefined;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function kernelPick(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port on 127.0.0.1 that nothing listens on now and that outgoing connections will not take meanwhile. */
export async function freePort(): Promise<number> {
  const range = pickRange(ephemeralRange());
  if (range) {
    const [from, to] = range;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const port = from + Math.floor(Math.random() * (to - from + 1));
      if (handedOut.has(port)) continue;
      if (await bindable(port)) {
        handedOut.add(port);
        return port;
      }
    }
  }
  // No room outside the ephemeral range (or all tries taken): the kernel's pick, with the race described above.
  const port = await kernelPick();
  handedOut.add(port);
  return port;
}
