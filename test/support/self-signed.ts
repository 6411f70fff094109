import fs from 'node:fs';
import path from 'node:path';
import { runOk } from './proc.js';

/**
 * A P-256 key and a self-signed certificate (valid 2 days) made with openssl in `dir`, as
 * `key.pem` and `cert.pem`; `subject` is openssl's `-subj`, `extra` more `openssl req` arguments.
 */
export async function selfSignedCert(
  dir: string,
  subject: string,
  extra: readonly string[] = [],
): Promise<{ keyFile: string; certFile: string; key: Buffer; cert: Buffer }> {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  await runOk('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    subject,
    ...extra,
  ]);
  return { keyFile, certFile, key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
}
