// `--ci github|bitbucket`, `--no-arch-tags` and `--retire-hooks` through the built CLI.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { git, listFiles, removeDir, runCli, tempGitRepo } from './run-cli.js';

const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));
function repo(files: Record<string, string>): string {
  const dir = tempGitRepo();
  repos.push(dir);
  for (const [p, c] of Object.entries(files)) {
    const abs = join(dir, p);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, c);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'input']);
  return dir;
}
const commitAll = (dir: string) => {
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'generated']);
};

describe('--retire-hooks', () => {
  it(
    'plans, then removes the Docker Hub-only files it generated, never one the user changed, and ' + 'says what to delete in Docker Hub',
    () => {
      const dir = repo({ Dockerfile: 'FROM alpine:3.20\nRUN echo hi\n' });
      expect(runCli(dir, ['--yes', '--repo', 'acme/demo', '--ci', 'github']).code).toBe(0);
      commitAll(dir);
      writeFileSync(join(dir, 'Dockerfile.arm32v6'), readFileSync(join(dir, 'Dockerfile.arm32v6'), 'utf8') + '# mine\n');
      const before = listFiles(dir);

      const dry = runCli(dir, ['--ci', 'github', '--retire-hooks', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/delete\s+hooks\/post_push/);
      expect(dry.stdout).toContain('Builds > Configure automated builds > Delete Build Configuration');
      expect(listFiles(dir)).toEqual(before);

      const r = runCli(dir, ['--ci', 'github', '--retire-hooks']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('Dockerfile.arm32v6 is no longer generated but you changed it, so it stays');
      expect(listFiles(dir)).toEqual([
        '.github/workflows/multiarch-hooks.yml',
        '.multiarch-hooks.json',
        'Dockerfile',
        'Dockerfile.arm32v6',
        'multi-arch-manifest.yaml',
      ]);
      expect(existsSync(join(dir, 'hooks'))).toBe(false);
      const record = JSON.parse(readFileSync(join(dir, '.multiarch-hooks.json'), 'utf8')) as {
        retired?: boolean;
        ci?: string;
        files: Record<string, string>;
      };
      expect(record).toMatchObject({ retired: true, ci: 'github' });
      expect(Object.keys(record.files).sort()).toEqual(['.github/workflows/multiarch-hooks.yml', 'multi-arch-manifest.yaml']);
      // A re-run keeps them retired; --check agrees.
      expect(runCli(dir, ['--yes']).stdout).toContain('nothing changed');
      expect(runCli(dir, ['--check']).code).toBe(0);
      // simulate runs the Docker Hub hooks: there are none left, and it says why.
      const sim = runCli(dir, ['simulate', '--registry', '127.0.0.1:1']);
      expect(sim.code).toBe(2);
      expect(sim.stderr).toContain('were retired for the github pipeline (--retire-hooks)');
    },
  );

  it('keeps the per-arch Dockerfiles a per-arch pipeline builds from', () => {
    const dir = repo({ Dockerfile: 'FROM --platform=linux/amd64 alpine:3.20\nRUN echo hi\n' });
    expect(runCli(dir, ['--yes', '--repo', 'acme/demo', '--arch', 'amd64,arm64v8', '--ci', 'bitbucket']).code).toBe(0);
    commitAll(dir);
    expect(runCli(dir, ['--retire-hooks']).code).toBe(0);
    expect(listFiles(dir)).toEqual([
      '.multiarch-hooks.json',
      'Dockerfile',
      'Dockerfile.arm64v8',
      'bitbucket-pipelines.yml',
      'multi-arch-manifest.yaml',
    ]);
  });

  it('not in the run that first writes the pipeline: it never ran', () => {
    const dir = repo({ Dockerfile: 'FROM alpine:3.20\n' });
    expect(runCli(dir, ['--yes', '--repo', 'acme/demo']).code).toBe(0);
    commitAll(dir);
    const before = listFiles(dir);
    const r = runCli(dir, ['--ci', 'github', '--retire-hooks']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('run npx create-multiarch-hooks --ci github first, commit and push');
    expect(listFiles(dir)).toEqual(before);
  });

  it('without a CI pipeline it is a usage error naming the fix', () => {
    const dir = repo({ Dockerfile: 'FROM alpine:3.20\n' });
    const r = runCli(dir, ['--yes', '--repo', 'acme/demo', '--retire-hooks']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: --retire-hooks removes the Docker Hub hooks once a CI pipeline builds the images; add --ci github or --ci bitbucket.\n',
    );
    expect(listFiles(dir)).toEqual(['Dockerfile']);
  });
});

describe('--ci bitbucket', () => {
  it('says what Bitbucket cannot do; one file for several Dockerfiles, kept whole when one of them is regenerated', () => {
    const dir = repo({ 'api/Dockerfile': 'FROM alpine:3.20\n', 'web/Dockerfile': 'FROM alpine:3.20\n' });
    const r = runCli(dir, [
      '--yes',
      '--repo',
      'acme/{dir}',
      '--dockerfile',
      'api/Dockerfile',
      '--dockerfile',
      'web/Dockerfile',
      '--ci',
      'bitbucket',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("info: Bitbucket's default runtime refuses buildx");
    const steps = () =>
      (
        parse(readFileSync(join(dir, 'bitbucket-pipelines.yml'), 'utf8')) as {
          pipelines: { branches: { main: { step: { name: string } }[] } };
        }
      ).pipelines.branches.main.map((s) => s.step.name.split(' ')[0]);
    expect(steps()).toEqual(['acme/api:latest', 'acme/web:latest']);
    commitAll(dir);
    const again = runCli(dir, ['--yes', '--dockerfile', 'web/Dockerfile', '--no-arch-tags']);
    expect(again.code, again.stderr).toBe(0);
    expect(steps()).toEqual(['acme/api:latest', 'acme/web:latest']);
    expect(JSON.parse(readFileSync(join(dir, 'web/.multiarch-hooks.json'), 'utf8')).archTags).toBe(false);
    // The api run plans the same bytes the web run wrote.
    expect(runCli(dir, ['--yes', '--dockerfile', 'api/Dockerfile']).stdout).toMatch(/same\s+bitbucket-pipelines\.yml/);
    // A change for api rewrites the file the web run wrote last (api's record has an older hash of it): not a conflict.
    const api = runCli(dir, ['--yes', '--dockerfile', 'api/Dockerfile', '--no-arch-tags']);
    expect(api.code, api.stderr).toBe(0);
    expect(api.stdout).toMatch(/update\s+bitbucket-pipelines\.yml/);
    expect(listFiles(dir).filter((f) => f.endsWith('.bak'))).toEqual([]);
    // A change by hand is still one.
    writeFileSync(join(dir, 'bitbucket-pipelines.yml'), readFileSync(join(dir, 'bitbucket-pipelines.yml'), 'utf8') + '# mine\n');
    const hand = runCli(dir, ['--yes', '--dockerfile', 'api/Dockerfile', '--arch-tags']);
    expect(hand.code).toBe(1);
    expect(hand.stdout).toMatch(/CONFLICT\s+bitbucket-pipelines\.yml/);
  });
});
