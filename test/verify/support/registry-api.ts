/**
 * Just enough of the registry HTTP API to push hand-made blobs and manifests (an attestation
 * manifest as BuildKit writes it, an index around it), which buildah and docker cannot produce.
 */
import { createHash } from 'node:crypto';

export const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export async function pushBlob(host: string, repo: string, content: Buffer | string, mediaType: string): Promise<Descriptor> {
  const bytes = Buffer.from(content);
  const digest = sha256(bytes);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`blob upload to ${host}/${repo}: POST answered ${start.status}`);
  const location = new URL(start.headers.get('location') ?? '', `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`blob upload to ${host}/${repo}: PUT answered ${put.status}: ${await put.text()}`);
  return { mediaType, digest, size: bytes.length };
}

/** PUT under `reference` (a tag), or under its own digest when `reference` is null. */
export async function putManifest(host: string, repo: string, reference: string | null, doc: object): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(doc));
  reference ??= sha256(bytes);
  const mediaType = (doc as { mediaType: string }).mediaType;
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, { method: 'PUT', body: bytes, headers: { 'content-type': mediaType } });
  if (r.status !== 201) throw new Error(`PUT manifest ${host}/${repo}:${reference} answered ${r.status}: ${await r.text()}`);
  return { mediaType, digest: sha256(bytes), size: bytes.length };
}

export async function getManifest<T = Record<string, unknown>>(host: string, repo: string, reference: string): Promise<{ doc: T; mediaType: string; digest: string }> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, {
    headers: {
      accept: [
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ].join(', '),
    },
  });
  if (r.status !== 200) throw new Error(`GET manifest ${host}/${repo}:${reference} answered ${r.status}`);
  const bytes = Buffer.from(await r.arrayBuffer());
  return { doc: JSON.parse(bytes.toString()) as T, mediaType: r.headers.get('content-type') ?? '', digest: sha256(bytes) };
}

/**
 * Adds, for every image in the OCI index at `reference`, an in-toto attestation manifest shaped
 * like BuildKit's (config os/arch `unknown`, one `application/vnd.in-toto+json` layer, index entry
 * with platform unknown/unknown and `vnd.docker.reference.*` annotations), and re-tags the index.
 */
export async function addAttestations(host: string, repo: string, reference: string): Promise<{ index: Descriptor; attestations: Descriptor[] }> {
  const { doc } = await getManifest<{ schemaVersion: number; mediaType: string; manifests: Descriptor[] }>(host, repo, reference);
  if (doc.mediaType !== 'application/vnd.oci.image.index.v1+json') throw new Error(`${reference} is ${doc.mediaType}, not an OCI index`);
  const attestations: Descriptor[] = [];
  for (const image of doc.manifests) {
    const statement = JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: `pkg:docker/${repo}`, digest: { sha256: image.digest.replace('sha256:', '') } }],
      predicate: { builder: { id: 'cmh-test' } },
    });
    const layer = await pushBlob(host, repo, statement, 'application/vnd.in-toto+json');
    const config = await pushBlob(
      host,
      repo,
      JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
      'application/vnd.oci.image.config.v1+json',
    );
    const att = await putManifest(host, repo, null, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: [{ ...layer, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }],
    });
    attestations.push({
      ...att,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.digest': image.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    });
  }
  const index = await putManifest(host, repo, reference, { ...doc, manifests: [...doc.manifests, ...attestations] });
  return { index, attestations };
}

/** Fetches the list at `tag`, lets `edit` change its entries, and pushes it back under the same tag. */
export async function editList(host: string, repo: string, tag: string, edit: (entries: Descriptor[]) => Descriptor[]): Promise<Descriptor> {
  const { doc } = await getManifest<{ manifests: Descriptor[] }>(host, repo, tag);
  return putManifest(host, repo, tag, { ...doc, manifests: edit(doc.manifests) });
}
