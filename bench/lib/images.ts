/** Images and lists in the local registry: tiny per-arch images, list reads, tag deletes, sizes. */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Arch } from '../../src/arch.js';
import { containersEnv } from '../../test/support/containers.js';
import { runOk } from '../../test/support/proc.js';
import { freshDir } from './repos.js';

/** The label every arch image carries (docs/CONTRACTS.md, tag scheme). */
export const REVISION_LABEL = 'org.opencontainers.image.revision';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

/**
 * Pushes one small image per arch (one layer holding a text file; config platform from the arch
 * table, the revision label as hooks/build sets it) to `HOST/REPO:<arch>`: what the build rules
 * leave in the registry before the last post_push runs.
 */
export async function pushArchImages(registryHost: string, repo: string, arches: Arch[], revision: string): Promise<void> {
  const dir = freshDir('arch-images');
  const env = containersEnv(path.join(dir, 'containers'), registryHost);
  const b = (args: string[]) => runOk('buildah', args, { env });
  try {
    for (const a of arches) {
      const file = path.join(dir, `built-for-${a.name}`);
      fs.writeFileSync(file, `bench image for ${a.name} at ${revision}\n`);
      const ctr = (await b(['from', 'scratch'])).stdout.trim();
      await b(['copy', ctr, file, '/built-for']);
      const p = a.platform;
      await b([
        'config',
        '--os',
        p.os,
        '--arch',
        p.architecture,
        ...(p.variant ? ['--variant', p.variant] : []),
        '--label',
        `${REVISION_LABEL}=${revision}`,
        ctr,
      ]);
      await b(['commit', '-q', '--format', 'docker', '--rm', ctr, `localhost/bench-${a.name}`]);
      await b([
        'push',
        '-q',
        '--tls-verify=false',
        '--format',
        'v2s2',
        `localhost/bench-${a.name}`,
        `docker://${registryHost}/${repo}:${a.name}`,
      ]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Manifest {
  mediaType?: string;
  manifests?: { digest: string; platform: { os: string; architecture: string; variant?: string } }[];
  layers?: { digest: string; size: number; mediaType: string }[];
  config?: { digest: string; size: number };
}

/** The manifest (or list) at `repo:ref` with its digest, or null when the registry has none. */
export async function getManifest(registryHost: string, repo: string, ref: string): Promise<{ digest: string; manifest: Manifest } | null> {
  const r = await fetch(`http://${registryHost}/v2/${repo}/manifests/${ref}`, { headers: { accept: MANIFEST_TYPES } });
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`GET ${repo}:${ref} answered ${r.status}`);
  return { digest: r.headers.get('docker-content-digest') ?? '', manifest: (await r.json()) as Manifest };
}

/** Deletes what `repo:tag` points at (the registry has deletes enabled), so a publish starts over. */
export async function deleteTag(registryHost: string, repo: string, tag: string): Promise<void> {
  const m = await getManifest(registryHost, repo, tag);
  if (!m) return;
  const r = await fetch(`http://${registryHost}/v2/${repo}/manifests/${m.digest}`, { method: 'DELETE' });
  if (r.status !== 202) throw new Error(`DELETE ${repo}@${m.digest} answered ${r.status}`);
}

export interface ImageSize {
  layers: number;
  /** Sum of the layer blobs as stored and downloaded (gzip). */
  compressed: number;
  /** Sum of the layers unpacked (tar bytes). */
  uncompressed: number;
  /** Bytes of each layer, compressed, in order. */
  layerSizes: number[];
}

/** Layer count and bytes of the single-arch image `repo:tag`, read from the registry. */
export async function imageSize(registryHost: string, repo: string, tag: string): Promise<ImageSize> {
  const m = await getManifest(registryHost, repo, tag);
  if (!m?.manifest.layers) throw new Error(`${repo}:${tag} is not a single image in ${registryHost}`);
  let uncompressed = 0;
  for (const l of m.manifest.layers) {
    const blob = Buffer.from(await (await fetch(`http://${registryHost}/v2/${repo}/blobs/${l.digest}`)).arrayBuffer());
    uncompressed += /gzip/.test(l.mediaType) ? zlib.gunzipSync(blob).length : blob.length;
  }
  const layerSizes = m.manifest.layers.map((l) => l.size);
  return { layers: layerSizes.length, compressed: layerSizes.reduce((a, b) => a + b, 0), uncompressed, layerSizes };
}
