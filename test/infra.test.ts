// Proves the real-parts test infrastructure itself: registry, base images, the test bed's Docker
// engine building under QEMU, docker manifest, the docker spy, the fault proxy and the HTTP server.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findArch, platformString, type Arch } from '../src/arch.js';
import { ACME_BASE, BASE_ARCHES, overrideFlags } from './support/base-images.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { startHttpServer } from './support/http-server.js';
import { run, runOk } from './support/proc.js';
import { ensureQemuImage } from './support/qemu-image.js';
import { startRegistry } from './support/registry.js';
import { REPO_ROOT, cleanupTemps, readImageFile, readDockerLog, hookEnv, tmpDir, tmpGitRepo } from './support/env.js';

const host = inject('registry');
afterAll(() => cleanupTemps());

function arch(name: string): Arch {
  const a = findArch(name);
  if (!a) throw new Error(`${name} not in the arch table`);
  return a;
}

async function skopeoJson(args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await runOk('skopeo', ['inspect', '--tls-verify=false', ...args])).stdout);
}

interface ListEntry {
  digest: string;
  platform: { os: string; architecture: string; variant?: string };
}
const listPlatforms = (raw: Record<string, unknown>) => (raw.manifests as ListEntry[]).map((m) => platformString(m.platform)).sort();

describe('registry', () => {
  it('answers /v2/ and lists the base image repositories', async () => {
    expect((await fetch(`http://${host}/v2/`)).status).toBe(200);
    const catalog = (await (await fetch(`http://${host}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(
      expect.arrayContaining(['library/busybox', 'acme/base', ...BASE_ARCHES.map((a) => `${a}/busybox`)]),
    );
  });

  it('with htpasswd auth refuses anonymous and accepts the credentials', async () => {
    const reg = await startRegistry({ htpasswd: { user: 'hub', password: 's3cret pw' } });
    try {
      expect((await fetch(`${reg.url}/v2/`)).status).toBe(401);
      const basic = (p: string) => ({ authorization: `Basic ${Buffer.from(`hub:${p}`).toString('base64')}` });
      expect((await fetch(`${reg.url}/v2/`, { headers: basic('wrong') })).status).toBe(401);
      expect((await fetch(`${reg.url}/v2/`, { headers: basic('s3cret pw') })).status).toBe(200);
    } finally {
      await reg.stop();
    }
    expect(fs.existsSync(reg.storageDir)).toBe(false);
  });

  it('with token auth sends clients to our token server, and skopeo can push through it', async () => {
    const reg = await startRegistry({ tokenAuth: true, htpasswd: { user: 'hub', password: 'pw' } });
    try {
      const challenge = (await fetch(`${reg.url}/v2/`)).headers.get('www-authenticate');
      expect(challenge).toBe(`Bearer realm="${reg.tokenServer!.realm}",service="${reg.tokenServer!.service}"`);
      const copy = (creds: string) =>
        run('skopeo', [
          'copy',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          '--dest-creds',
          creds,
          `docker://${host}/arm64v8/busybox:latest`,
          `docker://${reg.host}/hub/copied:1`,
        ]);
      expect((await copy('hub:wrong')).code).not.toBe(0);
      const ok = await copy('hub:pw');
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      const cfg = await skopeoJson(['--config', '--creds', 'hub:pw', `docker://${reg.host}/hub/copied:1`]);
      expect(cfg.architecture).toBe('arm64');
      const statuses = reg.tokenServer!.requests.map((r) => r.status);
      expect(statuses).toContain(401);
      expect(statuses).toContain(200);
    } finally {
      await reg.stop();
    }
  });
});

describe('base images', () => {
  it.each(BASE_ARCHES)('%s/busybox has its platform in the image config', async (name) => {
    const want = arch(name).platform;
    const cfg = await skopeoJson(['--config', `docker://${host}/${name}/busybox:latest`]);
    expect({ os: cfg.os, architecture: cfg.architecture, variant: cfg.variant }).toEqual({
      os: want.os,
      architecture: want.architecture,
      variant: want.variant,
    });
  });

  it.each(['library/busybox:latest', ACME_BASE])('%s is a manifest list of every base arch', async (ref) => {
    const raw = await skopeoJson(['--raw', `docker://${host}/${ref}`]);
    expect(raw.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(listPlatforms(raw)).toEqual(BASE_ARCHES.map((n) => platformString(arch(n).platform)).sort());
    for (const name of BASE_ARCHES) {
      const cfg = await skopeoJson(['--config', ...overrideFlags(arch(name)), `docker://${host}/${ref}`]);
      expect(`${cfg.architecture}/${cfg.variant ?? ''}`).toBe(`${arch(name).platform.architecture}/${arch(name).platform.variant ?? ''}`);
    }
  });

  it('acme/base images differ from busybox: they carry /etc/acme-release', () => {
    const env = hookEnv();
    expect(readImageFile(env, `${host}/${ACME_BASE}`, '/etc/acme-release', { platform: 'linux/arm/v6' })).toBe('acme base 1.0 arm32v6\n');
  });
});

describe('the test bed engine: real builds under QEMU', () => {
  it('runs in a private network namespace, with its own bridge', async () => {
    expect(process.env.CMH_HOST_NETNS).toMatch(/^net:\[\d+\]$/);
    expect(fs.readlinkSync('/proc/self/ns/net')).not.toBe(process.env.CMH_HOST_NETNS);
    const info = await runOk('docker', ['info', '--format', '{{.ServerVersion}} {{.Driver}}'], { env: hookEnv() });
    expect(info.stdout.trim()).toMatch(/^26\.1\.\d+\S* overlay2$/);
  });

  it.each(['arm64v8', 'arm32v7'])('legacy builder: FROM %s/busybox + RUN uname -m runs emulated and pushes', async (name) => {
    const a = arch(name);
    const env = hookEnv({ extra: { DOCKER_BUILDKIT: '0' } });
    const { dir } = tmpGitRepo({ [`Dockerfile.${name}`]: `FROM ${name}/busybox\nRUN uname -m > /arch\n` });
    const image = `${host}/infra/uname:${name}`;
    const build = await run(
      'docker',
      ['build', '-f', `Dockerfile.${name}`, '-t', image, '--label', 'org.opencontainers.image.revision=abc', '.'],
      { env, cwd: dir },
    );
    expect(build.stdout).toMatch(/Step 2\/\d : RUN uname -m > \/arch/);
    expect(build.code, build.stderr).toBe(0);
    const push = await run('docker', ['push', image], { env, cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(new RegExp(`^${name}: digest: sha256:[0-9a-f]{64}`, 'm'));

    expect(readImageFile(hookEnv(), image, '/arch').trim()).toBe(a.uname);
    const cfg = await skopeoJson(['--config', `docker://${image}`]);
    expect(cfg.architecture).toBe(a.platform.architecture);
    expect((cfg.config as { Labels: Record<string, string> }).Labels['org.opencontainers.image.revision']).toBe('abc');
    expect(readDockerLog(env)).toEqual([
      `docker build -f Dockerfile.${name} -t ${image} --label org.opencontainers.image.revision=abc .`,
      `docker push ${image}`,
    ]);
  });

  const cross = [
    'FROM --platform=$BUILDPLATFORM busybox AS cross',
    'ARG TARGETPLATFORM',
    'ARG TARGETARCH',
    'ARG TARGETVARIANT',
    'RUN echo "$(uname -m) $TARGETPLATFORM $TARGETARCH $TARGETVARIANT" > /cross',
    'FROM busybox',
    'COPY --from=cross /cross /cross',
    'RUN uname -m > /arch',
    '',
  ].join('\n');

  it('BuildKit: --platform sets TARGET*, a FROM --platform=$BUILDPLATFORM stage runs natively', async () => {
    const env = hookEnv();
    const { dir } = tmpGitRepo({ Dockerfile: cross });
    const a = arch('arm64v8');
    const image = `${host}/infra/cross:arm64v8`;
    const build = await run('docker', ['build', '--provenance=false', '--platform', platformString(a.platform), '-t', image, '.'], {
      env,
      cwd: dir,
    });
    expect(build.code, build.stderr).toBe(0);
    expect((await run('docker', ['push', image], { env })).code).toBe(0);
    const check = hookEnv();
    // BuildKit normalizes linux/arm64/v8 to linux/arm64: v8 is arm64's only variant.
    expect(readImageFile(check, image, '/cross').trim()).toBe(`${arch('amd64').uname} linux/arm64 arm64`);
    expect(readImageFile(check, image, '/arch').trim()).toBe(a.uname);
    const cfg = await skopeoJson(['--config', `docker://${image}`]);
    // ... and writes no variant into an arm64 image's config (Docker Hub's arm64v8 images say v8).
    expect([cfg.os, cfg.architecture, cfg.variant]).toEqual(['linux', 'arm64', undefined]);
  });

  it('the legacy builder cannot build a $BUILDPLATFORM stage (what the buildah stand-in hid)', async () => {
    const env = hookEnv({ extra: { DOCKER_BUILDKIT: '0' } });
    const { dir } = tmpGitRepo({ Dockerfile: cross });
    const build = await run('docker', ['build', '--platform', 'linux/arm64/v8', '-t', `${host}/infra/cross-legacy:arm64v8`, '.'], {
      env,
      cwd: dir,
    });
    expect(build.code).not.toBe(0);
    expect(build.stderr + build.stdout).toContain('failed to parse platform');
  });

  it('a --qemu copy style Dockerfile builds against the test qemu-user-static image', async () => {
    const qemu = await ensureQemuImage(host);
    const a = arch('arm64v8');
    expect(qemu.binaries).toContain(a.qemu);
    const env = hookEnv();
    const { dir } = tmpGitRepo({
      Dockerfile: [
        `FROM ${host}/multiarch/qemu-user-static@${qemu.digest} AS qemu-user-static`,
        'FROM arm64v8/busybox',
        `COPY --from=qemu-user-static /usr/bin/${a.qemu} /usr/bin/${a.qemu}`,
        `RUN uname -m > /arch && ls -l /usr/bin/${a.qemu} > /qemu`,
        '',
      ].join('\n'),
    });
    const image = `${host}/infra/copy:arm64v8`;
    const build = await run('docker', ['build', '--provenance=false', '--platform', 'linux/arm64/v8', '-t', image, '.'], { env, cwd: dir });
    expect(build.code, build.stderr).toBe(0);
    await runOk('docker', ['push', image], { env });
    const check = hookEnv();
    expect(readImageFile(check, image, '/arch').trim()).toBe(a.uname);
    expect(readImageFile(check, image, '/qemu')).toContain(`/usr/bin/${a.qemu}`);
  });

  it('runs a command in an image, and privileged containers work (runc wrapper)', async () => {
    const env = hookEnv();
    const r = await run('docker', ['run', '--rm', `${host}/arm32v7/busybox:latest`, 'uname', '-m'], { env });
    expect(r.stdout.trim()).toBe(arch('arm32v7').uname);
    const p = await run(
      'docker',
      [
        'run',
        '--rm',
        '--privileged',
        'busybox',
        'sh',
        '-c',
        'mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && cat /proc/sys/fs/binfmt_misc/status',
      ],
      { env },
    );
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim()).toBe('enabled');
  });
});

describe('the test bed engine: manifest lists through the real docker CLI', () => {
  it('create/annotate/push publishes a list that skopeo reads back', async () => {
    const env = hookEnv();
    const list = `${host}/infra/list:latest`;
    const names = ['arm32v6', 'arm64v8'];
    // Single-arch images in the target repo, as the hooks push them.
    for (const n of names) {
      await runOk('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${host}/${n}/busybox:latest`,
        `docker://${host}/infra/list:${n}`,
      ]);
    }
    await runOk('docker', ['manifest', 'create', '--insecure', list, ...names.map((n) => `${host}/infra/list:${n}`)], { env });
    for (const n of names) {
      const p = arch(n).platform;
      await runOk(
        'docker',
        ['manifest', 'annotate', list, `${host}/infra/list:${n}`, '--os', p.os, '--arch', p.architecture, '--variant', p.variant!],
        { env },
      );
    }
    const push = await runOk('docker', ['manifest', 'push', '--insecure', '--purge', list], { env });
    expect(push.stdout).toMatch(/sha256:[0-9a-f]{64}/);
    const raw = await skopeoJson(['--raw', `docker://${list}`]);
    expect(listPlatforms(raw)).toEqual(names.map((n) => platformString(arch(n).platform)).sort());
    expect(readDockerLog(env)).toContain(`docker manifest push --insecure --purge ${list}`);
  });
});

describe('the docker spy', () => {
  it('logs in with the real CLI, never logs the password, and pushes with those credentials', async () => {
    const reg = await startRegistry({ htpasswd: { user: 'hub', password: 'hunter2-secret' } });
    try {
      const env = hookEnv();
      const login = await run('docker', ['login', '-u', 'hub', '-p', 'hunter2-secret', reg.host], { env });
      expect(login.stdout).toContain('Login Succeeded');
      const login2 = await run('docker', ['login', '-u', 'hub', '--password=hunter2-secret', reg.host], { env });
      expect(login2.code).toBe(0);
      expect(fs.existsSync(path.join(env.DOCKER_CONFIG!, 'config.json'))).toBe(true);
      // docker.io pulls come from the shared registry (the engine's registry mirror).
      await runOk('docker', ['pull', '-q', 'amd64/busybox:latest'], { env });
      await runOk('docker', ['tag', 'amd64/busybox:latest', `${reg.host}/hub/repo:amd64`], { env });
      const push = await run('docker', ['push', `${reg.host}/hub/repo:amd64`], { env });
      expect(push.code, push.stderr).toBe(0);
      const log = readDockerLog(env);
      expect(log.join('\n')).not.toContain('hunter2');
      expect(log[0]).toBe(`docker login -u hub -p *** ${reg.host}`);
      expect(log[1]).toBe(`docker login -u hub --password=*** ${reg.host}`);
    } finally {
      await reg.stop();
    }
  });
});

describe('fault proxy', () => {
  it('injects a 500, closes a connection, forwards and counts', async () => {
    const proxy = await startFaultProxy(host);
    try {
      proxy.failNext(1, 500);
      expect((await fetch(`${proxy.url}/v2/`)).status).toBe(500);
      expect((await fetch(`${proxy.url}/v2/`)).status).toBe(200);
      proxy.addFault({ method: 'GET', path: '/manifests/', close: true });
      await expect(fetch(`${proxy.url}/v2/amd64/busybox/manifests/latest`)).rejects.toThrow();
      // skopeo through the proxy works once the fault is used up, and each request is counted.
      const cfg = await skopeoJson(['--config', `docker://${proxy.host}/arm64v8/busybox:latest`]);
      expect(cfg.architecture).toBe('arm64');
      expect(proxy.count({ method: 'GET', path: '/manifests/' })).toBeGreaterThanOrEqual(2);
      expect(proxy.requests.filter((r) => r.faulted).map((r) => r.status)).toEqual([500, 'closed']);
      expect(proxy.count()).toBe(proxy.requests.length);
    } finally {
      await proxy.stop();
    }
  });

  it('fails every matching request while a rule lasts', async () => {
    const proxy = await startFaultProxy(host);
    try {
      proxy.addFault({ path: /\/manifests\//, status: 503, times: Infinity });
      const r = await run('skopeo', ['inspect', '--retry-times', '0', '--tls-verify=false', `docker://${proxy.host}/amd64/busybox:latest`]);
      expect(r.code).not.toBe(0);
      expect(proxy.count({ path: '/manifests/' })).toBeGreaterThanOrEqual(1);
      proxy.clearFaults();
      proxy.resetCounts();
      expect((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${proxy.host}/amd64/busybox:latest`])).code).toBe(0);
      expect(proxy.requests.every((q) => q.status !== 503)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

describe('http server', () => {
  it('serves routes, files and a 9-byte Not Found', async () => {
    const file = path.join(tmpDir(), 'blob.bin');
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    const srv = await startHttpServer({ '/a.txt': 'hello', '/blob': { file }, '/moved': { status: 302, headers: { location: '/a.txt' } } });
    try {
      expect(await (await fetch(`${srv.url}/a.txt`)).text()).toBe('hello');
      expect(Buffer.from(await (await fetch(`${srv.url}/blob`)).arrayBuffer())).toEqual(Buffer.from([1, 2, 3]));
      expect(await (await fetch(`${srv.url}/moved`)).text()).toBe('hello');
      const missing = await fetch(`${srv.url}/nope`);
      expect([missing.status, await missing.text()]).toEqual([404, 'Not Found']);
      expect(srv.requests.map((r) => `${r.status} ${r.path}`)).toEqual([
        '200 /a.txt',
        '200 /blob',
        '302 /moved',
        '200 /a.txt',
        '404 /nope',
      ]);
    } finally {
      await srv.stop();
    }
  });
});

describe('helpers and setup script', () => {
  it('tmpGitRepo commits the files and returns the commit', () => {
    const { dir, sha } = tmpGitRepo({ 'hooks/build': { content: '#!/bin/bash\n', mode: 0o755 }, Dockerfile: 'FROM busybox\n' });
    expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()).toBe(sha);
    expect(execFileSync('git', ['ls-files', '-s', 'hooks/build'], { cwd: dir, encoding: 'utf8' })).toMatch(/^100755 /);
  });

  it('setup-test-env.sh on a ready machine changes nothing', async () => {
    const r = await run('bash', [path.join(REPO_ROOT, 'scripts/setup-test-env.sh')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});
