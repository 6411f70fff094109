/**
 * read -> plan -> apply: the plan is a pure function of what the read step read and the choices.
 * Planned here from one snapshot twice with node:fs and node:child_process made to throw (and
 * Math.random too), and checked in the import graph: plan.ts loads nothing that reads files, runs
 * programs or asks the network, apart from the template module the read step has already loaded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { importsOf, reachableFrom } from '../support/imports.js';

const guard = vi.hoisted(() => ({ forbid: false, calls: [] as string[] }));

/** A module whose functions throw while guard.forbid is set (classes, like fs.Stats, are kept). */
function guarded<T extends object>(name: string, real: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(real)) {
    wrapped[k] =
      typeof v === 'function' && /^[a-z]/.test(k)
        ? (...args: unknown[]) => {
            if (guard.forbid) {
              guard.calls.push(`${name}.${k}`);
              throw new Error(`the plan called ${name}.${k}`);
            }
            return (v as (...a: unknown[]) => unknown)(...args);
          }
        : v;
  }
  return { ...wrapped, default: wrapped } as T;
}

vi.mock('node:fs', async (importOriginal) => guarded('fs', await importOriginal<typeof import('node:fs')>()));
vi.mock('node:child_process', async (importOriginal) =>
  guarded('child_process', await importOriginal<typeof import('node:child_process')>()),
);

const { readRepo } = await import('../../src/generate/repo.js');
const { resolveChoices, checkFlags } = await import('../../src/generate/resolve-choices.js');
const { readSnapshot } = await import('../../src/generate/read.js');
const { planRun } = await import('../../src/generate/plan.js');

const tmp = mkdtempSync(join(tmpdir(), 'cmh-plan-pure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A git repo with two Dockerfiles, one of them with a hand-made per-arch Dockerfile in the way. */
function repo(): string {
  const dir = mkdtempSync(join(tmp, 'repo-'));
  for (const d of ['web', 'api']) {
    mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, d, 'Dockerfile'), 'FROM debian:bookworm-slim\nRUN echo hi\n');
  }
  writeFileSync(join(dir, 'api', 'Dockerfile.arm64v8'), 'FROM arm64v8/debian:bookworm-slim\nRUN echo by hand\n');
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'https://github.com/acme/demo.git']);
  return dir;
}

async function snapshotOf(cwd: string, ci: string, strategy?: string) {
  const render = await import('../../src/ci/pipelines.js');
  const inputs = [];
  const chosen = [];
  for (const d of ['web/Dockerfile', 'api/Dockerfile']) {
    const r = readRepo(cwd, d);
    const folder = d.split('/')[0]!;
    const resolved = await resolveChoices(r, checkFlags({ interactive: false, repo: `acme/${folder}`, ci, strategy }));
    inputs.push({ repo: r, choices: resolved.choices });
    chosen.push({ choices: resolved.choices, defaultArches: resolved.defaultArches });
  }
  const snapshot = await readSnapshot(inputs, { askDockerHub: false, env: {}, render });
  return { snapshot, chosen, render };
}

describe('the plan', () => {
  it.each([
    ['none', 'per-arch'],
    ['github', 'per-arch'],
    ['bitbucket', 'per-arch'],
    ['none', 'buildx'],
  ])('reads nothing: planned twice from one snapshot (--ci %s, --strategy %s), the same plans', async (ci, strategy) => {
    const cwd = repo();
    const { snapshot, chosen, render } = await snapshotOf(cwd, ci, strategy);
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('the plan called Math.random');
    });
    guard.forbid = true;
    guard.calls.length = 0;
    let first, second;
    try {
      first = planRun(snapshot, chosen, { render });
      second = planRun(snapshot, chosen, { render });
    } finally {
      guard.forbid = false;
      random.mockRestore();
    }
    expect(guard.calls).toEqual([]);
    expect(second).toEqual(first);
    // It planned for real: hooks, per-arch Dockerfiles, and the hand-made one seen as a conflict.
    expect(first.plans.map((p) => p.files.length)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(first.plans[0]!.files.map((f) => f.path)).toContain(strategy === 'buildx' ? 'hooks/push' : 'hooks/post_push');
    if (strategy === 'per-arch') expect(first.plans[1]!.files.find((f) => f.path === 'Dockerfile.arm64v8')?.action).toBe('conflict');
    if (ci !== 'none') expect(first.plans[0]!.files.some((f) => f.path.endsWith('.yml'))).toBe(true);
  });

  it('plan.ts loads no module that reads files, runs programs or asks the network (but the templates)', () => {
    // src/templates.ts reads the package's own templates, which the read step loads first (loadTemplates).
    const allowed = new Set(['templates.ts', 'package-root.ts']);
    const forbidden = /^(node:)?(fs|fs\/promises|child_process|http|https|http2|net|tls|dns)$/;
    const offenders = [...reachableFrom('generate/plan.ts')]
      .filter((f) => !allowed.has(f))
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => forbidden.test(s))
          .map((s) => `${f} imports ${s}`),
      );
    expect(offenders).toEqual([]);
    expect(reachableFrom('generate/plan.ts')).toContain('hooks/render-hooks.ts'); // the graph is followed
  });
});
