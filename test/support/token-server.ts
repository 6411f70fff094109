/**
 * A tiny token server for the registry's own `auth.token` mode (Docker's token protocol), on
 * loopback. It answers `GET /token?service=S&scope=repository:NAME:pull,push` with a JWT signed
 * (ES256) by a key whose self-signed certificate the registry trusts (`rootcertbundle`); the
 * certificate travels in the JWT's `x5c` header, which is how the registry finds the key.
 * Hand-written because a JWT here is three base64url parts and one signature: no library needed.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { selfSignedCert } from './self-signed.js';

export interface TokenServer {
  /** `http://127.0.0.1:PORT/token`: the registry's `auth.token.realm`. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry must trust. */
  certFile: string;
  /** Requests answered so far (method, path with query, status). */
  requests: { method: string; url: string; status: number }[];
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * `credentials` given: only Basic auth with them gets a token (others get 401).
 * Not given: anyone gets a token for whatever scope they ask (an anonymous-pull registry).
 */
export async function startTokenServer(dir: string, credentials?: { user: string; password: string }): Promise<TokenServer> {
  const pem = await selfSignedCert(dir, '/CN=cmh-test-token-issuer');
  const key = crypto.createPrivateKey(pem.key);
  const certDer = new crypto.X509Certificate(pem.cert).raw;
  const service = 'cmh-test-registry';
  const issuer = 'cmh-test-token-issuer';
  const requests: TokenServer['requests'] = [];

  const sign = (subject: string, access: { type: string; name: string; actions: string[] }[]) => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + 600,
      nbf: now - 60,
      iat: now,
      jti: crypto.randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    // JWS ES256 wants the raw r||s form, not DER.
    const sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const answer = (status: number, body: unknown) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') return answer(404, { errors: [{ code: 'NOT_FOUND' }] });
    let subject = '';
    if (credentials) {
      const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      const [user, ...rest] = m ? Buffer.from(m[1], 'base64').toString().split(':') : [];
      if (user !== credentials.user || rest.join(':') !== credentials.password) {
        return answer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
      }
      subject = user;
    }
    // scope=repository:user/repo:pull,push (repeatable): grant what is asked.
    const access = url.searchParams.getAll('scope').flatMap((s) => {
      const parts = s.split(':');
      if (parts.length < 3) return [];
      return [{ type: parts[0], name: parts.slice(1, -1).join(':'), actions: parts[parts.length - 1].split(',') }];
    });
    const token = sign(subject, access);
    answer(200, { token, access_token: token, expires_in: 600, issued_at: new Date().toISOString() });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile: pem.certFile,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
