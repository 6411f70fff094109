/** Runs `verifyCommand` in-process the way the CLI does, capturing what it prints. */
import { verifyCommand, type VerifyOptions, type VerifyReport } from '../../../src/verify/index.js';
import { tmpDir } from '../../support/env.js';

export interface VerifyRun {
  code: number;
  text: string;
}

/** An environment with no docker login (empty DOCKER_CONFIG) and no colours. */
export function plainEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: tmpDir('cmh-verify-nologin-'), NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export async function runVerify(opts: Partial<VerifyOptions>): Promise<VerifyRun> {
  let text = '';
  const code = await verifyCommand({
    dir: opts.dir ?? tmpDir('cmh-verify-cwd-'),
    insecure: false,
    json: false,
    env: plainEnv(),
    ...opts,
    out: (t) => (text += t),
  });
  return { code, text };
}

/** `--json`, parsed. */
export async function runVerifyJson(opts: Partial<VerifyOptions>): Promise<{ code: number; report: VerifyReport; text: string }> {
  const r = await runVerify({ ...opts, json: true });
  return { code: r.code, report: JSON.parse(r.text) as VerifyReport, text: r.text };
}
