// A real HTTP receiver on loopback standing in for Slack's and PagerDuty's endpoints.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  body: Record<string, unknown>;
}

export interface Receiver {
  url: (path: string) => string;
  received: Received[];
  /** Answers the next `n` requests with this status instead of 200. */
  failNext(n: number, status?: number): void;
  /** Answers every request to `path` with `status` (a route that is down) until called with undefined. */
  down(path: string, status?: number): void;
  /** Requests answered with an error, by path (what a route that is down was sent). */
  refused: Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const refused: Received[] = [];
  const downPaths = new Map<string, number>();
  let failing = 0;
  let failStatus = 500;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const downStatus = downPaths.get(path);
      if (downStatus !== undefined) {
        refused.push({ path, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        response.writeHead(downStatus).end();
        return;
      }
      if (failing > 0) {
        failing -= 1;
        response.writeHead(failStatus).end();
        return;
      }
      received.push({
        path: request.url ?? '/',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    refused,
    failNext(n, status = 500) {
      failing = n;
      failStatus = status;
    },
    down(path, status) {
      if (status === undefined) downPaths.delete(path);
      else downPaths.set(path, status);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
