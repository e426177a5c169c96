/**
 * Ports for servers the tests and the bench start (and restart) themselves come from outside the kernel's
 * ephemeral range, so an outgoing connection cannot take one between the pick and the server's bind.
 */
import net from 'node:net';
import { ephemeralRange, freePort, pickRange } from '../../src/stack/free-port';

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('free ports', () => {
  it('reads the kernel ephemeral range, and falls back to the Linux default on unreadable or malformed input', () => {
    expect(ephemeralRange(() => '32768\t60999\n')).toEqual([32768, 60999]);
    expect(ephemeralRange(() => '1024 65535')).toEqual([1024, 65535]);
    expect(ephemeralRange(() => 'garbage')).toEqual([32768, 60999]);
    expect(ephemeralRange(() => '5000 4000')).toEqual([32768, 60999]);
    expect(
      ephemeralRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual([32768, 60999]);
  });

  it('picks below the ephemeral range when there is room, else above it, else nowhere', () => {
    expect(pickRange([32768, 60999])).toEqual([20000, 32767]);
    expect(pickRange([10000, 50000])).toEqual([50001, 65535]);
    expect(pickRange([1024, 65535])).toBeUndefined();
  });

  it('hands out distinct ports outside the ephemeral range that a server can bind', async () => {
    const [low, high] = ephemeralRange();
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    if (pickRange([low, high])) {
      for (const port of ports) expect(port < low || port > high).toBe(true);
    }
    const servers = await Promise.all(ports.map(listenOn));
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('skips a port a server is listening on', async () => {
    const range = pickRange(ephemeralRange());
    expect(range).toBeDefined();
    const [from, to] = range!;
    // A port in the range that another server holds: listen on the first bindable one from the middle up.
    let busy: net.Server | undefined;
    for (let port = Math.floor((from + to) / 2); !busy && port <= to; port++)
      busy = await listenOn(port).catch(() => undefined);
    const busyPort = (busy!.address() as net.AddressInfo).port;
    const draws = [(busyPort - from) / (to - from + 1), 0.1];
    const random = jest.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0.2);
    try {
      const port = await freePort();
      // The first draw was the busy port: rejected by its bind check, the next draw taken.
      expect(random.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(port).not.toBe(busyPort);
      expect(port).toBeGreaterThanOrEqual(from);
      expect(port).toBeLessThanOrEqual(to);
    } finally {
      random.mockRestore();
      await new Promise((resolve) => busy!.close(resolve));
    }
  });
});
