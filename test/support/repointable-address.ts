/**
 * One address whose destination can be changed, as a DNS record, a load balancer or a pooler's
 * config does: a source URL that stays the same (and so keeps every definition hash) while the
 * server behind it changes. Re-pointing drops the open connections, as a pooler's reload would.
 */
import { createServer, connect, type Socket } from 'node:net';

export interface RepointableAddress {
  /** The port clients connect to on 127.0.0.1. */
  port: number;
  /** Sends new connections to `port` on 127.0.0.1 and closes the open ones (resolves once clients had time to see it). */
  pointAt(port: number): Promise<void>;
  close(): Promise<void>;
}

/** Listens on a free loopback port, forwarding every connection to `initial`. */
export async function createRepointableAddress(initial: number): Promise<RepointableAddress> {
  let target = initial;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return {
    port: address.port,
    async pointAt(port) {
      target = port;
      for (const socket of open) socket.destroy();
      // A pool learns of a closed connection from its socket's events, not at once.
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
