/**
 * A TCP proxy in front of a Postgres server that closes a client's connection the moment
 * postgres.js's array-type query passes through it (the query a new connection sends before its
 * first one), the first `times` times; later connections go through, as if the server were back.
 */
import { createServer, connect, type Socket } from 'node:net';

export interface TypeQueryProxy {
  /** The port to connect to instead of the server's. */
  port: number;
  /** How many connections were closed at their type query so far. */
  closed(): number;
  close(): void;
}

export async function closingAtTypeQuery(server: URL, times = 1): Promise<TypeQueryProxy> {
  let closed = 0;
  const proxy = createServer((client: Socket) => {
    const upstream = connect(Number(server.port || 5432), server.hostname);
    client.on('data', (chunk) => {
      if (chunk.includes('typarray') && closed < times) {
        closed++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { port: (proxy.address() as { port: number }).port, closed: () => closed, close: () => proxy.close() };
}
