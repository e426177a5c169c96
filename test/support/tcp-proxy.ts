/**
 * A TCP proxy a test can cut: put between a client and a server, `cut()` destroys every open connection and
 * refuses new ones (the listening socket is closed, so connects get ECONNREFUSED) until `restore()`, which
 * listens again on the same port. To the client this is the server becoming unreachable and coming back.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far (and so forwarded to the target). */
  readonly accepted: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const onConnection = (client: net.Socket) => {
    accepted++;
    const upstream = net.connect(target);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };
  const listen = (server: net.Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const closeServer = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

  let server: net.Server | undefined = net.createServer(onConnection);
  const port = await listen(server, 0);

  const proxy: TcpProxy = {
    port,
    get accepted() {
      return accepted;
    },
    async cut() {
      if (!server) return;
      const closing = closeServer(server);
      server = undefined;
      for (const socket of sockets) socket.destroy();
      await closing;
    },
    async restore() {
      if (server) return;
      server = net.createServer(onConnection);
      await listen(server, port);
    },
    async close() {
      await proxy.cut();
    },
  };
  return proxy;
}
