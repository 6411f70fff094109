/**
 * A tiny static HTTP server on loopback, for download tests (manifest-tool archive, checksum
 * file, a 404, an HTML error page, a redirect). Unknown paths get 404 with the body `Not Found`
 * (9 bytes, like the page old hooks executed as a script).
 *
 *   const srv = await startHttpServer({
 *     '/v2.2.1/binaries.tar.gz': { file: '/tmp/x.tar.gz' },
 *     '/v2.2.1/binaries.tar.gz.sha256sum': 'abc...  binaries.tar.gz\n',
 *     '/moved': { status: 302, headers: { location: '/v2.2.1/binaries.tar.gz' } },
 *     '/html': { status: 200, body: '<html>rate limited</html>', headers: { 'content-type': 'text/html' } },
 *   });
 *   srv.url + '/moved'; srv.requests; srv.set('/late', 'added later'); await srv.stop();
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = string | Buffer | { status?: number; body?: string | Buffer; file?: string; headers?: Record<string, string> };

export interface HttpServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  host: string;
  /** Every request seen: method, path with query, status answered. */
  requests: { method: string; path: string; status: number }[];
  set(path: string, route: Route): void;
  stop(): Promise<void>;
}

export async function startHttpServer(routes: Record<string, Route> = {}): Promise<HttpServer> {
  const table = new Map(Object.entries(routes));
  const requests: HttpServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const route = table.get(path) ?? table.get(path.split('?')[0]);
    const r =
      route === undefined
        ? { status: 404, body: 'Not Found' }
        : typeof route === 'string' || Buffer.isBuffer(route)
          ? { body: route }
          : route;
    const status = r.status ?? 200;
    const body = r.file ? fs.readFileSync(r.file) : Buffer.from(r.body ?? '');
    requests.push({ method: req.method ?? 'GET', path, status });
    res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': body.length, ...r.headers });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    set: (path, route) => void table.set(path, route),
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
