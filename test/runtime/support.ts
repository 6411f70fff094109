/**
 * Helpers for the hook runtime tests: render hooks into a folder, run them (or source their
 * functions), make labelled images through the registry's HTTP API, pack the fake manifest-tool,
 * and spy on the commands a hook executes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_ARCHES, findArch, NATIVE_ARCH, platformString, sortArches, type Arch, type Platform } from '../../src/arch.js';
import { renderHooks, type HookConfig, type HookName } from '../../src/hooks/render-hooks.js';
import { PINS, type Pins } from '../../src/pins.js';
import { REPO_ROOT, tmpDir } from '../support/env.js';
import { run, type RunResult } from '../support/proc.js';

export const FAKE_MANIFEST_TOOL = path.join(REPO_ROOT, 'test/support/fake-manifest-tool');
export const REVISION_LABEL = 'org.opencontainers.image.revision';

export function arch(name: string): Arch {
  const a = findArch(name);
  if (!a) throw new Error(`${name} is not in src/arch.ts`);
  return a;
}

export const dockerfileFor = (name: string) => (name === NATIVE_ARCH ? 'Dockerfile' : `Dockerfile.${name}`);

export interface ConfigOptions {
  arches?: readonly string[];
  qemu?: HookConfig['qemu'];
  publisher?: HookConfig['publisher'];
  include?: string[];
  pins?: Partial<Pins>;
}

export function hookConfig(o: ConfigOptions = {}): HookConfig {
  const arches = sortArches(o.arches ?? DEFAULT_ARCHES);
  return {
    version: '0.0.0-test',
    arches,
    dockerfiles: arches.map((a) => ({ file: dockerfileFor(a.name), arch: a.name })),
    qemu: o.qemu ?? 'binfmt',
    publisher: o.publisher ?? 'docker',
    ...(o.include ? { include: o.include } : {}),
    pins: { ...PINS, ...o.pins },
  };
}

/** Writes `dir/hooks/{pre_build,build,post_push}` (LF, 0755) and returns `dir`. */
export function writeHooks(dir: string, cfg: HookConfig): string {
  fs.mkdirSync(path.join(dir, 'hooks'), { recursive: true });
  for (const h of renderHooks(cfg)) {
    const file = path.join(dir, 'hooks', h.name);
    fs.writeFileSync(file, h.content);
    fs.chmodSync(file, 0o755);
  }
  return dir;
}

export interface HookRun extends RunResult {
  /** stdout and stderr together. */
  out: string;
}

/** `bash hooks/<name>` in `dir`, as Docker Hub runs it. */
export async function runHook(dir: string, name: HookName, env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<HookRun> {
  const r = await run('bash', [path.join('hooks', name)], { cwd: dir, env, timeoutMs });
  return { ...r, out: r.stdout + r.stderr };
}

/**
 * Runs `script` in bash after defining a rendered hook's configuration and functions (the hook
 * without its final `main "$@"` line): the way to test single runtime functions.
 */
export async function withHookFunctions(hookContent: string, script: string, env: NodeJS.ProcessEnv = process.env): Promise<HookRun> {
  const lines = hookContent.trimEnd().split('\n');
  if (lines.at(-1) !== 'main "$@"') throw new Error('a rendered hook must end with main "$@"');
  const lib = path.join(tmpDir('cmh-fn-'), 'hook-functions.sh');
  fs.writeFileSync(lib, lines.slice(0, -1).join('\n') + '\n');
  const r = await run('bash', ['-c', `source "$1"\n${script}`, 'bash', lib], { env, timeoutMs: 60_000 });
  return { ...r, out: r.stdout + r.stderr };
}

export function hookContent(cfg: HookConfig, name: HookName): string {
  return renderHooks(cfg).find((h) => h.name === name)!.content;
}

// --- images through the registry HTTP API ---------------------------------------------------

export const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Creds {
  user: string;
  password: string;
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** fetch against a registry (http://host), answering a Basic or Bearer challenge with `creds`. */
export async function registryFetch(host: string, urlPath: string, init: RequestInit = {}, creds?: Creds): Promise<Response> {
  const url = `http://${host}${urlPath}`;
  const first = await fetch(url, init);
  if (first.status !== 401 || !creds) return first;
  await first.arrayBuffer();
  const challenge = first.headers.get('www-authenticate') ?? '';
  const basic = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
  let authorization = basic;
  if (/^bearer/i.test(challenge)) {
    const realm = /realm="([^"]*)"/.exec(challenge)?.[1];
    const service = /service="([^"]*)"/.exec(challenge)?.[1] ?? '';
    const repo = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(urlPath)?.[1];
    const scope = repo ? `&scope=${encodeURIComponent(`repository:${repo}:pull,push`)}` : '';
    const t = await fetch(`${realm}?service=${encodeURIComponent(service)}${scope}`, { headers: { authorization: basic } });
    if (t.status !== 200) throw new Error(`token server answered ${t.status}`);
    const body = (await t.json()) as { token?: string; access_token?: string };
    authorization = `Bearer ${body.token ?? body.access_token}`;
  }
  const headers = new Headers(init.headers);
  headers.set('authorization', authorization);
  return fetch(url, { ...init, headers });
}

export async function pushBlob(
  host: string,
  repo: string,
  content: Buffer | string,
  creds?: Creds,
): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(content);
  const digest = sha256(bytes);
  const start = await registryFetch(host, `/v2/${repo}/blobs/uploads/`, { method: 'POST' }, creds);
  if (start.status !== 202) throw new Error(`blob upload to ${host}/${repo}: POST answered ${start.status}`);
  const location = new URL(start.headers.get('location') ?? '', `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await registryFetch(
    host,
    location.pathname + location.search,
    { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } },
    creds,
  );
  if (put.status !== 201) throw new Error(`blob upload to ${host}/${repo}: PUT answered ${put.status}: ${await put.text()}`);
  return { digest, size: bytes.length };
}

/** PUT a manifest under `reference` (tag or digest); returns its digest. */
export async function putManifest(
  host: string,
  repo: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
  creds?: Creds,
): Promise<string> {
  const r = await registryFetch(
    host,
    `/v2/${repo}/manifests/${reference}`,
    { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': mediaType } },
    creds,
  );
  if (r.status !== 201) throw new Error(`PUT ${host}/${repo}:${reference} answered ${r.status}: ${await r.text()}`);
  return sha256(bytes);
}

export interface Fetched {
  status: number;
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export async function getManifest(host: string, repo: string, reference: string, creds?: Creds): Promise<Fetched> {
  const r = await registryFetch(host, `/v2/${repo}/manifests/${reference}`, { headers: { accept: ACCEPT } }, creds);
  const bytes = Buffer.from(await r.arrayBuffer());
  return { status: r.status, bytes, mediaType: r.headers.get('content-type') ?? '', digest: sha256(bytes) };
}

export async function getBlob(host: string, repo: string, digest: string, creds?: Creds): Promise<Buffer> {
  const r = await registryFetch(host, `/v2/${repo}/blobs/${digest}`, {}, creds);
  if (r.status !== 200) throw new Error(`GET blob ${digest} answered ${r.status}`);
  return Buffer.from(await r.arrayBuffer());
}

export interface ImageOptions {
  revision?: string;
  /** Override the config's platform (default: the arch's). */
  platform?: Platform;
  /** The config's os.version (a Windows image's build, `10.0.20348.2762`). */
  osVersion?: string;
  creds?: Creds;
  format?: 'docker' | 'oci';
}

/**
 * A small single-arch image for `archName` (one layer holding /arch), with the revision label,
 * pushed as `repo:tag`. Returns its manifest digest. For tests that need images in the registry
 * but not a build; the end-to-end tests build theirs for real.
 */
export async function putImage(host: string, repo: string, tag: string, archName: string, o: ImageOptions = {}): Promise<string> {
  const p = o.platform ?? arch(archName).platform;
  const layerTar = tarWithFile('arch', `${archName}\n`);
  const layer = await pushBlob(host, repo, gzip(layerTar), o.creds);
  const config = Buffer.from(
    JSON.stringify({
      architecture: p.architecture,
      os: p.os,
      ...(p.variant ? { variant: p.variant } : {}),
      ...(o.osVersion ? { 'os.version': o.osVersion } : {}),
      config: {
        Env: ['PATH=/bin'],
        Labels: o.revision ? { [REVISION_LABEL]: o.revision, 'org.example.note': 'braces {} and "quotes", commas' } : {},
      },
      rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
      history: [{ created_by: 'cmh test image' }],
    }),
  );
  const oci = o.format === 'oci';
  const cfg = await pushBlob(host, repo, config, o.creds);
  const manifest = {
    schemaVersion: 2,
    mediaType: oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', ...cfg },
    layers: [
      { mediaType: oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip', ...layer },
    ],
  };
  return putManifest(host, repo, tag, Buffer.from(JSON.stringify(manifest, null, 3)), manifest.mediaType, o.creds);
}

/**
 * Puts the image `digest` (already in `repo`) under `tag` too. docker-registry's filesystem
 * storage rewrites a manifest's link file in place when it is PUT again, so a concurrent GET can
 * get a 500 ("invalid checksum digest format"): retried here as the hooks retry it.
 */
export async function tagImage(host: string, repo: string, digest: string, tag: string, creds?: Creds): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const m = await getManifest(host, repo, digest, creds);
    if (m.status === 200) {
      const r = await registryFetch(
        host,
        `/v2/${repo}/manifests/${tag}`,
        { method: 'PUT', body: new Uint8Array(m.bytes), headers: { 'content-type': m.mediaType } },
        creds,
      );
      if (r.status === 201) return;
      if (r.status < 500 || attempt === 5) throw new Error(`PUT ${repo}:${tag} answered ${r.status}: ${await r.text()}`);
    } else if (m.status < 500 || attempt === 5) {
      throw new Error(`GET ${repo}@${digest} answered ${m.status}`);
    }
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}

function gzip(b: Buffer): Buffer {
  return execFileSync('gzip', ['-n', '-c'], { input: b });
}

/** A one-file ustar archive (hand-made: 512-byte header + content; no tar library needed). */
function tarWithFile(name: string, content: string): Buffer {
  const body = Buffer.from(content);
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([h, body, pad, Buffer.alloc(1024)]);
}

export interface ListEntry {
  digest: string;
  platform: Platform;
}

/** The published list's entries, or null when the tag is missing. */
export async function readList(
  host: string,
  repo: string,
  tag: string,
  creds?: Creds,
): Promise<{ mediaType: string; entries: ListEntry[] } | null> {
  // A 500 while another PUT rewrites the tag's link file (see tagImage) is retried, as the hooks do.
  let m = await getManifest(host, repo, tag, creds);
  for (let attempt = 1; m.status >= 500 && attempt < 5; attempt++) {
    await new Promise((r) => setTimeout(r, 100 * attempt));
    m = await getManifest(host, repo, tag, creds);
  }
  if (m.status === 404) return null;
  if (m.status !== 200) throw new Error(`GET ${repo}:${tag} answered ${m.status}`);
  const doc = JSON.parse(m.bytes.toString()) as { mediaType?: string; manifests?: ListEntry[] };
  if (!doc.manifests) return { mediaType: doc.mediaType ?? m.mediaType, entries: [] };
  return { mediaType: doc.mediaType ?? m.mediaType, entries: doc.manifests.map((e) => ({ digest: e.digest, platform: e.platform })) };
}

/** The image config (parsed) of manifest `digest`. */
export async function imageConfig(
  host: string,
  repo: string,
  digest: string,
  creds?: Creds,
): Promise<{ architecture: string; os: string; variant?: string; config?: { Labels?: Record<string, string> } }> {
  const m = await getManifest(host, repo, digest, creds);
  const doc = JSON.parse(m.bytes.toString()) as { config: { digest: string } };
  return JSON.parse((await getBlob(host, repo, doc.config.digest, creds)).toString());
}

/** `os/arch[/variant]` of each entry, sorted. */
export const platformsOf = (entries: ListEntry[]) => entries.map((e) => platformString(e.platform)).sort();
export const tablePlatforms = (names: readonly string[]) => names.map((n) => platformString(arch(n).platform)).sort();

// --- the fake manifest-tool, packed like the real release archive ----------------------------

/** A tar.gz holding `member` (default: the fake manifest-tool as manifest-tool-linux-amd64). */
export function packArchive(opts: { member?: string; script?: string } = {}): { file: string; sha256: string } {
  const dir = tmpDir('cmh-mt-');
  const member = opts.member ?? 'manifest-tool-linux-amd64';
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, member), opts.script ?? fs.readFileSync(FAKE_MANIFEST_TOOL));
  fs.chmodSync(path.join(src, member), 0o755);
  const file = path.join(dir, 'binaries-manifest-tool.tar.gz');
  execFileSync('tar', ['-czf', file, '-C', src, member]);
  return { file, sha256: sha256(fs.readFileSync(file)).slice('sha256:'.length) };
}

// --- spying on what a hook executes -----------------------------------------------------------

/**
 * A folder of wrappers, to put first on PATH: each logs its name and arguments (NUL-separated,
 * one call per line) to `log` and runs the real command. `forbidden` ones log and fail instead:
 * the builders do not have them (jq, python, node).
 */
export function spyDir(commands: readonly string[], forbidden: readonly string[] = []): { dir: string; log: string; calls(): string[][] } {
  const dir = tmpDir('cmh-spy-');
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(log, '');
  const searchPath = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const c of commands) {
    const real = searchPath.map((d) => path.join(d, c)).find((f) => fs.existsSync(f));
    if (!real) throw new Error(`spyDir: ${c} is not on PATH`);
    fs.writeFileSync(
      path.join(dir, c),
      `#!/bin/bash\nprintf '%s\\0' ${c} "$@" >>'${log}'\nprintf '\\n' >>'${log}'\nexec '${real}' "$@"\n`,
      { mode: 0o755 },
    );
  }
  for (const c of forbidden) {
    fs.writeFileSync(path.join(dir, c), `#!/bin/bash\nprintf '%s\\0' FORBIDDEN ${c} "$@" >>'${log}'\nprintf '\\n' >>'${log}'\nexit 127\n`, {
      mode: 0o755,
    });
  }
  return {
    dir,
    log,
    calls: () =>
      fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\0').filter((x, i, a) => i < a.length - 1 || x !== '')),
  };
}

export function uniqueRepo(prefix: string): string {
  return `cmh-runtime/${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
