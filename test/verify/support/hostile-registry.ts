/**
 * A registry we script, for answers no real registry gives: malformed manifests, terminal
 * escapes, a body that never ends, a Basic or Bearer login with a token realm of our choosing,
 * redirects from https to http on the same host and port. It serves, by default, a correct
 * one-arch list (`/v2/hostile/app/manifests/latest`, linux/amd64, revision REVISION) built from
 * hand-made blobs, and records every request with its Authorization header.
 *
 * One port speaks both TLS and plain HTTP (the first byte of a connection tells a TLS handshake
 * from a request line), so `https://127.0.0.1:P/x` can redirect to `http://127.0.0.1:P/y`: the
 * same host and port, another scheme.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpDir } from '../../support/env.js';
import { selfSignedCert } from '../../support/self-signed.js';

export const REPO = 'hostile/app';
export const REVISION = '0123456789abcdef0123456789abcdef01234567';
export const MEDIA_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MEDIA_IMAGE = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_CONFIG = 'application/vnd.docker.container.image.v1+json';

/** Computed here, not with the code under test. */
export const digest = (b: Buffer | string) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

export interface Seen {
  method: string;
  path: string;
  tls: boolean;
  authorization?: string;
}

/** Handles a request (return true) or leaves it to the routes and the default list (false). */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, tls: boolean) => boolean;

export interface HostileRegistry {
  /** `127.0.0.1:PORT`: the registry part of an image reference. */
  host: string;
  port: number;
  image: string;
  requests: Seen[];
  /** Bytes served for a path (before a handler or the login): a manifest, a blob. */
  set(path: string, body: Buffer | string, headers?: Record<string, string>): void;
  /** The default list's parts, to edit. */
  parts: { config: Buffer; manifest: Buffer; list: Buffer; configDigest: string; manifestDigest: string };
  stop(): Promise<void>;
}

export interface HostileOptions {
  /** Answer 401 with this challenge unless the request carries `acceptAuth`. */
  challenge?: string;
  /** The Authorization value that passes the login. */
  acceptAuth?: string;
  /** Runs before the routes; the login is not checked for what it handles. */
  handler?: Handler;
}

let certs: { key: Buffer; cert: Buffer } | undefined;

/** A self-signed certificate for 127.0.0.1 (made once per test file). */
async function selfSigned(): Promise<{ key: Buffer; cert: Buffer }> {
  if (certs) return certs;
  const dir = tmpDir('cmh-hostile-tls-');
  const { key, cert } = await selfSignedCert(dir, '/CN=127.0.0.1', ['-addext', 'subjectAltName=IP:127.0.0.1']);
  certs = { key, cert };
  return certs;
}

export async function startHostileRegistry(opts: HostileOptions = {}): Promise<HostileRegistry> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Labels: { 'org.opencontainers.image.revision': REVISION } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_IMAGE,
      config: { mediaType: MEDIA_CONFIG, digest: digest(config), size: config.length },
      layers: [],
    }),
  );
  const list = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_LIST,
      manifests: [
        { mediaType: MEDIA_IMAGE, digest: digest(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }),
  );
  const routes = new Map<string, { body: Buffer; headers: Record<string, string> }>();
  const set = (p: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    void routes.set(p, { body: Buffer.from(body), headers });
  set(`/v2/${REPO}/manifests/latest`, list, { 'content-type': MEDIA_LIST });
  set(`/v2/${REPO}/manifests/${digest(manifest)}`, manifest, { 'content-type': MEDIA_IMAGE });
  set(`/v2/${REPO}/blobs/${digest(config)}`, config);
  const requests: Seen[] = [];

  const handle = (tls: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const p = (req.url ?? '/').split('?')[0];
    requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      tls,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    if (opts.handler?.(req, res, tls)) return;
    if (opts.challenge && req.headers.authorization !== opts.acceptAuth) {
      res.writeHead(401, { 'www-authenticate': opts.challenge, 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (p === '/v2/') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const r = routes.get(p);
    if (!r) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': r.body.length, ...r.headers });
    res.end(req.method === 'HEAD' ? undefined : r.body);
  };

  const { key, cert } = await selfSigned();
  const plain = http.createServer(handle(false));
  const secure = https.createServer({ key, cert }, handle(true));
  const sockets = new Set<net.Socket>();
  // Dispatch each connection by its first byte: 0x16 opens a TLS handshake.
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (!first) return;
      socket.unshift(first);
      (first[0] === 0x16 ? secure : plain).emit('connection', socket);
    });
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const { port } = front.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    port,
    image: `127.0.0.1:${port}/${REPO}:latest`,
    requests,
    set,
    parts: { config, manifest, list, configDigest: digest(config), manifestDigest: digest(manifest) },
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        plain.closeAllConnections();
        secure.closeAllConnections();
        front.close(() => r());
      }),
  };
}

/** A token service on 127.0.0.1, to be named `0.0.0.0:PORT` (which reaches it, and is no loopback name); it records who asked. */
export async function startRecordingTokenServer(): Promise<{ port: number; requests: Seen[]; stop(): Promise<void> }> {
  const requests: Seen[] = [];
  const server = http.createServer((req, res) => {
    requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      tls: false,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t0k3n"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
