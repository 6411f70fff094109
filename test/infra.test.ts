// Proves the real-parts test infrastructure itself: registry, base images, the docker shim
// building under QEMU, docker manifest through the shim, the fault proxy and the HTTP server.
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
import { REPO_ROOT, cleanupTemps, readImageFile, readShimLog, shimEnv, tmpDir, tmpGitRepo } from './support/env.js';

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

interface ListEntry { digest: string; platform: { os: string; architecture: string; variant?: string } }
const listPlatforms = (raw: Record<string, unknown>) =>
  (raw.manifests as ListEntry[]).map((m) => platformString(m.platform)).sort();

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
        run('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-creds', creds,
          `docker://${host}/arm64v8/busybox:latest`, `docker://${reg.host}/hub/copied:1`]);
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
    const env = shimEnv({ registryHost: host });
    expect(readImageFile(env, `${host}/${ACME_BASE}`, '/etc/acme-release', { platform: 'linux/arm/v6' })).toBe('acme base 1.0 arm32v6\n');
  });
});

describe('docker shim: builds for real under QEMU', () => {
  it.each(['arm64v8', 'arm32v7'])('FROM %s/busybox + RUN uname -m runs emulated and pushes', async (name) => {
    const a = arch(name);
    const env = shimEnv({ registryHost: host });
    const { dir } = tmpGitRepo({ [`Dockerfile.${name}`]: `FROM ${name}/busybox\nRUN uname -m > /arch\n` });
    const image = `${host}/infra/uname:${name}`;
    const build = await run('docker', ['build', '-f', `Dockerfile.${name}`, '-t', image, '--label', 'org.opencontainers.image.revision=abc', '.'], { env, cwd: dir });
    expect(build.stderr + build.stdout).toMatch(/STEP 2\/\d: RUN uname -m > \/arch/);
    expect(build.code).toBe(0);
    const push = await run('docker', ['push', image], { env, cwd: dir });
    expect(push.code).toBe(0);
    expect(push.stdout).toMatch(new RegExp(`^${name}: digest: sha256:[0-9a-f]{64}$`, 'm'));

    expect(readImageFile(shimEnv({ registryHost: host }), image, '/arch').trim()).toBe(a.uname);
    const cfg = await skopeoJson(['--config', `docker://${image}`]);
    expect(cfg.architecture).toBe(a.platform.architecture);
    expect(cfg.variant).toBe(a.platform.variant);
    expect((cfg.config as { Labels: Record<string, string> }).Labels['org.opencontainers.image.revision']).toBe('abc');
    expect(readShimLog(env)).toEqual([
      `docker build -f Dockerfile.${name} -t ${image} --label org.opencontainers.image.revision=abc .`,
      `docker push ${image}`,
    ]);
  });

  it('--platform sets TARGET*, and a FROM --platform=$BUILDPLATFORM stage runs natively', async () => {
    const env = shimEnv({ registryHost: host });
    const { dir } = tmpGitRepo({
      Dockerfile: [
        'FROM --platform=$BUILDPLATFORM busybox AS cross',
        'ARG TARGETPLATFORM',
        'ARG TARGETARCH',
        'ARG TARGETVARIANT',
        'RUN echo "$(uname -m) $TARGETPLATFORM $TARGETARCH $TARGETVARIANT" > /cross',
        'FROM busybox',
        'COPY --from=cross /cross /cross',
        'RUN uname -m > /arch',
        '',
      ].join('\n'),
    });
    const a = arch('arm64v8');
    const image = `${host}/infra/cross:arm64v8`;
    const build = await run('docker', ['build', '--platform', platformString(a.platform), '-t', image, '.'], { env, cwd: dir });
    expect(build.code, build.stderr).toBe(0);
    expect((await run('docker', ['push', image], { env })).code).toBe(0);
    const check = shimEnv({ registryHost: host });
    expect(readImageFile(check, image, '/cross').trim()).toBe(`${arch('amd64').uname} ${platformString(a.platform)} arm64 v8`);
    expect(readImageFile(check, image, '/arch').trim()).toBe(a.uname);
  });

  it('a --qemu copy style Dockerfile builds against the stand-in qemu-user-static image', async () => {
    const qemu = await ensureQemuImage(host);
    const a = arch('arm64v8');
    expect(qemu.binaries).toContain(a.qemu);
    const env = shimEnv({ registryHost: host });
    const { dir } = tmpGitRepo({
      Dockerfile: [
        `FROM docker.io/multiarch/qemu-user-static@${qemu.digest} AS qemu-user-static`,
        'FROM arm64v8/busybox',
        `COPY --from=qemu-user-static /usr/bin/${a.qemu} /usr/bin/${a.qemu}`,
        `RUN uname -m > /arch && ls -l /usr/bin/${a.qemu} > /qemu`,
        '',
      ].join('\n'),
    });
    const image = `${host}/infra/copy:arm64v8`;
    const build = await run('docker', ['build', '-t', image, '.'], { env, cwd: dir });
    expect(build.code, build.stderr).toBe(0);
    await runOk('docker', ['push', image], { env });
    const check = shimEnv({ registryHost: host });
    expect(readImageFile(check, image, '/arch').trim()).toBe(a.uname);
    expect(readImageFile(check, image, '/qemu')).toContain(`/usr/bin/${a.qemu}`);
  });

  it('DOCKER_BUILDKIT=0 labels an emulated build with the builder arch, like the classic builder', async () => {
    const env = shimEnv({ registryHost: host, extra: { DOCKER_BUILDKIT: '0' } });
    const { dir } = tmpGitRepo({ Dockerfile: 'FROM arm32v6/busybox\nRUN uname -m > /arch\n' });
    const image = `${host}/infra/classic:arm32v6`;
    const build = await run('docker', ['build', '-t', image, '.'], { env, cwd: dir });
    expect(build.code, build.stderr).toBe(0);
    expect(build.stderr).toContain('moby/moby#36552');
    await runOk('docker', ['push', image], { env });
    const cfg = await skopeoJson(['--config', `docker://${image}`]);
    expect([cfg.os, cfg.architecture, cfg.variant]).toEqual([arch('amd64').platform.os, arch('amd64').platform.architecture, undefined]);
    expect(readImageFile(shimEnv({ registryHost: host }), image, '/arch').trim()).toBe(arch('arm32v6').uname);
  });

  it('runs a command in an image (docker run without --privileged)', async () => {
    const env = shimEnv({ registryHost: host });
    const r = await run('docker', ['run', '--rm', `${host}/arm32v7/busybox:latest`, 'uname', '-m'], { env });
    expect(r.stdout.trim()).toBe(arch('arm32v7').uname);
  });
});

describe('docker shim: manifest lists through the real docker CLI', () => {
  it('create/annotate/push publishes a list that skopeo reads back', async () => {
    const env = shimEnv({ registryHost: host });
    const list = `${host}/infra/list:latest`;
    const names = ['arm32v6', 'arm64v8'];
    // Single-arch images in the target repo, as the hooks push them.
    for (const n of names) {
      await runOk('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${host}/${n}/busybox:latest`, `docker://${host}/infra/list:${n}`]);
    }
    await runOk('docker', ['manifest', 'create', list, ...names.map((n) => `${host}/infra/list:${n}`)], { env });
    for (const n of names) {
      const p = arch(n).platform;
      await runOk('docker', ['manifest', 'annotate', list, `${host}/infra/list:${n}`, '--os', p.os, '--arch', p.architecture, '--variant', p.variant!], { env });
    }
    const push = await runOk('docker', ['manifest', 'push', '--purge', list], { env });
    expect(push.stdout).toMatch(/sha256:[0-9a-f]{64}/);
    const raw = await skopeoJson(['--raw', `docker://${list}`]);
    expect(listPlatforms(raw)).toEqual(names.map((n) => platformString(arch(n).platform)).sort());
    // The shim added --insecure for the plain-HTTP registry; the log shows the hook's own words.
    expect(readShimLog(env)).toContain(`docker manifest push --purge ${list}`);
  });
});

describe('docker shim: the rest of its contract', () => {
  it('fails loudly on a command it does not know', async () => {
    const env = shimEnv({ registryHost: host });
    const r = await run('docker', ['system', 'prune', '-f'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'docker system' is not supported by the shim");
    expect(readShimLog(env)).toEqual(['docker system prune -f']);
  });

  it('logs in with the real CLI, never logs the password, and pushes with those credentials', async () => {
    const reg = await startRegistry({ htpasswd: { user: 'hub', password: 'hunter2-secret' } });
    try {
      const env = shimEnv({ registryHost: host });
      const login = await run('docker', ['login', '-u', 'hub', '-p', 'hunter2-secret', reg.host], { env });
      expect(login.stdout).toContain('Login Succeeded');
      const login2 = await run('docker', ['login', '-u', 'hub', '--password=hunter2-secret', reg.host], { env });
      expect(login2.code).toBe(0);
      expect(fs.existsSync(path.join(env.DOCKER_CONFIG!, 'config.json'))).toBe(true);
      await runOk('docker', ['pull', `${host}/amd64/busybox:latest`], { env });
      await runOk('docker', ['tag', `${host}/amd64/busybox:latest`, `${reg.host}/hub/repo:amd64`], { env });
      const push = await run('docker', ['push', `${reg.host}/hub/repo:amd64`], { env });
      expect(push.code, push.stderr).toBe(0);
      const log = readShimLog(env);
      expect(log.join('\n')).not.toContain('hunter2');
      expect(log[0]).toBe(`docker login -u hub -p *** ${reg.host}`);
      expect(log[1]).toBe(`docker login -u hub --password=*** ${reg.host}`);
    } finally {
      await reg.stop();
    }
  });

  it('docker run --privileged is only recorded; FAKE binfmt files appear when asked for', async () => {
    const binfmt = tmpDir('cmh-fake-binfmt-');
    const env = shimEnv({ registryHost: host, binfmtDir: binfmt });
    const qemuImage = 'docker.io/multiarch/qemu-user-static@sha256:0000';
    await runOk('docker', ['run', '--rm', '--privileged', qemuImage, '--reset', '-p', 'yes'], { env });
    for (const a of [arch('arm64v8'), arch('arm32v7')]) {
      const handler = fs.readFileSync(path.join(binfmt, `qemu-${a.binfmt}`), 'utf8');
      expect(handler).toMatch(/^enabled\n/);
      expect(handler).toContain(`interpreter /usr/bin/${a.qemu}\n`);
      expect(handler).toContain('flags: F\n');
    }
    // Registering again without --reset fails like the kernel does.
    const again = await run('docker', ['run', '--rm', '--privileged', qemuImage, '-p', 'yes'], { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('File exists');
    // Without -p yes: no F flag.
    await runOk('docker', ['run', '--rm', '--privileged', qemuImage, '--reset'], { env });
    expect(fs.readFileSync(path.join(binfmt, `qemu-${arch('arm64v8').binfmt}`), 'utf8')).toContain('flags: \n');
    expect(readShimLog(env)[0]).toBe(`docker run --rm --privileged ${qemuImage} --reset -p yes`);
  });

  it('answers docker version and info plausibly', async () => {
    const env = shimEnv({ registryHost: host, serverVersion: '19.03.12' });
    expect((await runOk('docker', ['version', '--format', '{{.Server.Version}}'], { env })).stdout.trim()).toBe('19.03.12');
    expect((await runOk('docker', ['info'], { env })).stdout).toContain('Server Version: 19.03.12');
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
      expect(srv.requests.map((r) => `${r.status} ${r.path}`)).toEqual(['200 /a.txt', '200 /blob', '302 /moved', '200 /a.txt', '404 /nope']);
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
