/**
 * The table a person reads, exactly, for one real list with a bit of everything wrong. Digests and
 * sizes are read back with skopeo (an independent reader), created times are pinned at commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { findArch } from '../../src/arch.js';
import { cleanupTemps, tmpDir } from '../support/env.js';
import { runOk } from '../support/proc.js';
import { Fixtures } from './support/fixtures.js';
import { runVerify } from './support/run-verify.js';

const host = inject('registry');
const repo = `verify-table-${process.pid}/app`;
const REV_NEW = 'f00dfeed0123456789abcdef0123456789abcdef';
const REV_OLD = '0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e';
const fx = new Fixtures(host, repo);
let ref = '';

beforeAll(async () => {
  const amd64 = await fx.image('amd64', { arch: 'amd64', revision: REV_NEW, created: 1_700_003_600 });
  const mislabelled = await fx.image('arm64v8', {
    arch: 'arm64v8',
    revision: REV_NEW,
    created: 1_700_003_600,
    configPlatform: { architecture: 'amd64', variant: '' },
  });
  const old = await fx.image('arm32v7', { arch: 'arm32v7', revision: REV_OLD, created: 1_700_000_000 });
  const unlabelled = await fx.image('arm32v6', { arch: 'arm32v6', created: 1_700_000_000 });
  ref = await fx.list(
    'latest',
    [{ ref: amd64 }, { ref: mislabelled, platform: findArch('arm64v8')!.platform }, { ref: old }, { ref: unlabelled }],
    'v2s2',
  );
});

afterAll(() => cleanupTemps());

async function raw(
  reference: string,
): Promise<{ digest: string; doc: { manifests?: { digest: string }[]; config?: { size: number }; layers?: { size: number }[] } }> {
  const r = await runOk('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reference}`]);
  const file = path.join(tmpDir(), 'manifest.json');
  fs.writeFileSync(file, r.stdout);
  const d = await runOk('skopeo', ['manifest-digest', file]);
  return { digest: d.stdout.trim(), doc: JSON.parse(r.stdout) };
}

/** `docker images` style: SI units, one decimal under 10. */
function si(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const [n, unit] = bytes < 1e6 ? [bytes / 1e3, 'kB'] : [bytes / 1e6, 'MB'];
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${unit}`;
}

it('renders the table exactly', async () => {
  const list = await raw(ref);
  const entries = await Promise.all(
    list.doc.manifests!.map(async (m) => {
      const { doc } = await raw(`${host}/${repo}@${m.digest}`);
      return { short: m.digest.slice(7, 19), size: si(doc.config!.size + doc.layers!.reduce((n, l) => n + l.size, 0)) };
    }),
  );
  const [a, m, o, u] = entries;
  const w = Math.max(...entries.map((e) => e.size.length), 4);
  const sz = (s: string) => s.padEnd(w);
  const expected = [
    `${ref}  Docker manifest list  ${list.digest.slice(7, 19)}  (4 images)`,
    '',
    `   ARCH     LIST            CONFIG        REVISION      CREATED               ${sz('SIZE')}  DIGEST`,
    `✓  amd64    linux/amd64     linux/amd64   f00dfeed0123  2023-11-14 23:13:20Z  ${sz(a.size)}  ${a.short}`,
    `✗  arm64v8  linux/arm64/v8  linux/amd64   f00dfeed0123  2023-11-14 23:13:20Z  ${sz(m.size)}  ${m.short}`,
    `✗  arm32v7  linux/arm/v7    linux/arm/v7  0d1e2f3a4b5c  2023-11-14 22:13:20Z  ${sz(o.size)}  ${o.short}`,
    `!  arm32v6  linux/arm/v6    linux/arm/v6  -             2023-11-14 22:13:20Z  ${sz(u.size)}  ${u.short}`,
    `✗  arm32v5  linux/arm/v5    -             -             -                     ${sz('-')}  missing`,
    '',
    '✗ arm64v8: the list says linux/arm64/v8 but the image config says linux/amd64; the image was ' +
      "labelled with the builder's platform (moby/moby#36552); build " +
      'it with --platform, or fix its config.',
    '✗ arm32v5 (linux/arm/v5) is not in the list; check that its build pushed, then publish the list again.',
    '✗ arm32v7 was built from revision 0d1e2f3a4b5c, amd64, arm64v8 from f00dfeed0123; rebuild ' +
      'arm32v7 from the same commit and publish the list again.',
    '! arm32v6: no org.opencontainers.image.revision label, so its source commit cannot be compared; ' +
      'build it with --label org.opencontainers.image.revision=$SOURCE_COMMIT.',
    '',
    '✗ 3 errors, 1 warning: 4 of 5 expected platforms present',
    '',
  ].join('\n');
  const r = await runVerify({ image: ref, arches: ['amd64', 'arm32v5', 'arm32v6', 'arm32v7', 'arm64v8'] });
  expect(r.text).toBe(expected);
  expect(r.code).toBe(1);
});
