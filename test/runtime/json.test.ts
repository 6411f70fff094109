// The runtime's JSON reader (no jq on the builders) against JSON.parse, on documents as real
// registries and tools write them: buildah's lists and configs, the docker CLI's pretty-printed
// list, an OCI index with BuildKit-style attestations, docker config files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanupTemps, realDocker, tmpDir } from '../support/env.js';
import { getBlob, getManifest, hookConfig, hookContent, putImage, putManifest, uniqueRepo, withHookFunctions } from './support.js';

const host = inject('registry');
afterAll(() => cleanupTemps());
const postPush = hookContent(hookConfig(), 'post_push');

/** JSON.parse's view in the runtime's format: one "path<TAB>value" per scalar (strings unquoted). */
function flatten(v: unknown, p = '', out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x, i) => flatten(x, `${p}/${i}`, out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) flatten(x, `${p}/${k}`, out);
  else out.push(`${p}\t${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return out;
}

/** The runtime's view of FILE, via json_load + json_unquote. */
async function runtimeView(file: string): Promise<string[]> {
  const script = `
    json_load "$1" || { echo "json_load failed" >&2; exit 1; }
    for line in "\${JSON_LINES[@]}"; do
      v=\${line#*$'\\t'}
      case $v in \\"*) json_unquote "$v"; v=$REPLY ;; esac
      printf '%s\\t%s\\0' "\${line%%$'\\t'*}" "$v"
    done`;
  const r = await withHookFunctions(postPush, `set -- '${file}'\n${script}`);
  expect(r.stderr).toBe('');
  return r.stdout.split('\0').filter(Boolean);
}

const docs: Record<string, string> = {};
beforeAll(async () => {
  const dir = tmpDir('cmh-json-');
  const save = (name: string, bytes: Buffer | string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    docs[name] = f;
  };
  const list = await getManifest(host, 'library/busybox', 'latest');
  save('buildah list (v2s2)', list.bytes);
  const image = await getManifest(host, 'arm64v8/busybox', 'latest');
  save('buildah image manifest', image.bytes);
  save('buildah image config', await getBlob(host, 'arm64v8/busybox', JSON.parse(image.bytes.toString()).config.digest));

  // An OCI index as BuildKit pushes it: the image and its attestation (unknown/unknown).
  const repo = uniqueRepo('json');
  const img = await putImage(host, repo, 'img', 'arm64v8', { revision: 'abc', format: 'oci' });
  const imgManifest = await getManifest(host, repo, img);
  save('hand-made config with braces and quotes in strings', await getBlob(host, repo, JSON.parse(imgManifest.bytes.toString()).config.digest));
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img, size: imgManifest.bytes.length, platform: { architecture: 'arm64', os: 'linux' } },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img, size: imgManifest.bytes.length,
        annotations: { 'vnd.docker.reference.digest': img, 'vnd.docker.reference.type': 'attestation-manifest' },
        platform: { architecture: 'unknown', os: 'unknown' },
      },
    ],
  };
  await putManifest(host, repo, 'index', Buffer.from(JSON.stringify(index)), index.mediaType);
  save('OCI index with attestation', (await getManifest(host, repo, 'index')).bytes);

  // The docker CLI's own list (pretty-printed, 3-space indent).
  const a = await putImage(host, repo, 'a', 'amd64');
  const b = await putImage(host, repo, 'b', 'arm32v7');
  const cfg = tmpDir('cmh-dc-');
  const docker = (...args: string[]) => execFileSync(realDocker(), args, { env: { ...process.env, DOCKER_CONFIG: cfg }, encoding: 'utf8' });
  docker('manifest', 'create', '--insecure', `${host}/${repo}:list`, `${host}/${repo}@${a}`, `${host}/${repo}@${b}`);
  docker('manifest', 'annotate', `${host}/${repo}:list`, `${host}/${repo}@${b}`, '--os', 'linux', '--arch', 'arm', '--variant', 'v7');
  docker('manifest', 'push', '--purge', '--insecure', `${host}/${repo}:list`);
  save('docker CLI list', (await getManifest(host, repo, 'list')).bytes);

  save('docker config.json (tabs, helpers)', JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: 'dTpw' }, 'ghcr.io': {} }, credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } }, null, '\t'));
  save('escapes', '{"s":"a\\"b\\\\c\\/d\\u0041\\n","n":[1,-2.5,true,false,null],"e":{},"a":[],"k\\"ey":{"x y":"}{]["}}');
});

describe('json_load', () => {
  it('reads every document exactly as JSON.parse does', async () => {
    expect(Object.keys(docs).length).toBe(8);
    for (const [name, file] of Object.entries(docs)) {
      const want = flatten(JSON.parse(fs.readFileSync(file, 'utf8')))
        // The reader keeps a key's escapes only as far as paths need: compare unescaped keys.
        .map((l) => l.replace('k"ey', 'k\\"ey'));
      expect(await runtimeView(file), name).toEqual(want);
    }
  });

  it('finds the revision label, list entries and platforms by path', async () => {
    const script = `
      json_load "$1"; json_str /config/Labels/org.opencontainers.image.revision; echo "rev=$REPLY"
      json_load "$2"; n=0; while json_str "/manifests/$n/digest"; do entry_platform $n; echo "$REPLY"; n=$((n+1)); done`;
    const r = await withHookFunctions(postPush, `set -- "${docs['hand-made config with braces and quotes in strings']}" "${docs['OCI index with attestation']}"\n${script}`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('rev=abc\nlinux/arm64\nunknown/unknown\n');
  });

  it.each([['not JSON', 'Not Found'], ['a scalar', '"x"'], ['truncated', '{"a":[1,2']])('is false for %s', async (_n, text) => {
    const f = path.join(tmpDir('cmh-json-'), 'bad');
    fs.writeFileSync(f, text);
    const r = await withHookFunctions(postPush, `if json_load "${f}"; then echo loaded; else echo refused; fi`);
    expect(r.stdout).toBe('refused\n');
  });
});
