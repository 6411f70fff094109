/**
 * `verify` against a hostile or broken registry (test/verify/support/hostile-registry.ts): where
 * its credentials may go (redirects, token realms), how long it may be kept busy, what a
 * malformed answer does, and what a registry can print on the user's terminal.
 */
import http from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { CLI } from '../cli/run-cli.js';
import { cleanupTemps, tmpDir } from '../support/env.js';
import { run } from '../support/proc.js';
import { basicAuth, dockerConfigDir } from './support/fake-credential-helper.js';
import {
  digest,
  MEDIA_IMAGE,
  MEDIA_LIST,
  REPO,
  REVISION,
  startHostileRegistry,
  startRecordingTokenServer,
  type HostileRegistry,
} from './support/hostile-registry.js';
import { plainEnv, runVerify, runVerifyJson } from './support/run-verify.js';

const USER = 'hubuser';
const PASSWORD = 'pa55word';
const BASIC = `Basic ${basicAuth(USER, PASSWORD)}`;
const ARCHES = ['amd64'];
const stops: (() => Promise<void>)[] = [];

async function registry(opts: Parameters<typeof startHostileRegistry>[0] = {}): Promise<HostileRegistry> {
  const r = await startHostileRegistry(opts);
  stops.push(r.stop);
  return r;
}

/** An environment whose docker config holds USER's login for `host`. */
function loggedIn(host: string): NodeJS.ProcessEnv {
  return plainEnv({ DOCKER_CONFIG: dockerConfigDir({ auths: { [host]: { auth: basicAuth(USER, PASSWORD) } } }), MULTIARCH_RETRIES: '0' });
}

async function userError(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

/** One sentence: no line break, ends with a full stop. */
function expectOneSentence(message: string): void {
  expect(message).not.toMatch(/\n/);
  expect(message).toMatch(/\.$/);
}

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
afterAll(() => cleanupTemps());

describe('credentials stay where they belong', () => {
  it('drops Authorization when a redirect goes from https to http on the same host and port', async () => {
    const reg: HostileRegistry = await registry({
      challenge: 'Basic realm="hostile"',
      acceptAuth: BASIC,
      handler: (req, res, tls) => {
        // The config blob, asked over https with the login, is sent to plain http on the same host:port.
        if (tls && req.url === `/v2/${REPO}/blobs/${reg.parts.configDigest}` && req.headers.authorization === BASIC) {
          res.writeHead(307, { location: `http://${reg.host}/plain/config` }).end();
          return true;
        }
        if (!tls && req.url === '/plain/config') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(reg.parts.config);
          return true;
        }
        return false;
      },
    });
    const { code, report } = await runVerifyJson({ image: reg.image, arches: ARCHES, env: loggedIn(reg.host) });
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    const plain = reg.requests.filter((r) => r.path === '/plain/config');
    expect(plain).toHaveLength(1);
    expect(plain[0].tls).toBe(false);
    expect(plain[0].authorization).toBeUndefined();
    // The login was used over https, so the test did exercise it.
    expect(reg.requests.some((r) => r.tls && r.authorization === BASIC)).toBe(true);
  });

  it('sends no credentials to a plain-HTTP token realm of an https registry, and says why', async () => {
    const ts = await startRecordingTokenServer();
    stops.push(ts.stop);
    const reg = await registry({
      challenge: `Bearer realm="http://0.0.0.0:${ts.port}/token",service="hostile"`,
      acceptAuth: 'Bearer t0k3n',
    });
    const e = await userError(runVerify({ image: reg.image, arches: ARCHES, env: loggedIn(reg.host) }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      `${reg.host}/${REPO} sends clients to http://0.0.0.0:${ts.port} for tokens, over plain HTTP; ` +
        `refusing to send credentials there in clear text: pass --insecure if that is intended.`,
    );
    expect(reg.requests.every((r) => r.tls)).toBe(true);
    expect(ts.requests).toEqual([]);
  });

  it('with --insecure, uses that realm as asked', async () => {
    const ts = await startRecordingTokenServer();
    stops.push(ts.stop);
    const reg = await registry({
      challenge: `Bearer realm="http://0.0.0.0:${ts.port}/token",service="hostile"`,
      acceptAuth: 'Bearer t0k3n',
    });
    const { code } = await runVerifyJson({ image: reg.image, arches: ARCHES, insecure: true, env: loggedIn(reg.host) });
    expect(code).toBe(0);
    expect(ts.requests.map((r) => r.authorization)).toEqual([BASIC]);
  });

  it('does not take http://127.0.0.1:1@other.host/token for a loopback realm', async () => {
    const ts = await startRecordingTokenServer();
    stops.push(ts.stop);
    const realm = `http://127.0.0.1:1@0.0.0.0:${ts.port}/token`;
    const reg = await registry({ challenge: `Bearer realm="${realm}",service="hostile"`, acceptAuth: 'Bearer t0k3n' });
    for (const insecure of [false, true]) {
      const e = await userError(runVerify({ image: reg.image, arches: ARCHES, insecure, env: loggedIn(reg.host) }));
      expect(e.exitCode).toBe(1);
      expect(e.message).toBe(
        `${reg.host}/${REPO} sends clients to a token service whose address carries a user name ` +
          `(${realm}); refusing to send anything there: check the registry's auth setup.`,
      );
    }
    expect(ts.requests).toEqual([]);
  });
});

describe('an overall deadline', () => {
  /** Answers the tag with headers at once, then one byte of body every 200 ms, for ever. */
  function dribbling(): Parameters<typeof startHostileRegistry>[0] {
    return {
      handler: (req, res) => {
        if (!req.url?.endsWith('/manifests/latest')) return false;
        res.writeHead(200, { 'content-type': MEDIA_LIST });
        res.write('{');
        const timer = setInterval(() => res.write(' '), 200);
        res.on('close', () => clearInterval(timer));
        return true;
      },
    };
  }

  it('stops a registry that sends a byte now and then for ever, in one sentence naming --timeout', async () => {
    const reg = await registry(dribbling());
    const started = Date.now();
    const e = await userError(runVerify({ image: reg.image, arches: ARCHES, timeoutMs: 1500 }));
    const took = Date.now() - started;
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      `${reg.host}/${REPO} did not finish answering within 1.5 s (a slow or stalled registry); try ` +
        `again later, or allow more time with --timeout.`,
    );
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(5000);
  }, 15_000);

  it('counts backoff between retries against the deadline', async () => {
    const reg = await registry({
      handler: (_req, res) => {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE"}]}');
        return true;
      },
    });
    const started = Date.now();
    // Eight retries from a 1 s delay would wait 255 s; the deadline ends it after 1 s.
    const e = await userError(
      runVerify({
        image: reg.image,
        arches: ARCHES,
        timeoutMs: 1000,
        env: plainEnv({ MULTIARCH_RETRIES: '8', MULTIARCH_RETRY_DELAY: '1' }),
      }),
    );
    expect(e.message).toContain('did not finish answering within 1 s');
    expect(Date.now() - started).toBeLessThan(4000);
  }, 15_000);

  it('the CLI takes --timeout, and refuses one that is not a positive number (exit 2)', async () => {
    const reg = await registry(dribbling());
    const cwd = tmpDir();
    const r = await run(process.execPath, [CLI, 'verify', reg.image, '--arch', 'amd64', '--timeout', '1'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: ${reg.host}/${REPO} did not finish answering within 1 s (a slow or stalled registry); ` +
        `try again later, or allow more time with --timeout.`,
    );
    const bad = await run(process.execPath, [CLI, 'verify', reg.image, '--timeout', 'soon'], { cwd, timeoutMs: 20_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: --timeout takes a number of seconds above 0, e.g. --timeout 600.');
  }, 30_000);
});

describe('malformed answers are a sentence and exit 1, not a crash', () => {
  const cases: { name: string; path: (r: HostileRegistry) => string; body: (r: HostileRegistry) => string; why: string }[] = [
    { name: 'manifests that is not a list', path: () => 'latest', body: () => '{"manifests":5}', why: 'manifests is not a list' },
    { name: 'a list that is not an object', path: () => 'latest', body: () => '[null]', why: 'it is not a JSON object' },
    {
      name: 'an entry that is null',
      path: () => 'latest',
      body: () => `{"mediaType":"${MEDIA_LIST}","manifests":[null]}`,
      why: 'manifests[0] is not an object',
    },
    {
      name: 'a digest that is an object',
      path: () => 'latest',
      body: () => `{"mediaType":"${MEDIA_LIST}","manifests":[{"digest":{}}]}`,
      why: 'manifests[0].digest is not a digest',
    },
    {
      name: 'a digest that is a path',
      path: () => 'latest',
      body: () => `{"mediaType":"${MEDIA_LIST}","manifests":[{"digest":"../../../v2/_catalog"}]}`,
      why: 'manifests[0].digest is not a digest',
    },
    {
      name: 'a platform that is a string',
      path: () => 'latest',
      body: () => `{"mediaType":"${MEDIA_LIST}","manifests":[{"digest":"sha256:${'a'.repeat(64)}","platform":"linux"}]}`,
      why: 'manifests[0].platform is not an object',
    },
    {
      name: 'an image whose config digest is an object',
      path: () => 'latest',
      body: () => `{"mediaType":"${MEDIA_IMAGE}","config":{"digest":{}}}`,
      why: 'config.digest is not a digest',
    },
    {
      name: 'an image config whose architecture is a number',
      path: (r) => `blobs/${r.parts.configDigest}`,
      body: () => '{"architecture":5,"os":"linux"}',
      why: 'architecture is not a string',
    },
    {
      name: 'labels that are a list',
      path: (r) => `blobs/${r.parts.configDigest}`,
      body: () => '{"architecture":"amd64","os":"linux","config":{"Labels":[1]}}',
      why: 'config.Labels is not an object',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const reg = await registry();
      const p = c.path(reg);
      const body = c.body(reg);
      if (p.startsWith('blobs/')) {
        // A config blob must still match its digest, so the manifest and the list point at the new one.
        const d = digest(body);
        reg.set(`/v2/${REPO}/blobs/${d}`, body);
        const manifest = JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_IMAGE,
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: d, size: body.length },
          layers: [],
        });
        reg.set(`/v2/${REPO}/manifests/latest`, manifest, { 'content-type': MEDIA_IMAGE });
      } else {
        reg.set(`/v2/${REPO}/manifests/${p}`, body, { 'content-type': body.includes(MEDIA_IMAGE) ? MEDIA_IMAGE : MEDIA_LIST });
      }
      const e = await userError(runVerify({ image: reg.image, arches: ARCHES }));
      expect(e.exitCode).toBe(1);
      expect(e.message).toContain(`(${c.why}); the registry or the tool that pushed it is broken`);
      expect(e.message).toMatch(/^The registry served a malformed (manifest|image config) /);
      expectOneSentence(e.message);
      // Nothing but the registry's own API was asked (a "digest" never becomes a path of its own).
      expect(reg.requests.every((r) => r.path.startsWith(`/v2/${REPO}/`) || r.path === '/v2/')).toBe(true);
    });
  }

  it('the built CLI exits 1 with the sentence for {"manifests":5} (was 70 with a stack)', async () => {
    const reg = await registry();
    reg.set(`/v2/${REPO}/manifests/latest`, '{"manifests":5}', { 'content-type': MEDIA_LIST });
    const r = await run(process.execPath, [CLI, 'verify', reg.image, '--arch', 'amd64'], { cwd: tmpDir(), timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: The registry served a malformed manifest for ${reg.host}/${REPO}:latest (manifests is ` +
        `not a list); the registry or the tool that pushed it is broken: push it again or report it to ` +
        `the registry.`,
    );
  });
});

describe('what a registry sends is never printed raw', () => {
  const ESC = '\u001b]0;pwned\u0007\u001b[2J\u001b[1A\r\u009b31m\u202e';
  /** Any control character a terminal acts on (tab and newline are ours). */
  // eslint-disable-next-line no-control-regex -- asserts that no control character got through
  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('escapes control characters in platforms, revisions and media types, in the table', async () => {
    const reg = await registry();
    const config = JSON.stringify({
      architecture: `amd64${ESC}`,
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Labels: { 'org.opencontainers.image.revision': `${ESC}${REVISION}` } },
    });
    const cd = digest(config);
    reg.set(`/v2/${REPO}/blobs/${cd}`, config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_IMAGE,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: cd, size: config.length },
      layers: [],
    });
    const md = digest(manifest);
    reg.set(`/v2/${REPO}/manifests/${md}`, manifest, { 'content-type': MEDIA_IMAGE });
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_LIST,
      manifests: [
        { mediaType: MEDIA_IMAGE, digest: md, size: manifest.length, platform: { os: 'linux', architecture: `arm64${ESC}`, variant: ESC } },
      ],
    });
    reg.set(`/v2/${REPO}/manifests/latest`, list, { 'content-type': MEDIA_LIST });

    const table = await runVerify({ image: reg.image, arches: ARCHES });
    expect(table.code).toBe(1);
    expect(table.text).not.toMatch(RAW);
    // Shown as escapes, so the user sees that something odd was sent.
    expect(table.text).toContain('\\u001b]0;pwned\\u0007');

    const json = await runVerifyJson({ image: reg.image, arches: ARCHES });
    expect(json.text).not.toMatch(RAW);
    // The JSON still carries exactly what the registry sent.
    expect(json.report.entries[0].platform).toBe(`linux/arm64${ESC}/${ESC}`);
    expect(json.report.entries[0].config?.revision).toBe(`${ESC}${REVISION}`);
  });

  it('escapes them in a registry error message, in the sentence and in --json', async () => {
    const reg = await registry({
      handler: (_req, res) => {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'DENIED', message: `nope${ESC}` }] }));
        return true;
      },
    });
    const e = await userError(runVerify({ image: reg.image, arches: ARCHES }));
    expect(e.message).not.toMatch(RAW);
    expect(e.message).toContain('DENIED: nope\\u001b]0;pwned');
    let text = '';
    await userError(
      (async () => {
        const { verifyCommand } = await import('../../src/verify/index.js');
        return verifyCommand({ dir: tmpDir(), image: reg.image, insecure: false, json: true, env: plainEnv(), out: (t) => (text += t) });
      })(),
    );
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text).ok).toBe(false);
  });

  it('refuses a token that would write a header of its own', async () => {
    const ts = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"abc\\r\\nX-Injected: 1"}'),
    );
    await new Promise<void>((r) => ts.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise<void>((r) => ts.close(() => r())));
    const port = (ts.address() as { port: number }).port;
    const reg = await registry({ challenge: `Bearer realm="http://127.0.0.1:${port}/token",service="hostile"`, acceptAuth: 'never' });
    const e = await userError(runVerify({ image: reg.image, arches: ARCHES, env: plainEnv({ MULTIARCH_RETRIES: '0' }) }));
    expect(e.message).toBe(
      `The token service http://127.0.0.1:${port} answered with a token that is not a printable string; check the registry's auth setup.`,
    );
    expect(reg.requests.some((r) => r.authorization?.startsWith('Bearer abc'))).toBe(false);
  });
});

it('the test registry is a real one: the default list passes (so the cases above fail for their reason)', async () => {
  const reg = await registry();
  const { code, report } = await runVerifyJson({ image: reg.image, arches: ARCHES });
  expect(report.findings).toEqual([]);
  expect(code).toBe(0);
  expect(report.entries.map((e) => e.config?.revision)).toEqual([REVISION]);
});
