// The small HTTP surface both processes expose for operators: /metrics (Prometheus text) and the
// health probes. Routes answer GET only; anything else is 404.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Registry } from 'prom-client';
import { errorMessage } from '../errors';

export type Probe = () => Promise<{ ok: boolean; detail: Record<string, unknown> }>;

export interface OpsRoutes {
  /** Prometheus text: the registry, plus whatever `extraMetrics` returns (another exporter's text). */
  metrics: { registry: Registry; extraMetrics?: () => Promise<string> };
  /** Alive: the process serves requests. */
  healthz: Probe;
  /** Ready for work (the bridge: subscribed and Temporal reachable). Absent: same as healthz. */
  readyz?: Probe;
}

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** The routes as handlers keyed by path, for a server that serves other paths too (the bridge's push). */
export function opsHandlers(routes: OpsRoutes): Record<string, RouteHandler> {
  const probe = (check: Probe): RouteHandler => {
    return async (_request, response) => {
      const { ok, detail } = await check().catch((error: unknown) => ({
        ok: false,
        detail: { error: errorMessage(error) },
      }));
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok, ...detail }));
    };
  };
  return {
    '/metrics': async (_request, response) => {
      const ours = await routes.metrics.registry.metrics();
      const extra = routes.metrics.extraMetrics ? await routes.metrics.extraMetrics().catch(() => '') : '';
      response.writeHead(200, { 'content-type': routes.metrics.registry.contentType });
      response.end(extra ? `${ours}\n${extra}` : ours);
    },
    '/healthz': probe(routes.healthz),
    '/readyz': probe(routes.readyz ?? routes.healthz),
  };
}

/** Serves `routes` on host:port (0: any free port); resolves once listening. */
export async function startOpsServer(
  routes: OpsRoutes,
  host: string,
  port: number,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const handlers = opsHandlers(routes);
  const server = createServer((request, response) => {
    const handler = request.method === 'GET' ? handlers[(request.url ?? '').split('?')[0] ?? ''] : undefined;
    if (!handler) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
      return;
    }
    handler(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on right now (for an exporter that must be given one). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
