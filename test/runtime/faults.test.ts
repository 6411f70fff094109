// post_push under faults and with credentials: a registry answering 500s or dropping
// connections (through the fault proxy), one that is down for longer than the retries, registries
// that require a login (htpasswd, token auth), and every place credentials come from. Secrets
// must never reach a process's arguments, the hook's output or a file left behind.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ARCHES } from '../../src/arch.js';
import { cleanupTemps, hubBuildEnv, readDockerLog, hookEnv, tmpDir } from '../support/env.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startHttpServer, type HttpServer } from '../support/http-server.js';
import { startRegistry, type Registry } from '../support/registry.js';
import {
  hookConfig,
  packArchive,
  platformsOf,
  putImage,
  readList,
  runHook,
  spyDir,
  tablePlatforms,
  uniqueRepo,
  writeHooks,
  type ConfigOptions,
  type Creds,
} from './support.js';

const host = inject('registry');
const SHA = 'abad1dea'.repeat(5);
afterAll(() => cleanupTemps());

async function pushImages(registryHost: string, repo: string, creds?: Creds): Promise<void> {
  for (const a of DEFAULT_ARCHES) await putImage(registryHost, repo, a, a, { revision: SHA, creds });
}

/** The env of the arm64v8 rule's post_push for `registryHost/repo`. */
function ruleEnv(registryHost: string, repo: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return hookEnv({
    extra: {
      ...hubBuildEnv({ registryHost, repo, tag: 'arm64v8', dockerfilePath: 'Dockerfile.arm64v8', sourceCommit: SHA }),
      MULTIARCH_RETRY_DELAY: '0.01',
      ...extra,
    },
  });
}

const hooksDir = (o: ConfigOptions = {}) => writeHooks(tmpDir('cmh-faults-'), hookConfig({ publisher: 'docker', ...o }));

describe('a registry with faults (fault proxy in front of the real registry)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(host);
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  const fresh = async () => {
    proxy.clearFaults();
    proxy.resetCounts();
    const repo = uniqueRepo('faults');
    await pushImages(host, repo);
    return repo;
  };

  // docker buildx imagetools sometimes retries a 500 itself (the same GET again in one process), so
  // whether the hook's own backoff runs depends on timing: either way the list must be published.
  // The hook's backoff is pinned by "down for longer than the retries" below.
  it('500s on manifest reads are retried (by the tool itself or by the hook, with backoff), then the list is published', async () => {
    const repo = await fresh();
    proxy.addFault({ method: 'GET', path: '/manifests/', status: 500, times: 3 });
    const r = await runHook(hooksDir(), 'post_push', ruleEnv(proxy.host, repo));
    expect(r.code, r.out).toBe(0);
    for (const line of r.stderr.split('\n').filter((l) => l.startsWith('warn:')))
      expect(line).toMatch(/^warn: cannot read \S+: .*500.*; retrying in 0\.0[124]0s \(\d of 5\)$/);
    expect(proxy.requests.filter((q) => q.faulted)).toHaveLength(3);
    expect(r.stderr).toContain(`published ${proxy.host}/${repo}:latest`);
    expect(platformsOf((await readList(host, repo, 'latest'))!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
  });

  it('dropped connections are retried too (by the tool itself or by the hook)', async () => {
    const repo = await fresh();
    proxy.addFault({ method: 'GET', path: '/blobs/', close: true, times: 2 });
    const r = await runHook(hooksDir(), 'post_push', ruleEnv(proxy.host, repo));
    expect(r.code, r.out).toBe(0);
    expect(r.code, r.out).toBe(0);
    expect(proxy.requests.filter((q) => q.faulted)).toHaveLength(2);
    expect(await readList(host, repo, 'latest')).not.toBeNull();
  });

  it('down for longer than the retries: a clear error after MULTIARCH_RETRIES, nothing published', async () => {
    const repo = await fresh();
    proxy.addFault({ status: 503, times: Infinity });
    const r = await runHook(hooksDir(), 'post_push', ruleEnv(proxy.host, repo, { MULTIARCH_RETRIES: '2' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot read ${proxy.host}/${repo}:amd64 (3 attempts); see the error above.`);
    // Each arch tag was tried three times, and nothing was written.
    expect(proxy.count({ path: '/manifests/amd64' })).toBeGreaterThanOrEqual(3);
    expect(proxy.count({ method: 'PUT' })).toBe(0);
    expect(await readList(host, repo, 'latest')).toBeNull();
  });

  it('a list write that keeps failing: retried, then an error; no list is published', async () => {
    const repo = await fresh();
    proxy.addFault({ method: 'PUT', path: '/manifests/latest', status: 500, times: Infinity });
    const r = await runHook(hooksDir(), 'post_push', ruleEnv(proxy.host, repo, { MULTIARCH_RETRIES: '1' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^warn: cannot publish \S+:latest with docker manifest push: .*500.*; retrying/m);
    expect(r.stderr).toMatch(/^error: cannot publish \S+:latest with docker manifest push \(2 attempts\); see the error above\.$/m);
    expect(proxy.count({ method: 'PUT', path: '/manifests/latest' })).toBeGreaterThanOrEqual(2);
    expect(await readList(host, repo, 'latest')).toBeNull();
  });

  it('a list write failing once: retried and published', async () => {
    const repo = await fresh();
    proxy.addFault({ method: 'PUT', path: '/manifests/latest', status: 500, times: 1 });
    const r = await runHook(hooksDir(), 'post_push', ruleEnv(proxy.host, repo));
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toMatch(/^warn: cannot publish \S+:latest with docker manifest push: /m);
    // The tool's last error line is quoted whole, its newline not turned into a stray space.
    expect(r.stderr).toMatch(/^warn: cannot publish \S+:latest with docker manifest push: .*500 Internal Server Error; retrying in /m);
    expect(await readList(host, repo, 'latest')).not.toBeNull();
  });
});

describe('registries that require a login', () => {
  const creds: Creds = { user: 'hubuser', password: 'pa$$ "word\\ with spaces' };
  const b64 = Buffer.from(`${creds.user}:${creds.password}`).toString('base64');
  let basic: Registry;
  let token: Registry;
  let server: HttpServer;
  let archive: { file: string; sha256: string };

  beforeAll(async () => {
    basic = await startRegistry({ htpasswd: creds });
    token = await startRegistry({ tokenAuth: true, htpasswd: creds });
    archive = packArchive();
    server = await startHttpServer({ '/manifest-tool.tar.gz': { file: archive.file } });
  });
  afterAll(async () => {
    await basic?.stop();
    await token?.stop();
    await server?.stop();
  });

  /** Every trace a run leaves: its output, the docker spy's log, the spied commands, files left in its temp dir. */
  function traces(r: { out: string }, env: NodeJS.ProcessEnv, spy?: ReturnType<typeof spyDir>, extraFiles: string[] = []): string {
    const files: string[] = [...extraFiles];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) files.push(p);
      }
    };
    walk(env.CMH_HOOK_TMP!);
    return [
      r.out,
      readDockerLog(env).join('\n'),
      spy
        ? spy
            .calls()
            .map((c) => c.join(' '))
            .join('\n')
        : '',
      ...files.map((f) => fs.readFileSync(f, 'latin1')),
    ].join('\n');
  }

  it('no credentials anywhere: stops at once and says where it looked', async () => {
    const repo = uniqueRepo('auth');
    await pushImages(basic.host, repo, creds);
    const env = ruleEnv(basic.host, repo);
    const r = await runHook(hooksDir(), 'post_push', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: ${basic.host} refused to read ${basic.host}/${repo}:\\w+; no credentials for `, 'm'));
    expect(r.stderr).toContain(
      `; no credentials for ${basic.host} were found in ${env.DOCKER_CONFIG}/config.json, DOCKERCFG or ` +
        `MULTIARCH_REGISTRY_USER/MULTIARCH_REGISTRY_PASSWORD: give the build credentials that may push ` +
        `to ${basic.host}/${repo}.`,
    );
    expect(r.stderr).not.toMatch(/retrying/);
    expect(await readList(basic.host, repo, 'latest', creds)).toBeNull();
  });

  it('DOCKERCFG as on Docker Hub builders, manifest-tool: publishes; the secret shows up nowhere', async () => {
    const repo = uniqueRepo('dockercfg');
    await pushImages(basic.host, repo, creds);
    const spy = spyDir(
      [
        'curl',
        'base64',
        'tr',
        'grep',
        'sed',
        'sort',
        'head',
        'tail',
        'cp',
        'mkdir',
        'rm',
        'mktemp',
        'tar',
        'chmod',
        'sha256sum',
        'dirname',
        'sleep',
      ],
      ['jq', 'python', 'python3', 'node', 'perl', 'awk'],
    );
    const toolLog = path.join(tmpDir('cmh-mtlog-'), 'calls.log');
    const env = ruleEnv(basic.host, repo, {
      DOCKERCFG: JSON.stringify({ [basic.host]: { auth: b64, email: 'hub@example.invalid' } }),
      FAKE_MANIFEST_TOOL_LOG: toolLog,
    });
    env.PATH = `${spy.dir}:${env.PATH}`;
    const dir = hooksDir({
      publisher: 'manifest-tool',
      pins: { manifestToolUrl: `${server.url}/manifest-tool.tar.gz`, manifestToolSha256: archive.sha256 },
    });
    const r = await runHook(dir, 'post_push', env);
    expect(r.code, r.out).toBe(0);
    expect(r.stderr).toContain(`published ${basic.host}/${repo}:latest (commit ${SHA})`);
    expect(platformsOf((await readList(basic.host, repo, 'latest', creds))!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));

    const calls = spy.calls();
    expect(calls.filter((c) => c[0] === 'FORBIDDEN')).toEqual([]);
    // curl only downloads manifest-tool; the registry is read by docker buildx imagetools.
    expect(calls.filter((c) => c[0] === 'curl')).toHaveLength(1);
    const seen = traces(r, env, spy, [toolLog]);
    expect(seen).toContain('manifest-tool --docker-cfg');
    for (const secret of [creds.password, b64, 'pa$$']) expect(seen).not.toContain(secret);
    // The private docker config and every temp file are gone.
    expect(fs.readdirSync(env.TMPDIR!).filter((f) => f.startsWith('multiarch-hooks.'))).toEqual([]);
  });

  it('DOCKERCFG in the config.json shape ({"auths": ...}) works too', async () => {
    const repo = uniqueRepo('dockercfg2');
    await pushImages(basic.host, repo, creds);
    const env = ruleEnv(basic.host, repo, { DOCKERCFG: JSON.stringify({ auths: { [`https://${basic.host}`]: { auth: b64 } } }) });
    const r = await runHook(hooksDir(), 'post_push', env);
    expect(r.code, r.out).toBe(0);
    expect(traces(r, env)).not.toContain(b64);
  });

  it('the docker config (DOCKER_CONFIG/config.json auths) is used first, for reads and for docker manifest', async () => {
    const repo = uniqueRepo('dockerconfig');
    await pushImages(basic.host, repo, creds);
    const env = ruleEnv(basic.host, repo, {
      DOCKERCFG: JSON.stringify({ [basic.host]: { auth: Buffer.from('hubuser:wrong').toString('base64') } }),
    });
    fs.writeFileSync(path.join(env.DOCKER_CONFIG!, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth: b64 } } }, null, '\t'));
    const r = await runHook(hooksDir(), 'post_push', env);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain(b64);
    expect(await readList(basic.host, repo, 'latest', creds)).not.toBeNull();
  });

  it('a credential helper (credsStore) gets the server on stdin and is used by docker manifest too', async () => {
    const repo = uniqueRepo('helper');
    await pushImages(basic.host, repo, creds);
    const bin = tmpDir('cmh-helper-');
    const asked = path.join(bin, 'asked.log');
    // FAKE credential store (a real one needs a desktop keyring): answers for our registry only.
    const answer = path.join(bin, 'answer.json');
    fs.writeFileSync(answer, JSON.stringify({ ServerURL: basic.host, Username: creds.user, Secret: creds.password }));
    fs.writeFileSync(
      path.join(bin, 'docker-credential-cmhtest'),
      `#!/bin/bash\n[ "$1" = get ] || exit 1\nread -r server\necho "$server" >>'${asked}'\n[ "$server" ` +
        `= '${basic.host}' ] || { echo "credentials not ` +
        `found in native keychain"; exit 1; }\ncat '${answer}'\n`,
      { mode: 0o755 },
    );
    const env = ruleEnv(basic.host, repo);
    env.PATH = `${bin}:${env.PATH}`;
    fs.writeFileSync(path.join(env.DOCKER_CONFIG!, 'config.json'), JSON.stringify({ auths: { [basic.host]: {} }, credsStore: 'cmhtest' }));
    const r = await runHook(hooksDir(), 'post_push', env);
    expect(r.code, r.out).toBe(0);
    const servers = fs.readFileSync(asked, 'utf8').split('\n').filter(Boolean);
    // Once by the hook, then by the docker CLI for each of its registry calls.
    expect(servers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(servers)).toEqual(new Set([basic.host]));
    expect(traces(r, env)).not.toContain(b64);
    expect(await readList(basic.host, repo, 'latest', creds)).not.toBeNull();
  });

  it('a wrong password: fails after one fresh try, naming where the credentials came from', async () => {
    const repo = uniqueRepo('wrong');
    await pushImages(basic.host, repo, creds);
    const env = ruleEnv(basic.host, repo, { MULTIARCH_REGISTRY_USER: creds.user, MULTIARCH_REGISTRY_PASSWORD: 'not it' });
    const r = await runHook(hooksDir(), 'post_push', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the credentials from MULTIARCH_REGISTRY_USER/MULTIARCH_REGISTRY_PASSWORD were refused: fix ` +
        `them; they must be allowed to push to ${basic.host}/${repo}.`,
    );
    expect(r.stderr).toMatch(new RegExp(`^error: ${basic.host} refused to read ${basic.host}/${repo}:\\w+; the credentials`, 'm'));
    expect(r.stderr.match(/retrying in .* \(2 of 5\)/g)).toBeNull();
    expect(r.out).not.toContain('not it');
  });

  it('token auth: gets a Bearer token for the repository with MULTIARCH_REGISTRY_USER/PASSWORD and publishes', async () => {
    const repo = uniqueRepo('token');
    await pushImages(token.host, repo, creds);
    const before = token.tokenServer!.requests.length;
    const env = ruleEnv(token.host, repo, { MULTIARCH_REGISTRY_USER: creds.user, MULTIARCH_REGISTRY_PASSWORD: creds.password });
    const r = await runHook(hooksDir(), 'post_push', env);
    expect(r.code, r.out).toBe(0);
    const asked = token.tokenServer!.requests.slice(before);
    // docker buildx imagetools asks with the login (POST, then the GET the token server answers).
    expect(asked).toContainEqual({
      method: 'GET',
      url: `/token?scope=${encodeURIComponent(`repository:${repo}:pull`)}&service=cmh-test-registry`,
      status: 200,
    });
    expect(platformsOf((await readList(token.host, repo, 'latest', creds))!.entries)).toEqual(tablePlatforms(DEFAULT_ARCHES));
    expect(traces(r, env)).not.toContain(b64);
  });

  it('token auth with a wrong password: the token server refuses, an error naming the fix', async () => {
    const repo = uniqueRepo('token-wrong');
    await pushImages(token.host, repo, creds);
    const env = ruleEnv(token.host, repo, {
      DOCKERCFG: JSON.stringify({ auths: { [token.host]: { auth: Buffer.from('hubuser:nope').toString('base64') } } }),
    });
    const r = await runHook(hooksDir(), 'post_push', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`error: ${token.host} refused to read ${token.host}/${repo}:\\w+; the credentials from DOCKERCFG were refused: fix them`),
    );
  });
});
