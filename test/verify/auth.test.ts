/**
 * `verify` against real registries that require a login: htpasswd (Basic) and token auth (Bearer
 * via WWW-Authenticate, test/support/token-server.ts), with credentials from a DOCKER_CONFIG dir:
 * `auths`, `credsStore` and `credHelpers` (through a fake helper speaking the helper protocol).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { cleanupTemps } from '../support/env.js';
import { runOk } from '../support/proc.js';
import { startRegistry, type Registry } from '../support/registry.js';
import { basicAuth, dockerConfigDir, FAKE_HELPER, installFakeHelper } from './support/fake-credential-helper.js';
import { Fixtures } from './support/fixtures.js';
import { plainEnv, runVerify, runVerifyJson } from './support/run-verify.js';

const shared = inject('registry');
const repo = `verify-auth-${process.pid}/app`;
const USER = 'hubuser';
const PASSWORD = 's3cret pass:word';
const ARCHES = ['amd64', 'arm64v8'];
let sourceList = '';
const registries: Registry[] = [];

/** Copies the test list (with its images) into `target` as `repo:latest`. */
async function copyList(target: Registry, creds?: string): Promise<string> {
  const dest = `${target.host}/${repo}:latest`;
  await runOk(
    'skopeo',
    [
      'copy',
      '--all',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      ...(creds ? ['--dest-creds', creds] : []),
      `docker://${sourceList}`,
      `docker://${dest}`,
    ],
    { env: { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent/auth.json' } },
  );
  return dest;
}

async function registry(opts: Parameters<typeof startRegistry>[0]): Promise<Registry> {
  const r = await startRegistry(opts);
  registries.push(r);
  return r;
}

async function expectUserError(p: Promise<unknown>): Promise<UserError> {
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
  sourceList = await fx.list('latest', refs, 'v2s2');
});

afterAll(async () => {
  for (const r of registries) await r.stop();
  cleanupTemps();
});

describe('htpasswd (Basic auth)', () => {
  let reg: Registry;
  let image = '';
  beforeAll(async () => {
    reg = await registry({ htpasswd: { user: USER, password: PASSWORD } });
    image = await copyList(reg, `${USER}:${PASSWORD}`);
  });

  it('fails with a sentence naming docker login when no credentials are configured', async () => {
    const e = await expectUserError(runVerify({ image, arches: ARCHES }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(`${reg.host}/${repo} needs authentication (401)`);
    expect(e.message).toContain(`run docker login ${reg.host}`);
  });

  it('uses the auths entry of DOCKER_CONFIG/config.json', async () => {
    const dir = dockerConfigDir({ auths: { [reg.host]: { auth: basicAuth(USER, PASSWORD) } } });
    const { code, report } = await runVerifyJson({ image, arches: ARCHES, env: plainEnv({ DOCKER_CONFIG: dir }) });
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    expect(report.entries.map((e) => e.arch)).toEqual(ARCHES);
  });

  it('says whose credentials were refused when the password is wrong', async () => {
    const dir = dockerConfigDir({ auths: { [`http://${reg.host}`]: { auth: basicAuth(USER, 'wrong') } } });
    const e = await expectUserError(runVerify({ image, arches: ARCHES, env: plainEnv({ DOCKER_CONFIG: dir }) }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(`refused access (401) with the credentials from ${dir}/config.json`);
  });

  it('asks the credsStore helper, with the server name on stdin', async () => {
    const helper = installFakeHelper({ [reg.host]: { user: USER, password: PASSWORD } });
    const dir = dockerConfigDir({ auths: { [reg.host]: {} }, credsStore: FAKE_HELPER });
    const env = plainEnv({ DOCKER_CONFIG: dir, PATH: `${helper.binDir}:${process.env.PATH}` });
    const { code, report } = await runVerifyJson({ image, arches: ARCHES, env });
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    expect(helper.asked()).toEqual([reg.host]);
  });

  it('prefers a credHelpers entry for the host over auths', async () => {
    const helper = installFakeHelper({ [reg.host]: { user: USER, password: PASSWORD } });
    const dir = dockerConfigDir({ auths: { [reg.host]: { auth: basicAuth(USER, 'stale') } }, credHelpers: { [reg.host]: FAKE_HELPER } });
    const env = plainEnv({ DOCKER_CONFIG: dir, PATH: `${helper.binDir}:${process.env.PATH}` });
    expect((await runVerify({ image, arches: ARCHES, env })).code).toBe(0);
    expect(helper.asked()).toEqual([reg.host]);
  });

  it('names a credential helper that is not installed', async () => {
    const dir = dockerConfigDir({ credsStore: 'cmh-not-installed' });
    const e = await expectUserError(runVerify({ image, arches: ARCHES, env: plainEnv({ DOCKER_CONFIG: dir }) }));
    expect(e.message).toContain('docker-credential-cmh-not-installed is not on PATH');
  });
});

describe('token auth (Bearer)', () => {
  it('gets a pull token with the login from DOCKER_CONFIG, and fails clearly without one', async () => {
    const reg = await registry({ tokenAuth: true, htpasswd: { user: USER, password: PASSWORD } });
    const image = await copyList(reg, `${USER}:${PASSWORD}`);
    const ts = reg.tokenServer!;

    const e = await expectUserError(runVerify({ image, arches: ARCHES }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(
      `The token service http://127.0.0.1:${new URL(ts.realm).port} refused an anonymous token for ${repo} (401)`,
    );

    ts.requests.splice(0);
    const dir = dockerConfigDir({ auths: { [reg.host]: { auth: basicAuth(USER, PASSWORD) } } });
    const { code, report } = await runVerifyJson({ image, arches: ARCHES, env: plainEnv({ DOCKER_CONFIG: dir }) });
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    // One token for the whole run (list, manifests and configs share it), scoped to pull.
    expect(ts.requests).toHaveLength(1);
    expect(ts.requests[0].status).toBe(200);
    const url = new URL(ts.requests[0].url, 'http://x');
    expect(url.searchParams.get('scope')).toBe(`repository:${repo}:pull`);
    expect(url.searchParams.get('service')).toBe(ts.service);
  });

  it('gets an anonymous token where the token service hands them out', async () => {
    const reg = await registry({ tokenAuth: true });
    const image = await copyList(reg);
    const { code, report } = await runVerifyJson({ image, arches: ARCHES });
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    const pulls = reg.tokenServer!.requests.filter(
      (r) => new URL(r.url, 'http://x').searchParams.get('scope') === `repository:${repo}:pull`,
    );
    expect(pulls.map((r) => r.status)).toEqual([200]);
  });
});
