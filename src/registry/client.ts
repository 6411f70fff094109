/**
 * A small client for the registry HTTP API (Docker Registry v2 / OCI distribution): GET the
 * manifests and blobs of one repository, with Bearer token auth (WWW-Authenticate), Basic auth,
 * bounded retries with backoff, and plain HTTP / unverified TLS for insecure registries.
 *
 * Hand-written rather than a library; what npm offers was looked at:
 * - @snyk/docker-registry-v2-client 4.0.5 (maintained): `getManifest` resolves a list to ONE
 *   platform and never returns the list itself, which is what verify reads; the call that would
 *   return it is internal. It brings needle, iconv-lite, sax and psl: bundled with esbuild it is
 *   708 KB minified (measured), bigger than the rest of the CLI. Retries only 429/502-504, with a
 *   count taken from a process-wide environment variable.
 * - docker-registry-client 3.4.0 and its fork @renovatebot/docker-registry-client 3.3.0:
 *   restify and bunyan, no OCI index support, unmaintained.
 * - oci-registry-client 0.2.0: 0.x on node-fetch 2, no retries.
 * What verify needs is this file. It uses node:http/https rather than the global fetch because
 * `--insecure` must switch off TLS verification for one registry, which fetch cannot do without
 * undici's Agent (not exposed by Node 20).
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { lookupCredentials, type Credentials } from './credentials.js';
import { printable } from './printable.js';
import { apiHost, isLoopback, isLoopbackHost } from './reference.js';

export interface ClientOptions {
  /** `host[:port]` or `docker.io`. */
  registry: string;
  repository: string;
  /** Plain HTTP allowed and TLS not verified (loopback registries always count as insecure, as in Docker). */
  insecure: boolean;
  env: NodeJS.ProcessEnv;
  /** Retries after the first attempt for transient failures; default `MULTIARCH_RETRIES` or 4. */
  retries?: number;
  /** First backoff delay, doubled each retry; default `MULTIARCH_RETRY_DELAY` (seconds) or 0.5 s. */
  retryDelayMs?: number;
  /** Per request: no answer within this time counts as a transient failure. */
  timeoutMs?: number;
  /** Never read the docker config: only anonymous tokens (the twin check of official images). */
  anonymous?: boolean;
  /** Aborts every request of this client (a caller's own deadline). */
  signal?: AbortSignal;
  /**
   * Everything this client does (requests, retries, backoff) must be done within this long of its
   * creation; then it stops with a UserError. The per-request timeout alone is an idle timeout: a
   * registry sending a byte every few seconds would keep a request alive for ever.
   */
  deadlineMs?: number;
}

export interface Fetched {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);
const MAX_BODY = 32 * 1024 * 1024;

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://a/token",service="s",scope="repository:x:pull"` -> scheme and params. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p; (p = re.exec(m[2]));) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme: m[1].toLowerCase(), params };
}

function envNumber(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export class RegistryClient {
  private readonly host: string;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly insecure: boolean;
  /** The caller's signal and the deadline, together. */
  private readonly signal: AbortSignal | undefined;
  private scheme: Promise<'https' | 'http'> | undefined;
  private authHeader: Promise<string | undefined> | undefined;
  private credentials: Promise<Credentials | undefined> | undefined;
  /** Requests sent, transient failures retried: for the report and the tests. */
  readonly stats = { requests: 0, retries: 0 };

  constructor(private readonly opts: ClientOptions) {
    this.host = apiHost(opts.registry);
    this.insecure = opts.insecure || isLoopback(opts.registry);
    this.retries = opts.retries ?? envNumber(opts.env.MULTIARCH_RETRIES) ?? 4;
    const delayS = envNumber(opts.env.MULTIARCH_RETRY_DELAY);
    this.retryDelayMs = opts.retryDelayMs ?? (delayS !== undefined ? delayS * 1000 : 500);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    const signals = [opts.signal, opts.deadlineMs !== undefined ? AbortSignal.timeout(opts.deadlineMs) : undefined].filter(
      (x) => x !== undefined,
    );
    this.signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  }

  /** GET a manifest by tag or digest; `undefined` when the registry says it does not exist. */
  async manifest(reference: string, accept: readonly string[]): Promise<Fetched | undefined> {
    const r = await this.get(`/v2/${this.opts.repository}/manifests/${reference}`, { accept: accept.join(', ') });
    if (r.status === 404) return undefined;
    this.failUnlessOk(r, `manifest ${reference}`);
    return r;
  }

  /**
   * HEAD a manifest: the status after authentication (200 there, 404 unknown, 401/403 refused),
   * without reading it (Docker Hub counts GETs of manifests, not HEADs, against its pull limit).
   * Throws only when the registry cannot be reached.
   */
  async manifestStatus(reference: string, accept: readonly string[]): Promise<number> {
    return (await this.get(`/v2/${this.opts.repository}/manifests/${reference}`, { accept: accept.join(', ') }, 'HEAD')).status;
  }

  async blob(digest: string): Promise<Buffer> {
    const r = await this.get(`/v2/${this.opts.repository}/blobs/${digest}`, {});
    this.failUnlessOk(r, `blob ${digest}`);
    return r.body;
  }

  private failUnlessOk(r: Fetched, what: string): void {
    if (r.status === 200) return;
    const where = `${this.opts.registry}/${this.opts.repository}`;
    if (r.status === 401 || r.status === 403) throw this.authError(r, where);
    if (r.status === 429) {
      throw new UserError(
        `${where} kept refusing with 429 Too Many Requests (a pull rate limit); wait, or log in with docker login to get a higher limit.`,
      );
    }
    throw new UserError(`${where} answered ${r.status} for ${what} (${registryErrors(r.body)}); check the registry and try again.`);
  }

  private authError(r: Fetched, where: string): UserError {
    const login = this.loginCommand();
    const creds = this.credentialsSource();
    if (creds) {
      return new UserError(
        `${where} refused access (${r.status}) with the credentials from ${creds}: check that this ` +
          `account may pull ${this.opts.repository}, or run ${login} again.`,
      );
    }
    return new UserError(
      `${where} needs authentication (${r.status}), and no login for ${this.opts.registry} was found ` +
        `in ${this.configHint()}; run ${login} (or set DOCKER_CONFIG), or check the repository name.`,
    );
  }

  private lastCredentials: Credentials | undefined;
  private credentialsSource(): string | undefined {
    return this.lastCredentials?.source;
  }

  private loginCommand(): string {
    return this.opts.registry === 'docker.io' ? 'docker login' : `docker login ${this.opts.registry}`;
  }

  private configHint(): string {
    return this.opts.env.DOCKER_CONFIG ? `${this.opts.env.DOCKER_CONFIG}/config.json` : '~/.docker/config.json';
  }

  private loadCredentials(): Promise<Credentials | undefined> {
    if (this.opts.anonymous) return Promise.resolve(undefined);
    this.credentials ??= lookupCredentials(this.opts.registry, this.opts.env).then((c) => (this.lastCredentials = c));
    return this.credentials;
  }

  /** GET with auth: on a 401 challenge, authenticate once (shared by concurrent requests) and ask again. */
  private async get(path: string, headers: Record<string, string>, method: 'GET' | 'HEAD' = 'GET'): Promise<Fetched> {
    const scheme = await this.pickScheme();
    const url = `${scheme}://${this.host}${path}`;
    const send = async () => {
      const used = this.authHeader;
      const auth = await used;
      return { used, r: await this.request(url, auth ? { ...headers, authorization: auth } : headers, method) };
    };
    const first = await send();
    if (first.r.status !== 401) return first.r;
    const challenge = parseChallenge(String(first.r.headers['www-authenticate'] ?? ''));
    if (!challenge) return first.r;
    // Concurrent requests that met the same challenge wait for the one token asked for first.
    if (this.authHeader === first.used) this.authHeader = this.authenticate(challenge);
    if (!(await this.authHeader)) return first.r;
    return (await send()).r;
  }

  private async authenticate(challenge: Challenge): Promise<string | undefined> {
    const creds = await this.loadCredentials();
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    if (challenge.scheme === 'basic') {
      if (!creds?.username) return undefined;
      return basic(creds.username, creds.password ?? '');
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const realm = this.tokenRealm(challenge.params.realm);
    const scope = challenge.params.scope || `repository:${this.opts.repository}:pull`;
    const service = challenge.params.service;
    let r: Fetched;
    if (creds?.identityToken) {
      // OAuth refresh-token grant, as the docker CLI does for identity tokens.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'create-multiarch-hooks',
        scope,
      });
      if (service) form.set('service', service);
      r = await this.request(realm.href, { 'content-type': 'application/x-www-form-urlencoded' }, 'POST', Buffer.from(form.toString()));
    } else {
      if (service) realm.searchParams.set('service', service);
      realm.searchParams.set('scope', scope);
      r = await this.request(realm.href, creds?.username ? { authorization: basic(creds.username, creds.password ?? '') } : {});
    }
    if (r.status === 401 || r.status === 403) {
      throw creds
        ? new UserError(
            `The token service ${realm.origin} rejected the credentials from ${creds.source} (${r.status}); ` +
              `run ${this.loginCommand()} again.`,
          )
        : new UserError(
            `The token service ${realm.origin} refused an anonymous token for ${this.opts.repository} ` +
              `(${r.status}); run ${this.loginCommand()}, or check the repository name.`,
          );
    }
    if (r.status !== 200) throw new UserError(`The token service ${realm.origin} answered ${r.status}; try again later.`);
    let token: unknown;
    try {
      const body = JSON.parse(r.body.toString('utf8')) as { token?: unknown; access_token?: unknown } | null;
      token = body?.token || body?.access_token;
    } catch {
      // handled below
    }
    if (!token) throw new UserError(`The token service ${realm.origin} answered without a token; check the registry's auth setup.`);
    // A token goes into a header as is: anything but visible ASCII would be a header of our own.
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
      throw new UserError(
        `The token service ${realm.origin} answered with a token that is not a printable string; check the registry's auth setup.`,
      );
    }
    return `Bearer ${token}`;
  }

  /**
   * The token service a registry sends us to, if we may talk to it: a plain-HTTP realm only on
   * this machine or with --insecure (the hook's rule too), never one whose URL carries a user
   * (`http://127.0.0.1:1@other.host/` is other.host, and Node would log in there with that user).
   */
  private tokenRealm(raw: string): URL {
    const where = `${this.opts.registry}/${this.opts.repository}`;
    let realm: URL;
    try {
      realm = new URL(raw);
    } catch {
      throw new UserError(`${where} sends clients to "${printable(raw)}" for tokens, which is not a URL; check the registry's auth setup.`);
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new UserError(
        `${where} sends clients to "${printable(raw)}" for tokens, which is neither HTTPS nor HTTP; check the registry's auth setup.`,
      );
    }
    if (realm.username || realm.password) {
      throw new UserError(
        `${where} sends clients to a token service whose address carries a user name ` +
          `(${printable(raw)}); refusing to send anything there: check the registry's auth setup.`,
      );
    }
    if (realm.protocol === 'http:' && !isLoopbackHost(realm.hostname) && !this.opts.insecure) {
      throw new UserError(
        `${where} sends clients to ${realm.origin} for tokens, over plain HTTP; refusing to send ` +
          `credentials there in clear text: pass --insecure if that is intended.`,
      );
    }
    return realm;
  }

  /** Docker's order for an insecure registry: HTTPS without verification first, then plain HTTP. */
  private pickScheme(): Promise<'https' | 'http'> {
    this.scheme ??= !this.insecure
      ? Promise.resolve('https')
      : this.once(`https://${this.host}/v2/`, {}, 'GET', undefined, 5000).then(
          () => 'https' as const,
          () => 'http' as const,
        );
    return this.scheme;
  }

  /** One request with bounded retries and exponential backoff on transient failures. */
  private async request(url: string, headers: Record<string, string>, method = 'GET', body?: Buffer): Promise<Fetched> {
    for (let attempt = 0; ; attempt++) {
      let wait = this.retryDelayMs * 2 ** attempt;
      this.stopIfPastDeadline();
      try {
        const r = await this.once(url, headers, method, body, this.timeoutMs);
        if (!TRANSIENT_STATUS.has(r.status) || attempt >= this.retries) return r;
        const after = Number(r.headers['retry-after']);
        if (r.status === 429 && Number.isFinite(after)) wait = Math.min(after * 1000, 30_000);
      } catch (e) {
        this.stopIfPastDeadline();
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (!TRANSIENT_CODES.has(code) || attempt >= this.retries || this.signal?.aborted) {
          throw unreachable(
            `Could not reach ${new URL(url).origin} ` +
              `(${printable((e as Error).message)})${attempt ? ` after ${attempt + 1} attempts` : ''}; check ` +
              `the registry address ` +
              `and your network${this.insecure ? '' : ', or pass --insecure for a plain-HTTP registry'}.`,
            e,
          );
        }
      }
      this.stats.retries++;
      await sleep(wait, undefined, this.signal ? { signal: this.signal } : {}).catch(() => this.stopIfPastDeadline());
    }
  }

  /** Throws the deadline's UserError once the overall deadline has passed. */
  private stopIfPastDeadline(): void {
    const reason: unknown = this.signal?.reason;
    if (!this.signal?.aborted || !(reason instanceof DOMException) || reason.name !== 'TimeoutError') return;
    const seconds = (this.opts.deadlineMs ?? 0) / 1000;
    throw new DeadlineError(
      `${this.opts.registry}/${this.opts.repository} did not finish answering within ${seconds} s (a ` +
        `slow or stalled registry); try again later, or allow more time with --timeout.`,
    );
  }

  /** One HTTP exchange; follows redirects (blob storage), dropping credentials when the host changes. */
  private once(
    url: string,
    headers: Record<string, string>,
    method: string,
    body: Buffer | undefined,
    timeoutMs: number,
    hops = 0,
  ): Promise<Fetched> {
    this.stats.requests++;
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    return new Promise<Fetched>((resolve, reject) => {
      const req = lib.request(
        u,
        {
          method,
          headers: { 'user-agent': 'create-multiarch-hooks', ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
          rejectUnauthorized: !this.insecure,
          timeout: timeoutMs,
          ...(this.signal ? { signal: this.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if ([301, 302, 303, 307, 308].includes(status) && res.headers.location && hops < 5) {
            res.resume();
            const next = new URL(res.headers.location, u);
            const h = { ...headers };
            // Credentials stay with the origin they were meant for: another host, another port,
            // or https -> http (which would send them in clear text) all drop them.
            if (next.origin !== u.origin) delete h.authorization;
            resolve(this.once(next.href, h, status === 303 ? 'GET' : method, status === 303 ? undefined : body, timeoutMs, hops + 1));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The registry could not be reached: a UserError that keeps the network error as its cause. */
export class UnreachableError extends UserError {}

/** The client's overall deadline passed. */
export class DeadlineError extends UserError {}

function unreachable(message: string, cause: unknown): UnreachableError {
  const e = new UnreachableError(message);
  e.cause = cause;
  return e;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The registry's own error list (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":...}]}`), short. */
function registryErrors(body: Buffer): string {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const s = (j.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    if (s) return printable(s.slice(0, 300));
  } catch {
    // not JSON
  }
  return printable(body.toString('utf8').slice(0, 200).trim()) || 'no details';
}
