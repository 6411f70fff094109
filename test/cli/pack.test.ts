import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, listFiles, removeDir } from './run-cli.js';

const temps: string[] = [];
afterAll(() => temps.forEach(removeDir));
function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

describe('the packed tarball', () => {
  const dest = temp('cmh-pack-');
  // A chunk left by an earlier build (chunk names carry a hash): prepack's build must remove it.
  const stale = join(ROOT, 'dist', 'chunks', 'stale-0000.js');
  mkdirSync(dirname(stale), { recursive: true });
  writeFileSync(stale, 'export {};\n');
  const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8' });
  const tarball = join(dest, readdirSync(dest).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');

  it('packs, with no install-time dependencies', () => {
    expect(pack.status, pack.stderr).toBe(0);
    const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(list.stdout).toContain('package/dist/cli.js');
    expect(list.stdout).toContain('package/bin/create-multiarch-hooks.js');
    expect(list.stdout).toContain('package/templates/');
    expect(list.stdout).not.toMatch(/package\/(src|test|hooks-fixtures)\//);
    expect(list.stdout).not.toContain('stale-0000.js');
    expect(existsSync(stale)).toBe(false);
    const pkg = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout);
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.bin['create-multiarch-hooks']).toBe('bin/create-multiarch-hooks.js');
  });

  it("README's links work where the package is read (npm's page, node_modules): absolute, or a file it ships", () => {
    const files = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    const readme = spawnSync('tar', ['-xzOf', tarball, 'package/README.md'], { encoding: 'utf8' }).stdout;
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      const shipped = /^https:\/\/unpkg\.com\/create-multiarch-hooks\/(.+)$/.exec(link)?.[1];
      if (shipped !== undefined) expect(files, link).toContain(`package/${shipped}`);
      else expect(link, 'a relative link is broken on the npm page').toMatch(/^https:\/\//);
    }
  });

  it('ships the templates precompiled: the Handlebars compiler and its source-map library are not in the bundle', () => {
    const js = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((f) => /^package\/dist\/.*\.js$/.test(f));
    expect(js).toContain('package/dist/cli.js');
    const code = js.map((f) => spawnSync('tar', ['-xzOf', tarball, f], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout).join('\n');
    expect(code).toContain('hooks/build.sh.hbs');
    expect(code).not.toContain('JavaScriptCompiler');
    expect(code).not.toContain('SourceNode');
  });

  it('installs offline into an empty folder as one package and runs with a bare node', () => {
    const app = temp('cmh-install-');
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', tarball], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(install.status, install.stderr).toBe(0);
    expect(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['create-multiarch-hooks']);
    expect(existsSync(join(app, 'node_modules', 'create-multiarch-hooks', 'node_modules'))).toBe(false);

    // A repo on a machine with nothing but node: PATH holds node's folder only (no git, no npm).
    const repo = temp('cmh-bare-');
    writeFileSync(join(repo, 'Dockerfile'), 'FROM alpine:3.20\nCMD ["true"]\n');
    const bin = join(app, 'node_modules', '.bin', 'create-multiarch-hooks');
    const run = spawnSync(process.execPath, [bin, '--yes', '--offline', '--repo', 'acme/packed'], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: dirname(process.execPath), HOME: repo },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(listFiles(repo)).toEqual([
      '.multiarch-hooks.json',
      'DOCKER_HUB_BUILD_RULES.md',
      'Dockerfile',
      'Dockerfile.arm32v6',
      'Dockerfile.arm32v7',
      'Dockerfile.arm64v8',
      'hooks/.gitattributes',
      'hooks/build',
      'hooks/post_push',
      'hooks/pre_build',
      'multi-arch-manifest.yaml',
    ]);
    expect(readFileSync(join(repo, 'Dockerfile.arm32v6'), 'utf8')).toContain('FROM arm32v6/alpine:3.20');
  });
});
