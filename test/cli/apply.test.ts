// apply is the only step that writes; a failure part-way (disk full, a permission, a rename) must
// leave the repo exactly as it was. Failures are injected into node:fs, call by call.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/errors.js';
import { runGenerate } from '../../src/generate/index.js';
import { git, removeDir, tempGitRepo, treeState } from './run-cli.js';

const inject = vi.hoisted(() => ({ op: '', at: 0, calls: 0, signal: '' }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  // The n-th call of inject.op fails as the disk would (EIO); all other calls are real.
  const failing = <F extends (...a: never[]) => unknown>(name: string, f: F): F =>
    ((...args: Parameters<F>) => {
      if (inject.op === name && ++inject.calls === inject.at) {
        // A signal arrives here (as the process would see it: a listener called later), or the disk fails.
        if (inject.signal) setImmediate(() => process.emit(inject.signal as NodeJS.Signals));
        else throw Object.assign(new Error(`injected ${name} failure`), { code: 'EIO' });
      }
      return f(...args);
    }) as F;
  // A recursive mkdir that fails half-way, as on a full disk: the topmost missing folder is made, then EIO.
  const halfway = ((dir: string, opts?: fs.MakeDirectoryOptions) => {
    if (inject.op === 'mkdirSync halfway' && ++inject.calls === inject.at && opts?.recursive) {
      let top = dir;
      while (!real.existsSync(join(top, '..'))) top = join(top, '..');
      real.mkdirSync(top);
      throw Object.assign(new Error('injected mkdirSync failure'), { code: 'EIO' });
    }
    return failing('mkdirSync', real.mkdirSync)(dir, opts);
  }) as typeof real.mkdirSync;
  const over = {
    writeFileSync: failing('writeFileSync', real.writeFileSync),
    renameSync: failing('renameSync', real.renameSync),
    copyFileSync: failing('copyFileSync', real.copyFileSync),
    mkdirSync: halfway,
  };
  return { ...real, ...over, default: { ...real, ...over } };
});

const repos: string[] = [];
afterAll(() => repos.forEach(removeDir));
beforeEach(() => Object.assign(inject, { op: '', at: 0, calls: 0, signal: '' }));

async function generate(dir: string, args: { arch?: string[]; force?: boolean; ci?: 'github' } = {}): Promise<string[]> {
  const said: string[] = [];
  const code = await runGenerate({
    cwd: dir,
    dockerfiles: ['Dockerfile'],
    flags: { repo: 'acme/apply', arch: args.arch, interactive: false, yes: true, ci: args.ci },
    dryRun: false,
    check: false,
    force: args.force ?? false,
    offline: true,
    env: process.env,
    out: (s) => said.push(s),
    warn: (s) => said.push(s),
    info: (s) => said.push(s),
  });
  expect(code).toBe(0);
  return said;
}

/**
 * Runs `setup` in a new repo, then interrupts the n-th `op` of one more run, for every n until the
 * run gets past it: the disk fails there (EIO) or a signal comes. Each time the repo (files,
 * modes, git index) must be as it was, and the run must say why it stopped.
 */
async function everyNth(
  op: string,
  how: 'EIO' | NodeJS.Signals,
  setup: (dir: string) => Promise<void>,
  run: (dir: string) => Promise<unknown>,
): Promise<number> {
  for (let n = 1; ; n++) {
    const dir = tempGitRepo();
    repos.push(dir);
    fs.writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine:3.20\n');
    await setup(dir);
    const before = treeState(dir);
    Object.assign(inject, { op, at: n, calls: 0, signal: how === 'EIO' ? '' : how });
    const error = await run(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    const reached = inject.calls >= n;
    Object.assign(inject, { op: '', at: 0, calls: 0, signal: '' });
    if (!reached) {
      expect(error).toBeUndefined();
      return n - 1;
    }
    expect(error, String(error)).toBeInstanceOf(UserError);
    if (how === 'EIO') expect((error as Error).message).toMatch(/^Could not write .*\(EIO\); nothing was changed/);
    else {
      expect((error as UserError).message).toMatch(
        /^Cancelled; nothing was written( \(the \d+ files? it had replaced (is|are) put back\))?\.$/,
      );
      expect((error as UserError).exitCode).toBe(128 + os.constants.signals[how]);
    }
    expect(treeState(dir), `${how} at ${op} #${n}`).toEqual(before);
  }
}
const failEverywhere = (op: string, setup: (dir: string) => Promise<void>, run: (dir: string) => Promise<unknown>) =>
  everyNth(op, 'EIO', setup, run);

describe('a signal in the middle of apply cancels it and leaves the repo as it was', () => {
  it('first run: SIGINT at every write and rename', async () => {
    const fresh = async () => {};
    expect(await everyNth('writeFileSync', 'SIGINT', fresh, (d) => generate(d))).toBeGreaterThan(5);
    expect(await everyNth('renameSync', 'SIGINT', fresh, (d) => generate(d))).toBeGreaterThan(5);
  });

  it('a --force re-run (files put back, .bak copies removed, the index and modes as they were): SIGTERM and SIGHUP', async () => {
    const generated = async (d: string) => {
      await generate(d);
      fs.writeFileSync(join(d, 'Dockerfile'), 'FROM alpine:3.21\n');
      fs.appendFileSync(join(d, 'hooks', 'post_push'), 'echo mine\n');
      fs.chmodSync(join(d, 'hooks', 'build'), 0o644);
      git(d, ['update-index', '--chmod=-x', 'hooks/build']);
    };
    const rerun = (d: string) => generate(d, { arch: ['amd64', 'arm64v8'], force: true });
    expect(await everyNth('renameSync', 'SIGTERM', generated, rerun)).toBeGreaterThan(5);
    expect(await everyNth('copyFileSync', 'SIGHUP', generated, rerun)).toBe(1);
  });
});

describe('a failure in the middle of apply leaves the repo as it was', () => {
  it('first run (folders created, temp files written): every write and rename', async () => {
    const fresh = async () => {};
    expect(await failEverywhere('writeFileSync', fresh, (d) => generate(d))).toBeGreaterThan(5);
    expect(await failEverywhere('renameSync', fresh, (d) => generate(d))).toBeGreaterThan(5);
    expect(await failEverywhere('mkdirSync', fresh, (d) => generate(d))).toBeGreaterThan(0);
  });

  it('a nested folder whose creation fails half-way (.github made, .github/workflows not): removed again', async () => {
    const fresh = async () => {};
    expect(await failEverywhere('mkdirSync halfway', fresh, (d) => generate(d, { ci: 'github' }))).toBeGreaterThan(0);
  });

  it('a re-run that updates, deletes (an arch dropped) and --force overwrites with .bak copies', async () => {
    const generated = async (d: string) => {
      await generate(d);
      fs.writeFileSync(join(d, 'Dockerfile'), 'FROM alpine:3.21\n');
      fs.appendFileSync(join(d, 'hooks', 'post_push'), 'echo mine\n');
    };
    const rerun = (d: string) => generate(d, { arch: ['amd64', 'arm64v8'], force: true });
    expect(await failEverywhere('renameSync', generated, rerun)).toBeGreaterThan(5);
    expect(await failEverywhere('copyFileSync', generated, rerun)).toBe(1);
    expect(await failEverywhere('writeFileSync', generated, rerun)).toBeGreaterThan(3);
  });
});

describe('a temp file name that is already taken', () => {
  it('is never written through: a link planted at it leaves its target untouched, and the run fails cleanly', async () => {
    const dir = tempGitRepo();
    repos.push(dir);
    fs.writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine:3.20\n');
    const outside = fs.mkdtempSync(join(os.tmpdir(), 'cmh-outside-'));
    repos.push(outside);
    fs.writeFileSync(join(outside, 'target'), 'outside\n');
    // The name apply gives its temp file for Dockerfile.arm64v8 in this process.
    fs.symlinkSync(join(outside, 'target'), join(dir, `.Dockerfile.arm64v8.cmh-${process.pid}.tmp`));
    const before = treeState(dir);
    const error = await generate(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, String(error)).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/^Could not write Dockerfile\.arm64v8 \(EEXIST\); nothing was changed/);
    expect(fs.readFileSync(join(outside, 'target'), 'utf8')).toBe('outside\n');
    const { [`.Dockerfile.arm64v8.cmh-${process.pid}.tmp`]: planted, ...rest } = before;
    expect(planted).toMatch(/^link to /);
    // The link had our temp name, so the rollback removed it with our other temp files; a retry works.
    expect(treeState(dir)).toEqual(rest);
    await generate(dir);
  });
});
