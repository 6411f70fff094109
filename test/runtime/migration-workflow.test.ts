// Docker's migration workflow (docker/autobuilds-actions, .github/workflows/full-autobuilds.yaml)
// runs a repo's hooks/* from the Dockerfile's folder after its own build, with
// DOCKER_AUTOBUILDS_* and DOCKER_REPOSITORY_NAME but none of Docker Hub's variables. Our hooks
// must stop there in one sentence naming the pipeline to generate instead, not fail obscurely or
// publish a wrong list. Each step is run the way that workflow's steps run a hook: if the file
// exists, chmod +x it and execute it.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, hookEnv, readDockerLog, tmpDir } from '../support/env.js';
import { run } from '../support/proc.js';
import { hookConfig, writeHooks } from './support.js';

afterAll(() => cleanupTemps());

const STEP = (hook: string) => `path=hooks/${hook}
if [ -f "$path" ]; then
  chmod +x "$path"
  "$path"
else
  echo "no $path"
fi`;

// The workflow's hook steps, in its order (the build itself is docker/build-push-action).
const HOOKS = ['post_checkout', 'pre_build', 'post_build', 'pre_test', 'post_test', 'pre_push', 'post_push'];

describe.each([
  [
    'GitHub Actions (full-autobuilds.yaml)',
    'github',
    {
      GITHUB_ACTIONS: 'true',
      DOCKER_AUTOBUILDS_CONTEXT_PATH: '.',
      DOCKER_AUTOBUILDS_DOCKERFILE_PATH: 'Dockerfile',
      DOCKER_REPOSITORY_NAME: 'acme/demo',
    },
  ],
  ['Bitbucket Pipelines', 'bitbucket', { BITBUCKET_BUILD_NUMBER: '7', BITBUCKET_COMMIT: 'c0ffee' }],
])('our hooks under %s', (_name, ci, vars) => {
  it.each(HOOKS)('%s: skipped when absent, else one sentence naming --ci and nothing run', async (hook) => {
    const dir = writeHooks(tmpDir('cmh-migrate-'), hookConfig());
    const env = hookEnv({ extra: vars });
    const r = await run('bash', ['-c', STEP(hook)], { cwd: dir, env });
    if (!['pre_build', 'post_push'].includes(hook)) {
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`no hooks/${hook}`);
      return;
    }
    expect(r.code).toBe(1);
    // post_push runs after pre_build, which stops first; its own sentence names both pipelines.
    if (hook === 'post_push') {
      expect(r.stderr.trim()).toMatch(
        /^error: DOCKER_TAG is not set; [^\n]*npx create-multiarch-hooks --ci github or --ci bitbucket writes\)\.$/,
      );
      expect(readDockerLog(env)).toEqual([]);
      return;
    }
    expect(r.stderr.trim()).toBe(
      `error: these hooks run Docker Hub autobuilds, which set DOCKER_TAG and DOCKER_REPO; this ${ci} ` +
        `pipeline sets neither, so build with the pipeline made for it: run npx create-multiarch-hooks ` +
        `--ci ${ci} and commit what it writes.`,
    );
    expect(readDockerLog(env)).toEqual([]);
  });
});

it('outside a CI, a missing DOCKER_TAG still names the variable to set', async () => {
  const dir = writeHooks(tmpDir('cmh-migrate-'), hookConfig());
  const r = await run('bash', ['hooks/post_push'], { cwd: dir, env: hookEnv({ extra: { GITHUB_ACTIONS: undefined } }) });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^error: DOCKER_TAG is not set; set it to this build's tag/m);
});
