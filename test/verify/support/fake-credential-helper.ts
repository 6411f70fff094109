/**
 * A FAKE docker credential helper (`docker-credential-fake-store`): the real ones (pass,
 * secretservice, osxkeychain, desktop) need a keyring or a desktop session. It speaks the same
 * protocol: `get` reads the server name on stdin and prints {ServerURL, Username, Secret}, or
 * "credentials not found" and exit 1. It logs every server it was asked about.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../../support/env.js';

export const FAKE_HELPER = 'fake-store';

export interface FakeHelper {
  /** Put this first on PATH. */
  binDir: string;
  /** One line per `get`: the server name it read on stdin. */
  log: string;
  asked(): string[];
}

export function installFakeHelper(logins: Record<string, { user: string; password: string }>): FakeHelper {
  const binDir = tmpDir('cmh-fake-helper-');
  const log = path.join(binDir, 'asked.log');
  const cases = Object.entries(logins)
    .map(
      ([server, l]) =>
        `  '${server}') printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' '${server}' '${l.user}' '${l.password}' ;;`,
    )
    .join('\n');
  const script = `#!/bin/sh
# FAKE credential helper for the verify tests (see fake-credential-helper.ts).
[ "$1" = get ] || { echo "fake-store: only get is supported" >&2; exit 2; }
IFS= read -r server || true
printf '%s\\n' "$server" >> '${log}'
case "$server" in
${cases}
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
  const file = path.join(binDir, `docker-credential-${FAKE_HELPER}`);
  fs.writeFileSync(file, script, { mode: 0o755 });
  return { binDir, log, asked: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

/** A DOCKER_CONFIG dir holding `config`. */
export function dockerConfigDir(config: object): string {
  const dir = tmpDir('cmh-docker-config-');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

export const basicAuth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
