/**
 * `verify` over a bad network: transient 5xx and dropped connections injected by the fault proxy
 * (test/support/fault-proxy.ts) in front of the real registry, a refused connection, and a
 * plain-HTTP registry on a non-loopback address (needs --insecure).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { RegistryClient } from '../../src/registry/client.js';
import { verifyCommand } from '../../src/verify/index.js';
import { cleanupTemps, tmpDir } from '../support/env.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { freePort } from '../support/proc.js';
import { Fixtures } from './support/fixtures.js';
import { plainEnv, runVerify, runVerifyJson } from './support/run-verify.js';
import { forwardTo } from './support/tcp-forward.js';

const shared = inject('registry');
const repo = `verify-net-${process.pid}/app`;
const ARCHES = ['amd64', 'arm32v7'];
/** Fast retries: the backoff's first delay is 50 ms. */
const fast = (retries?: number) =>
  plainEnv({ MULTIARCH_RETRY_DELAY: '0.05', MULTIARCH_RETRIES: retries === undefined ? undefined : String(retries) });

async function userError(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

beforeAll(async () => {
  const fx = new Fixtures(shared, repo);
  const refs = [];
  for (const arch of ARCHES) refs.push({ ref: await fx.image(arch, { arch, revision: 'abc123', created: 1_700_000_000 }) });
  await fx.list('latest', refs, 'v2s2');
});

afterAll(() => cleanupTemps());

describe('through the fault proxy', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(shared);
  });
  afterAll(() => proxy.stop());

  it('retries 500, 503 and a dropped connection, then passes', async () => {
    proxy.clearFaults();
    proxy.resetCounts();
    proxy.addFault({ method: 'GET', path: /\/manifests\/latest$/, status: 500, times: 2 });
    proxy.addFault({ method: 'GET', path: /\/manifests\/sha256:/, status: 503, times: 1 });
    proxy.addFault({ method: 'GET', path: '/blobs/', close: true, times: 1 });
    const { code, report } = await runVerifyJson({ image: `${proxy.host}/${repo}:latest`, arches: ARCHES, env: fast() });
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    expect(proxy.requests.filter((r) => r.faulted).map((r) => r.status)).toEqual([500, 500, 503, 'closed']);
    expect(proxy.count({ method: 'GET', path: /\/manifests\/latest$/ })).toBe(3);
    // Every entry's manifest and config were read in the end.
    expect(proxy.requests.filter((r) => !r.faulted && r.status === 200 && /\/(manifests\/sha256:|blobs\/)/.test(r.path))).toHaveLength(4);
  });

  it('gives up after the bounded number of retries and says what failed', async () => {
    proxy.clearFaults();
    proxy.resetCounts();
    proxy.addFault({ path: '/manifests/', status: 500, times: Infinity });
    const e = await userError(runVerify({ image: `${proxy.host}/${repo}:latest`, arches: ARCHES, env: fast(2) }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(`${proxy.host}/${repo} answered 500 for manifest latest (UNKNOWN: injected fault 500)`);
    expect(proxy.count({ path: '/manifests/' })).toBe(3);
  });

  it('retries a request that got no answer in time, and a 429', async () => {
    proxy.clearFaults();
    proxy.resetCounts();
    proxy.addFault({ method: 'GET', path: '/manifests/latest', delayMs: 1500, times: 1 });
    proxy.addFault({ method: 'GET', path: '/manifests/latest', status: 429, times: 1 });
    // The command's timeout is 30 s; the client takes a shorter one so the test stays quick.
    const client = new RegistryClient({ registry: proxy.host, repository: repo, insecure: false, env: fast(), timeoutMs: 300 });
    const got = await client.manifest('latest', ['application/vnd.docker.distribution.manifest.list.v2+json']);
    expect(got?.status).toBe(200);
    expect(client.stats.retries).toBe(2);
    expect(proxy.count({ path: '/manifests/latest' })).toBe(3);
  });

  it('does not retry an answer that is not transient (404)', async () => {
    proxy.clearFaults();
    proxy.resetCounts();
    const { code, report } = await runVerifyJson({ image: `${proxy.host}/${repo}:nope`, arches: ARCHES, env: fast() });
    expect(code).toBe(1);
    expect(report.findings.map((f) => f.code)).toEqual(['tag-not-found']);
    expect(proxy.count({ path: '/manifests/nope' })).toBe(1);
  });
});

it('retries a refused connection a bounded number of times, then says what failed', async () => {
  const port = await freePort();
  const e = await userError(runVerify({ image: `127.0.0.1:${port}/x/y:latest`, env: fast(2) }));
  expect(e.exitCode).toBe(1);
  expect(e.message).toMatch(
    new RegExp(
      `^Could not reach http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\) after 3 attempts; check ` +
        `the registry address and your network\\.$`,
    ),
  );
});

it('--json: a registry it could not read still gives JSON on stdout, with the reason', async () => {
  const port = await freePort();
  let text = '';
  const run = verifyCommand({
    dir: tmpDir('cmh-verify-cwd-'),
    image: `127.0.0.1:${port}/x/y:latest`,
    insecure: false,
    json: true,
    env: fast(0),
    out: (t) => (text += t),
  });
  const e = await userError(run);
  expect(e.exitCode).toBe(1);
  expect(JSON.parse(text)).toEqual({ ok: false, error: e.message });
});

describe('a plain-HTTP registry on a non-loopback address', () => {
  it('is refused without --insecure (with a hint) and read with it', async () => {
    const fwd = await forwardTo(shared);
    try {
      const image = `${fwd.host}/${repo}:latest`;
      const e = await userError(runVerify({ image, arches: ARCHES, env: fast(0) }));
      expect(e.exitCode).toBe(1);
      expect(e.message).toContain(`Could not reach https://${fwd.host}`);
      expect(e.message).toContain('pass --insecure for a plain-HTTP registry');
      const { code, report } = await runVerifyJson({ image, arches: ARCHES, insecure: true, env: fast(0) });
      expect(report.registry).toBe(fwd.host);
      expect(report.findings).toEqual([]);
      expect(code).toBe(0);
    } finally {
      await fwd.stop();
    }
  });
});
