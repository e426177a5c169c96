/** Waiting for a condition with a deadline: how every server of the stack is declared ready. */
import net from 'node:net';

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; onTimeout?: () => string },
): Promise<T> {
  const until = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= until) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const extra = opts.onTimeout ? `\n${opts.onTimeout()}` : '';
      throw new Error(`${what} was not ready within ${opts.timeoutMs} ms${detail}${extra}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Fails with a message naming the variable that moves the port when something else already listens there. */
export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  if (await portInUse(port)) {
    throw new Error(
      `port ${port} needed for ${what} is already in use by another program; ` +
        `stop it or choose another port with ${envVar}=<port>`,
    );
  }
}
