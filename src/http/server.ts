/** Serving the app on a real socket, with graceful shutdown (finish running checks, close pools). */
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from '../logging/logger.js';
import type { Service } from '../service/service.js';
import { createApp, type AppDeps } from './app.js';
import { routeRegistrars } from './routes/index.js';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Builds the full app for a service. */
export function createParityApp(deps: AppDeps) {
  return createApp(deps, routeRegistrars);
}

/** Listens on config.host:config.port (port 0 picks a free one). */
export async function startServer(service: Service, options: { logger?: Logger; extraDeps?: Partial<AppDeps> } = {}): Promise<RunningServer> {
  const app = createParityApp({ service, ...options.extraDeps });
  const { host, port } = service.config;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}`;
  options.logger?.info({ url }, `parity listening on ${url}`);
  return {
    url,
    port: actualPort,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
