/**
 * The builds a generated GitHub workflow or Bitbucket pipeline runs, for real: a repo generated
 * with `--ci github` (a neutral Dockerfile: one multi-platform build; one the rewriter had to
 * change per arch: per-arch builds merged by digest), its record turned into the pipeline's
 * commands (src/ci/commands.ts, which the pipeline tests check against the generated files), run
 * with the test bed's docker against the loopback registry, then `verify` on the list tag and on
 * each per-arch tag.
 *
 * Multi-platform builds need the containerd image store: this file starts an engine of its own
 * with it (the suite's engine has the classic store, like a Docker Hub builder). Docker's default
 * `docker` buildx driver cannot push by digest, so per-arch builds push under a staging tag and
 * the digest comes from the metadata file, as on GitHub; the pipelines use the docker-container
 * driver, which pushes by digest.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { platformKey } from '../../src/arch.js';
import { buildCommands, platformDigests, publishCommands } from '../../src/ci/index.js';
import { ciTargetOnDisk } from '../../src/generate/read.js';
import { git } from '../cli/run-cli.js';
import { DOCKER_CLI, startEngine, type Engine } from '../support/engine.js';
import { cleanupTemps, hookEnv, REPO_ROOT, tmpDir } from '../support/env.js';
import { run } from '../support/proc.js';

const CLI = path.join(REPO_ROOT, 'bin/create-multiarch-hooks.js');
const ARCHES = ['amd64', 'arm32v7', 'arm64v8'];
const CASES = [
  { name: 'neutral', source: 'FROM busybox\nRUN uname -m > /arch\n', perArch: false },
  { name: 'per-arch', source: 'FROM amd64/busybox\nRUN uname -m > /arch\n', perArch: true },
];

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ containerdStore: true, mirror: `http://${inject('registry')}` });
}, 120_000);
afterAll(async () => {
  await engine?.stop();
  cleanupTemps();
});

describe.each(CASES)('the $name pipeline, run for real', (c) => {
  it('publishes a list and per-arch tags that verify accepts', async () => {
    const host = inject('registry');
    const env: NodeJS.ProcessEnv = { ...hookEnv(), DOCKER_HOST: engine.host };
    const dir = tmpDir('cmh-ci-real-');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), c.source);
    git(dir, ['init', '-q', '-b', 'main']);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'app']);
    const repository = `ci/${c.name}-${process.pid}`;
    const gen = await run(
      process.execPath,
      [CLI, '--yes', '--offline', '--repo', repository, '--arch', ARCHES.join(','), '--ci', 'github'],
      { cwd: dir, env },
    );
    expect(gen.code, gen.stdout + gen.stderr).toBe(0);
    git(dir, ['commit', '-q', '-m', 'pipeline']);
    const sha = git(dir, ['rev-parse', 'HEAD']);

    const t = ciTargetOnDisk(dir, '');
    expect(t.perArchReasons.length > 0).toBe(c.perArch);
    const image = `${host}/${repository}`;
    const v = {
      image,
      listTags: ['1.2.3'],
      revision: sha,
      metadataFile: (a: string | null) => path.join(dir, `.metadata-${a ?? 'all'}.json`),
      stagingTag: (a: string) => `staging-${a}`,
    };
    for (const b of buildCommands(t, v).builds) {
      const r = await run(DOCKER_CLI, b.argv.slice(1), { cwd: dir, env, timeoutMs: 600_000 });
      expect(r.code, `${b.argv.join(' ')}\n${r.stderr.slice(-2000)}`).toBe(0);
    }
    const metadata = (a: string | null) => JSON.parse(fs.readFileSync(v.metadataFile(a), 'utf8'))['containerimage.digest'] as string;
    let digests: Record<string, string>;
    if (c.perArch) {
      digests = Object.fromEntries(t.arches.map((a) => [a.name, metadata(a.name)]));
    } else {
      const raw = await run(DOCKER_CLI, ['buildx', 'imagetools', 'inspect', '--raw', `${image}@${metadata(null)}`], { env });
      expect(raw.code, raw.stderr).toBe(0);
      digests = platformDigests(raw.stdout, t.arches);
    }
    expect(Object.keys(digests).sort()).toEqual(ARCHES);
    for (const cmd of publishCommands(t, v, digests)) {
      const r = await run(DOCKER_CLI, cmd.slice(1), { env, timeoutMs: 120_000 });
      expect(r.code, `${cmd.join(' ')}\n${r.stderr}`).toBe(0);
    }

    const verify = await run(process.execPath, [CLI, 'verify', `${image}:1.2.3`, '--arch', ARCHES.join(',')], { env, timeoutMs: 120_000 });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain(sha.slice(0, 12));
    // Each per-arch tag (as Docker Hub's rules published them) is that arch's single image.
    for (const a of t.arches) {
      const r = await run('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${image}:1.2.3-${a.name}`]);
      expect(r.code, r.stderr).toBe(0);
      const cfg = JSON.parse(r.stdout) as {
        os: string;
        architecture: string;
        variant?: string;
        config: { Labels: Record<string, string> };
      };
      expect(platformKey(cfg), `1.2.3-${a.name}`).toBe(platformKey(a.platform));
      expect(cfg.config.Labels['org.opencontainers.image.revision']).toBe(sha);
    }
  }, 900_000);
});
