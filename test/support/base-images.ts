/**
 * Tiny busybox base images per arch, built from Debian's busybox-static (no image hub needed) and
 * pushed to a local registry under the names generated Dockerfiles use:
 *   HOST/library/busybox:latest   multi-arch list (like Docker Hub's official image)
 *   HOST/<arch>/busybox:latest    the official prefixed twins (amd64, arm32v5, ...)
 *   HOST/acme/base:1.0            a non-official multi-arch list; its images hold /etc/acme-release
 * The test bed's Docker engine pulls docker.io images from that registry (its registry mirror), so
 * an unmodified `FROM arm64v8/busybox` builds there without a hub. buildah and skopeo only make and
 * copy these fixtures; every build under test runs on the engine.
 * The .debs and the built images (an OCI layout) are cached in `${CMH_TEST_CACHE:-/tmp/cmh-test-cache}`:
 * a warm run only copies the layout into the registry with skopeo.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findArch, type Arch } from '../../src/arch.js';
import { containersEnv } from './containers.js';
import { run, runOk } from './proc.js';

/** Arches we have base images for, and the Debian port whose busybox-static serves each. */
const DEBIAN_PORT: Record<string, string> = {
  amd64: 'amd64',
  arm32v5: 'armel',
  arm32v6: 'armel',
  arm32v7: 'armhf',
  arm64v8: 'arm64',
};
export const BASE_ARCHES: readonly string[] = Object.keys(DEBIAN_PORT);

export const ACME_BASE = 'acme/base:1.0';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function testCacheDir(): string {
  return process.env.CMH_TEST_CACHE || path.join(os.tmpdir(), 'cmh-test-cache');
}

export interface BaseImages {
  /** Every ref pushed, e.g. `127.0.0.1:5000/arm64v8/busybox:latest`. */
  refs: string[];
  /** True when they were already in the registry and nothing was built. */
  alreadyThere: boolean;
}

function arch(name: string): Arch {
  const a = findArch(name);
  if (!a) throw new Error(`base-images: ${name} is not in src/arch.ts`);
  return a;
}

/**
 * The machine's own Debian mirror for the release it runs (read from apt's configuration, so no
 * host is written here), main component only: other suites and third-party repos may lack ports.
 */
async function debianSite(): Promise<{ site: string; codename: string }> {
  const osRelease = fs.readFileSync('/etc/os-release', 'utf8');
  const codename = /^VERSION_CODENAME=(.+)$/m.exec(osRelease)?.[1]?.replace(/"/g, '');
  if (!codename) throw new Error('base-images: no VERSION_CODENAME in /etc/os-release (a Debian machine is needed)');
  const r = await runOk('apt-get', ['indextargets', '--format', '$(SITE) $(RELEASE) $(COMPONENT)', 'Created-By: Packages']);
  const site = r.stdout
    .split('\n')
    .map((l) => l.split(' '))
    .find(([, rel, comp]) => rel === codename && comp === 'main')?.[0];
  if (!site) throw new Error(`base-images: apt has no source for "${codename} main" (see /etc/apt/sources.list*)`);
  return { site, codename };
}

/** busybox-static .debs per Debian port, downloaded once into the cache dir with a private apt state. */
async function busyboxDebs(ports: string[]): Promise<Map<string, string>> {
  const cache = path.join(testCacheDir(), 'debs');
  fs.mkdirSync(cache, { recursive: true });
  const debs = new Map(ports.map((p) => [p, path.join(cache, `busybox-static_${p}.deb`)]));
  const missing = ports.filter((p) => !fs.existsSync(debs.get(p)!));
  if (missing.length === 0) return debs;

  const { site, codename } = await debianSite();
  const apt = fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-apt-'));
  try {
    fs.mkdirSync(path.join(apt, 'lists/partial'), { recursive: true });
    fs.mkdirSync(path.join(apt, 'cache/archives/partial'), { recursive: true });
    fs.writeFileSync(path.join(apt, 'sources.list'), `deb ${site} ${codename} main\n`);
    const o = [
      `Dir::Etc::SourceList=${apt}/sources.list`,
      'Dir::Etc::SourceParts=/nonexistent',
      `Dir::State::Lists=${apt}/lists`,
      `Dir::Cache=${apt}/cache`,
      'Acquire::Languages=none',
      'APT::Sandbox::User=root',
      'Debug::NoLocking=1',
      'APT::Architecture=amd64',
      ...missing.map((p) => `APT::Architectures::=${p}`),
    ].flatMap((x) => ['-o', x]);
    await runOk('apt-get', ['-qq', ...o, 'update'], { timeoutMs: 300_000 });
    await runOk('apt-get', ['-qq', ...o, 'download', ...missing.map((p) => `busybox-static:${p}`)], { cwd: apt, timeoutMs: 300_000 });
    for (const p of missing) {
      const file = fs.readdirSync(apt).find((f) => f.startsWith('busybox-static_') && f.endsWith(`_${p}.deb`));
      if (!file) throw new Error(`base-images: apt-get download busybox-static:${p} produced no .deb`);
      // Rename into place last, so a half-downloaded file is never taken for a cached one.
      fs.copyFileSync(path.join(apt, file), `${debs.get(p)}.tmp`);
      fs.renameSync(`${debs.get(p)}.tmp`, debs.get(p)!);
    }
  } finally {
    fs.rmSync(apt, { recursive: true, force: true });
  }
  return debs;
}

/** A busybox rootfs like the official image's: /bin/busybox, a link per applet, passwd, tmp. */
async function makeRootfs(deb: string, dir: string, applets: string[]): Promise<void> {
  const x = path.join(dir, 'x');
  fs.mkdirSync(x, { recursive: true });
  await runOk('dpkg', ['-x', deb, x]);
  const root = path.join(dir, 'rootfs');
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'var/tmp', 'tmp']) {
    fs.mkdirSync(path.join(root, d), { recursive: true });
  }
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  fs.copyFileSync(path.join(x, 'bin/busybox'), path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const a of applets) {
    if (a === 'bin/busybox' || fs.existsSync(path.join(root, a))) continue;
    fs.symlinkSync('/bin/busybox', path.join(root, a));
  }
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
  fs.rmSync(x, { recursive: true, force: true });
}

/** `--arch arm --variant v7` style flags from the arch table. */
function platformFlags(a: Arch, flag = (k: string) => `--${k}`): string[] {
  const p = a.platform;
  return [flag('os'), p.os, flag('arch'), p.architecture, ...(p.variant ? [flag('variant'), p.variant] : [])];
}

async function refsPresent(registryHost: string, refs: string[], creds?: string): Promise<boolean> {
  for (const ref of refs) {
    const [repo, tag] = ref.slice(registryHost.length + 1).split(':');
    const headers: Record<string, string> = {
      accept: 'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json',
    };
    if (creds) headers.authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
    const r = await fetch(`http://${registryHost}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers }).catch(() => null);
    if (!r || r.status !== 200) return false;
  }
  return true;
}

export interface EnsureOptions {
  /** For a registry with htpasswd auth. */
  credentials?: { user: string; password: string };
}

/** Bump when the image recipe below changes: the cached layout is keyed on it and the .debs. */
const RECIPE = 1;

/**
 * The base images as an OCI layout in the cache dir (tags `busybox` and `acme`, each an index
 * of every base arch), built once per recipe and set of .debs; a warm run only copies it.
 */
async function cachedLayout(): Promise<string> {
  const ports = [...new Set(Object.values(DEBIAN_PORT))];
  const debs = await busyboxDebs(ports);
  const hash = crypto.createHash('sha256').update(`recipe ${RECIPE}\n`);
  for (const p of ports) hash.update(`${p} `).update(fs.readFileSync(debs.get(p)!));
  const layout = path.join(testCacheDir(), 'images', hash.digest('hex').slice(0, 16));
  if (fs.existsSync(path.join(layout, 'index.json'))) return layout;

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cmh-base-'));
  const env = containersEnv(path.join(work, 'containers'), '127.0.0.1:1');
  const b = (args: string[]) => runOk('buildah', args, { env });
  const tmpLayout = `${layout}.tmp-${process.pid}`;
  try {
    // The applet list is the same for every port (one Debian config); ask the native binary.
    const native = path.join(work, 'native');
    fs.mkdirSync(native);
    await runOk('dpkg', ['-x', debs.get('amd64')!, native]);
    const applets = (await runOk(path.join(native, 'bin/busybox'), ['--list-full'])).stdout.split('\n').filter(Boolean);
    const rootfs = new Map<string, string>();
    for (const p of ports) {
      const dir = path.join(work, `rootfs-${p}`);
      await makeRootfs(debs.get(p)!, dir, applets);
      rootfs.set(p, path.join(dir, 'rootfs'));
    }

    const lists = { busybox: 'cmh-busybox-list', acme: 'cmh-acme-list' };
    await b(['manifest', 'create', lists.busybox]);
    await b(['manifest', 'create', lists.acme]);
    for (const name of BASE_ARCHES) {
      const a = arch(name);
      const image = `localhost/cmh-base/busybox-${name}`;
      const ctr = (await b(['from', '--name', `cmh-base-${name}`, 'scratch'])).stdout.trim();
      await b(['add', ctr, `${rootfs.get(DEBIAN_PORT[name])}/`, '/']);
      await b(['config', ...platformFlags(a), '--env', PATH_ENV, '--cmd', '["sh"]', ctr]);
      await b(['commit', '-q', '--format', 'docker', '--rm', ctr, image]);
      await b(['manifest', 'add', ...platformFlags(a), lists.busybox, `containers-storage:${image}`]);

      const acmeImage = `localhost/cmh-base/acme-${name}`;
      const actr = (await b(['from', '--name', `cmh-acme-${name}`, '--pull=never', image])).stdout.trim();
      const release = path.join(work, `acme-release-${name}`);
      fs.writeFileSync(release, `acme base 1.0 ${name}\n`);
      await b(['copy', actr, release, '/etc/acme-release']);
      await b(['config', '--label', 'org.opencontainers.image.vendor=acme', actr]);
      await b(['commit', '-q', '--format', 'docker', '--rm', actr, acmeImage]);
      await b(['manifest', 'add', ...platformFlags(a), lists.acme, `containers-storage:${acmeImage}`]);
    }
    fs.mkdirSync(path.dirname(layout), { recursive: true });
    await b(['manifest', 'push', '-q', '--all', lists.busybox, `oci:${tmpLayout}:busybox`]);
    await b(['manifest', 'push', '-q', '--all', lists.acme, `oci:${tmpLayout}:acme`]);
    try {
      fs.renameSync(tmpLayout, layout);
    } catch {
      // Another run cached the same layout first: use theirs.
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(tmpLayout, { recursive: true, force: true });
  }
  return layout;
}

/** Builds (or takes from the cache) and pushes the base images unless the registry has them all. */
export async function ensureBaseImages(registryHost: string, opts: EnsureOptions = {}): Promise<BaseImages> {
  const creds = opts.credentials ? `${opts.credentials.user}:${opts.credentials.password}` : undefined;
  const refs = [
    ...BASE_ARCHES.map((n) => `${registryHost}/${n}/busybox:latest`),
    `${registryHost}/library/busybox:latest`,
    `${registryHost}/${ACME_BASE}`,
  ];
  if (await refsPresent(registryHost, refs, creds)) return { refs, alreadyThere: true };

  const layout = await cachedLayout();
  // Docker media types in the registry (v2s2 images, a Docker manifest list), as Docker Hub serves.
  const copy = (src: string, dest: string, extra: string[] = []) =>
    runOk('skopeo', [
      'copy',
      '-q',
      '--format',
      'v2s2',
      '--dest-tls-verify=false',
      ...(creds ? ['--dest-creds', creds] : []),
      ...extra,
      `oci:${layout}:${src}`,
      `docker://${dest}`,
    ]);
  await copy('busybox', `${registryHost}/library/busybox:latest`, ['--all']);
  await Promise.all([
    copy('acme', `${registryHost}/${ACME_BASE}`, ['--all']),
    ...BASE_ARCHES.map((n) => copy('busybox', `${registryHost}/${n}/busybox:latest`, overrideFlags(arch(n)))),
  ]);
  await verifyBaseImages(registryHost, creds);
  return { refs, alreadyThere: false };
}

/** Reads each pushed image's config back with skopeo and checks its platform against the arch table. */
export async function verifyBaseImages(registryHost: string, creds?: string): Promise<void> {
  const auth = creds ? ['--creds', creds] : [];
  const checks = BASE_ARCHES.flatMap((name) => [
    { name, ref: `${registryHost}/${name}/busybox:latest`, override: [] as string[] },
    { name, ref: `${registryHost}/library/busybox:latest`, override: overrideFlags(arch(name)) },
    { name, ref: `${registryHost}/${ACME_BASE}`, override: overrideFlags(arch(name)) },
  ]);
  const problems = await Promise.all(
    checks.map(async ({ name, ref, override }) => {
      const r = await run('skopeo', ['inspect', '--config', '--tls-verify=false', ...auth, ...override, `docker://${ref}`]);
      if (r.code !== 0) return `${ref} (${name}): skopeo inspect failed: ${r.stderr.trim()}`;
      const cfg = JSON.parse(r.stdout) as { os?: string; architecture?: string; variant?: string };
      const want = arch(name).platform;
      const got = `${cfg.os}/${cfg.architecture}/${cfg.variant ?? ''}`;
      const expected = `${want.os}/${want.architecture}/${want.variant ?? ''}`;
      return got === expected ? '' : `${ref} for ${name}: config says ${got}, want ${expected}`;
    }),
  );
  const wrong = problems.filter(Boolean);
  if (wrong.length) throw new Error(`base images are wrong:\n${wrong.join('\n')}`);
}

/** skopeo's flags to pick one platform out of a list. */
export function overrideFlags(a: Arch): string[] {
  return platformFlags(a, (k) => `--override-${k}`);
}
