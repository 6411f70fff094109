/**
 * Real images and lists for the verify tests, made with buildah (private vfs storage) and the real
 * docker CLI, pushed to a real local registry. Images start from the per-arch busybox base images
 * of test/support/base-images.ts, so an arm64 image holds arm64 content whatever its config says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findArch, type Platform } from '../../../src/arch.js';
import { containersEnv } from '../../support/containers.js';
import { realDocker, tmpDir } from '../../support/env.js';
import { runOk } from '../../support/proc.js';

export const REVISION_LABEL = 'org.opencontainers.image.revision';

export interface ImageSpec {
  /** Table arch whose base image (content) is used. */
  arch: string;
  /** `org.opencontainers.image.revision`; none when undefined. */
  revision?: string;
  /** Epoch seconds for the config's `created` (deterministic digests and ordering). */
  created: number;
  /** Overrides the config's platform (a mislabelled image); `variant: ''` clears it. */
  configPlatform?: { architecture: string; variant: string };
}

export interface ListEntry {
  ref: string;
  /** What the list says; default: what the image config says (buildah's default). */
  platform?: Platform;
}

export class Fixtures {
  readonly env: NodeJS.ProcessEnv;
  private readonly dir: string;
  private n = 0;

  /** `repo`: a repository name unique to the test file, e.g. `verify-1234/app`. */
  constructor(
    readonly host: string,
    readonly repo: string,
  ) {
    this.dir = tmpDir('cmh-verify-fixtures-');
    this.env = containersEnv(path.join(this.dir, 'containers'), host);
  }

  private buildah(args: string[]) {
    return runOk('buildah', args, { env: this.env });
  }

  /** Builds one image on its arch's busybox base and pushes it as `repo:tag`; returns the full ref. */
  async image(tag: string, spec: ImageSpec, repo = this.repo): Promise<string> {
    const arch = findArch(spec.arch);
    if (!arch) throw new Error(`fixtures: ${spec.arch} is not in src/arch.ts`);
    const ref = `${this.host}/${repo}:${tag}`;
    const local = `localhost/cmh-verify/img-${++this.n}`;
    const ctr = (await this.buildah(['from', '--pull', '--tls-verify=false', `${this.host}/${spec.arch}/busybox:latest`])).stdout.trim();
    try {
      const marker = path.join(this.dir, `marker-${this.n}`);
      fs.writeFileSync(marker, `${spec.arch} ${spec.revision ?? 'unlabelled'} ${tag}\n`);
      await this.buildah(['copy', ctr, marker, '/etc/cmh-verify-fixture']);
      const config: string[] = [];
      if (spec.revision !== undefined) config.push('--label', `${REVISION_LABEL}=${spec.revision}`);
      if (spec.configPlatform) config.push('--arch', spec.configPlatform.architecture, '--variant', spec.configPlatform.variant);
      if (config.length) await this.buildah(['config', ...config, ctr]);
      await this.buildah(['commit', '-q', '--format', 'docker', '--timestamp', String(spec.created), ctr, local]);
    } finally {
      await this.buildah(['rm', ctr]).catch(() => undefined);
    }
    await this.buildah(['push', '-q', '--tls-verify=false', '--format', 'v2s2', local, `docker://${ref}`]);
    return ref;
  }

  /** A manifest list (`v2s2`) or OCI index (`oci`) made by `buildah manifest`, pushed as `repo:tag`. */
  async list(tag: string, entries: ListEntry[], format: 'v2s2' | 'oci', repo = this.repo): Promise<string> {
    const name = `cmh-verify-list-${++this.n}`;
    await this.buildah(['manifest', 'create', name]);
    try {
      for (const e of entries) {
        const p = e.platform;
        const flags = p ? ['--os', p.os, '--arch', p.architecture, ...(p.variant ? ['--variant', p.variant] : [])] : [];
        await this.buildah(['manifest', 'add', '--tls-verify=false', ...flags, name, `docker://${e.ref}`]);
      }
      const ref = `${this.host}/${repo}:${tag}`;
      await this.buildah(['manifest', 'push', '-q', '--all', '--format', format, '--tls-verify=false', name, `docker://${ref}`]);
      return ref;
    } finally {
      await this.buildah(['manifest', 'rm', name]).catch(() => undefined);
    }
  }

  /**
   * A Docker manifest list made the way the generated post_push hook's `docker` publisher makes
   * one: the real docker CLI's `manifest create`, `annotate` with the table's platform, `push --purge`.
   */
  async dockerList(tag: string, entries: { ref: string; arch: string }[], repo = this.repo): Promise<string> {
    const dockerConfig = fs.mkdtempSync(path.join(this.dir, 'docker-config-'));
    const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
    const docker = (args: string[]) => runOk(realDocker(), args, { env });
    const ref = `${this.host}/${repo}:${tag}`;
    await docker(['manifest', 'create', '--insecure', ref, ...entries.map((e) => e.ref)]);
    for (const e of entries) {
      const p = findArch(e.arch)!.platform;
      await docker([
        'manifest',
        'annotate',
        '--os',
        p.os,
        '--arch',
        p.architecture,
        ...(p.variant ? ['--variant', p.variant] : []),
        ref,
        e.ref,
      ]);
    }
    await docker(['manifest', 'push', '--insecure', '--purge', ref]);
    return ref;
  }
}
