/**
 * The check that each arch's official base image exists (src/generate/twins.ts), through the
 * built CLI, against the shared local registry standing in for Docker Hub (the CLI's test hook
 * CMH_DOCKER_HUB_REGISTRY). It holds `<arch>/busybox:latest` for amd64, arm32v5, arm32v6,
 * arm32v7 and arm64v8 (test/support/base-images.ts); this file adds the tag `twin-test` for
 * arm32v7 and arm64v8 only, an official image with no arm32v6 twin.
 */
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, run, runOk } from '../support/proc.js';
import { startRegistry, type Registry } from '../support/registry.js';
import { tagImage } from '../runtime/support.js';
import { CLI, listFiles, removeDir, repoWith as repoWithFiles, runCli, tempGitRepo, tree } from './run-cli.js';

const host = inject('registry');
const TAG = 'twin-test';
/** Tags `<arch>/busybox:latest` as `<arch>/busybox:TAG` in the same repository (no blob moves). */
const tagTwin = (arch: string) => tagImage(host, `${arch}/busybox`, 'latest', TAG);

const repos: string[] = [];
const registries: Registry[] = [];
afterAll(async () => {
  repos.forEach(removeDir);
  for (const r of registries) await r.stop();
});
beforeAll(async () => {
  await Promise.all(['arm32v7', 'arm64v8'].map(tagTwin));
});

const repoWith = (dockerfile: string) => repoWithFiles({ Dockerfile: dockerfile }, { made: repos });

const record = (dir: string) => JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8')) as { arches: string[] };

describe('official images checked before anything is written', () => {
  it('every twin there: says nothing about it', () => {
    const dir = repoWith('FROM busybox\n');
    const r = runCli(dir, ['--yes', '--repo', 'acme/all'], { twinRegistry: host });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(record(dir).arches).toEqual(['amd64', 'arm32v6', 'arm32v7', 'arm64v8']);
  });

  it('an arch given with --arch whose image does not exist: one sentence naming the fix, nothing written', () => {
    const dir = repoWith('FROM busybox\n');
    const before = tree(dir);
    const r = runCli(dir, ['--yes', '--repo', 'acme/chosen', '--arch', 'amd64,arm64v8,i386'], { twinRegistry: host });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: i386/busybox:latest does not exist on Docker Hub (busybox:latest has no i386 image): ' +
        'choose other architectures with --arch amd64,arm64v8, or a base image that has i386.\n',
    );
    expect(tree(dir)).toEqual(before);
  });

  it('a missing tag of an existing twin repository, chosen with --arch: refused too', () => {
    const dir = repoWith(`FROM busybox:${TAG}\n`);
    const r = runCli(dir, ['--yes', '--repo', 'acme/chosen-tag', '--arch', 'amd64,arm32v6,arm32v7'], { twinRegistry: host });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: arm32v6\/busybox:twin-test does not exist on Docker Hub \(busybox:twin-test has no arm32v6 image\): choose other architectures with --arch amd64,arm32v7, /,
    );
  });

  it('an official image in COPY --from is checked like a base: its missing twin is refused', () => {
    const dir = repoWith(`FROM scratch\nCOPY --from=busybox:${TAG} /bin/busybox /busybox\n`);
    const before = tree(dir);
    const r = runCli(dir, ['--yes', '--repo', 'acme/copied', '--arch', 'amd64,arm32v6,arm64v8'], { twinRegistry: host });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: arm32v6\/busybox:twin-test does not exist on Docker Hub \(busybox:twin-test has no arm32v6 image\): choose other architectures with --arch amd64,arm64v8, /,
    );
    expect(tree(dir)).toEqual(before);
  });

  it('an arch of the default set whose image does not exist: left out with one notice; a re-run keeps the recorded set', () => {
    const dir = repoWith(`FROM busybox:${TAG}\n`);
    const r = runCli(dir, ['--yes', '--repo', 'acme/defaults'], { twinRegistry: host });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      'info: left out arm32v6: arm32v6/busybox:twin-test does not exist on Docker Hub ' +
        '(busybox:twin-test has no arm32v6 image); building amd64, ' +
        'arm32v7, arm64v8 (choose others with --arch).\n',
    );
    expect(record(dir).arches).toEqual(['amd64', 'arm32v7', 'arm64v8']);
    const files = listFiles(dir);
    expect(files).toContain('Dockerfile.arm32v7');
    expect(files).not.toContain('Dockerfile.arm32v6');
    for (const f of ['multi-arch-manifest.yaml', 'DOCKER_HUB_BUILD_RULES.md', 'hooks/post_push', 'hooks/build']) {
      expect(readFileSync(join(dir, f), 'utf8'), f).not.toContain('arm32v6');
    }
    expect(r.stdout).not.toContain('arm32v6');

    const again = runCli(dir, ['--yes'], { twinRegistry: host });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('Everything is up to date; nothing changed.');
  });

  it('arches restored from the record count as chosen: a base without one of them is refused', () => {
    const dir = repoWith('FROM busybox\n');
    expect(runCli(dir, ['--yes', '--repo', 'acme/recorded'], { twinRegistry: host }).code).toBe(0);
    writeFileSync(join(dir, 'Dockerfile'), `FROM busybox:${TAG}\n`);
    const r = runCli(dir, ['--yes'], { twinRegistry: host });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: arm32v6\/busybox:twin-test does not exist on Docker Hub .*--arch amd64,arm32v7,arm64v8/);
  });

  it('several Dockerfiles: each is judged on its own, the notice names the Dockerfile', () => {
    const dir = tempGitRepo();
    repos.push(dir);
    for (const [f, from] of [
      ['a', 'busybox'],
      ['b', `busybox:${TAG}`],
    ]) {
      mkdirSync(join(dir, f!));
      writeFileSync(join(dir, f!, 'Dockerfile'), `FROM ${from}\n`);
    }
    const r = runCli(dir, ['--yes', '--repo', 'acme/{dir}', '--dockerfile', 'a/Dockerfile', '--dockerfile', 'b/Dockerfile'], {
      twinRegistry: host,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^info: b\/Dockerfile: left out arm32v6: arm32v6\/busybox:twin-test does not exist on Docker Hub .*\n$/);
    expect(record(join(dir, 'a')).arches).toEqual(['amd64', 'arm32v6', 'arm32v7', 'arm64v8']);
    expect(record(join(dir, 'b')).arches).toEqual(['amd64', 'arm32v7', 'arm64v8']);
  });

  it('only amd64 would be left: refused rather than a single-arch result', () => {
    const dir = repoWith('FROM busybox:no-such-tag\n');
    const r = runCli(dir, ['--yes', '--repo', 'acme/none'], { twinRegistry: host });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: arm32v6/busybox:no-such-tag, arm32v7/busybox:no-such-tag, arm64v8/busybox:no-such-tag do ' +
        'not exist on Docker Hub (busybox:no-such-tag has no arm32v6, arm32v7, arm64v8 image): choose a ' +
        'base image that has arm32v6, arm32v7, arm64v8.\n',
    );
  });

  it('Docker Hub cannot be reached: one warning, and the files as offline, within a few seconds', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const dir = repoWith('FROM busybox\n');
    const start = Date.now();
    const r = runCli(dir, ['--yes', '--repo', 'acme/unreachable', '--arch', 'amd64,i386'], { twinRegistry: closed });
    expect(Date.now() - start).toBeLessThan(15_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^warn: could not check that the official base images exist for every architecture \\(${closed} ` +
          `could not be reached: .*ECONNREFUSED.*\\); pass --offline to skip the check\\.\\n$`,
      ),
    );
    expect(record(dir).arches).toEqual(['amd64', 'i386']);
  });

  it('Docker Hub does not answer: gives up after the deadline with one warning', async () => {
    // Accepts connections and never answers (the test process is blocked in spawnSync meanwhile).
    const server = net.createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const silent = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const dir = repoWith('FROM busybox\n');
      const start = Date.now();
      const r = runCli(dir, ['--yes', '--repo', 'acme/silent'], { twinRegistry: silent });
      expect(Date.now() - start).toBeLessThan(15_000);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^warn: could not check .*\(.* gave no answer within 5 s\); pass --offline to skip the check\.\n$/);
    } finally {
      server.close();
    }
  });

  it('--offline asks nothing: no warning even with an unreachable registry, and no refusal', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const dir = repoWith('FROM busybox\n');
    const r = runCli(dir, ['--yes', '--repo', 'acme/offline', '--arch', 'amd64,i386', '--offline'], { twinRegistry: closed });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(record(dir).arches).toEqual(['amd64', 'i386']);
  });
});

describe('a registry with token auth, as Docker Hub has', () => {
  it('takes an anonymous Bearer token per repository and leaves out the default arch it lacks', async () => {
    const reg = await startRegistry({ tokenAuth: true });
    registries.push(reg);
    // Only arm32v7 and arm64v8 twins of busybox: arm32v6/busybox does not exist there at all.
    for (const arch of ['arm32v7', 'arm64v8']) {
      await runOk(
        'skopeo',
        [
          'copy',
          '-q',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          `docker://${host}/${arch}/busybox:latest`,
          `docker://${reg.host}/${arch}/busybox:latest`,
        ],
        {
          env: { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent/auth.json' },
        },
      );
    }
    const before = reg.tokenServer!.requests.length;
    const dir = repoWith('FROM busybox\n');
    // Not runCli: the token server answers from this process, which spawnSync would block.
    const r = await run(process.execPath, [CLI, '--yes', '--repo', 'acme/token'], {
      cwd: dir,
      env: { ...process.env, CMH_DOCKER_HUB_REGISTRY: reg.host, DOCKER_CONFIG: '/nonexistent' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      'info: left out arm32v6: arm32v6/busybox:latest does not exist on Docker Hub (busybox:latest has ' +
        'no arm32v6 image); building amd64, arm32v7, arm64v8 (choose others with --arch).\n',
    );
    const asked = reg.tokenServer!.requests.slice(before).map((q) => decodeURIComponent(q.url));
    for (const arch of ['arm32v6', 'arm32v7', 'arm64v8'])
      expect(asked.some((u) => u.includes(`scope=repository:${arch}/busybox:pull`))).toBe(true);
  });
});

describe('on a terminal', () => {
  /** The CLI under a pseudo-terminal (util-linux `script`), the answers typed into it. */
  const prompted = (dir: string, input: string) =>
    spawnSync('script', ['-qec', `${process.execPath} ${CLI}`, '/dev/null'], {
      cwd: dir,
      input,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CMH_DOCKER_HUB_REGISTRY: host },
    });

  it('the default set taken at the prompt (Enter) is still the default: the missing arch is left out', () => {
    const dir = repoWith(`FROM busybox:${TAG}\n`);
    const r = prompted(dir, 'acme/enter\n\n\n');
    expect(r.error, 'util-linux script is needed for the TTY test').toBeUndefined();
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain('info: left out arm32v6: arm32v6/busybox:twin-test does not exist on Docker Hub');
    expect(record(dir).arches).toEqual(['amd64', 'arm32v7', 'arm64v8']);
  });

  it('architectures typed at the prompt are a choice: a missing one is refused', () => {
    const dir = repoWith(`FROM busybox:${TAG}\n`);
    const r = prompted(dir, 'acme/typed\namd64,arm32v6,arm64v8\n\n');
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toContain(
      'error: arm32v6/busybox:twin-test does not exist on Docker Hub (busybox:twin-test has no arm32v6 ' +
        'image): choose other architectures with --arch amd64,arm64v8, ' +
        'or a base image that has arm32v6.',
    );
  });
});
