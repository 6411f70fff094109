/**
 * A loopback HTTP proxy in front of a registry (or any HTTP server) that counts requests and
 * injects faults on demand. Clients talk to `proxy.host` as if it were the registry: the Host
 * header is passed through, so the registry builds its Location URLs on the proxy's address.
 *
 *   const proxy = await startFaultProxy(registry.host);
 *   proxy.failNext(2, 503);                                     // next 2 requests: 503
 *   proxy.addFault({ method: 'PUT', path: /\/manifests\//, status: 500, times: Infinity });
 *   proxy.addFault({ path: '/blobs/', close: true });           // drop the connection once
 *   proxy.addFault({ path: '/v2/', delayMs: 300 });             // delay once, then forward
 *   proxy.count({ method: 'GET', path: /\/manifests\// });      // how many were seen
 *   proxy.requests                                              // every request, in order
 *
 * Rules are checked in the order added; the first matching rule with `times` left applies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRule {
  /** Exact method, e.g. 'PUT'. Any when omitted. */
  method?: string;
  /** Substring of, or RegExp tested against, the path with query. Any when omitted. */
  path?: string | RegExp;
  /** Answer with this status (and `body`) instead of forwarding. */
  status?: number;
  body?: string;
  /** Destroy the client's connection without answering. */
  close?: boolean;
  /** Wait this long, then forward (or apply status/close). */
  delayMs?: number;
  /** How many matching requests this rule applies to (default 1; Infinity for all). */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  /** Path with query, as the client sent it. */
  path: string;
  /** The status the client got, or 'closed' (fault), or 'error' (the target failed). */
  status: number | 'closed' | 'error';
  /** True when a fault rule answered or closed it (a delay alone does not count). */
  faulted: boolean;
}

export interface RequestFilter {
  method?: string;
  path?: string | RegExp;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  target: string;
  requests: ProxiedRequest[];
  addFault(rule: FaultRule): void;
  /** The next `n` requests (whatever they are) get `status`. */
  failNext(n: number, status?: number): void;
  clearFaults(): void;
  /** Requests seen so far that match (all when no filter). */
  count(filter?: RequestFilter): number;
  resetCounts(): void;
  stop(): Promise<void>;
}

function matches(f: RequestFilter, method: string, path: string): boolean {
  if (f.method && f.method.toUpperCase() !== method) return false;
  if (f.path === undefined) return true;
  return typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path);
}

/** `target`: `HOST:PORT` of the server behind the proxy. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(':');
  const rules: (FaultRule & { left: number })[] = [];
  const requests: ProxiedRequest[] = [];

  const server = http.createServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const entry: ProxiedRequest = { method, path, status: 'error', faulted: false };
    requests.push(entry);
    const rule = rules.find((r) => r.left > 0 && matches(r, method, path));
    if (rule) rule.left--;
    if (rule?.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
    if (rule?.close) {
      entry.status = 'closed';
      entry.faulted = true;
      req.socket.destroy();
      return;
    }
    if (rule?.status) {
      entry.status = rule.status;
      entry.faulted = true;
      req.resume();
      const body = rule.body ?? JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `injected fault ${rule.status}` }] });
      res.writeHead(rule.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const upstream = http.request({ host: targetHost, port: Number(targetPort), method, path, headers: req.headers }, (up) => {
      entry.status = up.statusCode ?? 0;
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      entry.status = 'error';
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: target ${target} failed: ${e.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    target,
    requests,
    addFault: (rule) => rules.push({ ...rule, left: rule.times ?? 1 }),
    failNext: (n, status = 500) => rules.push({ status, left: n }),
    clearFaults: () => void rules.splice(0),
    count: (filter = {}) => requests.filter((r) => matches(filter, r.method, r.path)).length,
    resetCounts: () => void requests.splice(0),
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
