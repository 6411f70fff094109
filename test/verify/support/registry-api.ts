/**
 * Just enough of the registry HTTP API to push hand-made blobs and manifests (an attestation
 * manifest as BuildKit writes it, an index around it), which buildah and docker cannot produce.
 */
import { pushBlob as pushBytes, putManifest as putBytes, sha256 } from '../../runtime/support.js';

export { sha256 };

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

/** runtime/support.ts's blob upload, returning a descriptor of `mediaType`. */
export async function pushBlob(host: string, repo: string, content: Buffer | string, mediaType: string): Promise<Descriptor> {
  const { digest, size } = await pushBytes(host, repo, content);
  return { mediaType, digest, size };
}

/** PUT `doc` under `reference` (a tag), or under its own digest when `reference` is null (runtime/support.ts's upload). */
export async function putManifest(host: string, repo: string, reference: string | null, doc: object): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const mediaType = (doc as { mediaType: string }).mediaType;
  const digest = await putBytes(host, repo, reference ?? sha256(bytes), bytes, mediaType);
  return { mediaType, digest, size: bytes.length };
}

export async function getManifest<T = Record<string, unknown>>(
  host: string,
  repo: string,
  reference: string,
): Promise<{ doc: T; mediaType: string; digest: string }> {
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
export async function addAttestations(
  host: string,
  repo: string,
  reference: string,
): Promise<{ index: Descriptor; attestations: Descriptor[] }> {
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
export async function editList(
  host: string,
  repo: string,
  tag: string,
  edit: (entries: Descriptor[]) => Descriptor[],
): Promise<Descriptor> {
  const { doc } = await getManifest<{ manifests: Descriptor[] }>(host, repo, tag);
  return putManifest(host, repo, tag, { ...doc, manifests: edit(doc.manifests) });
}
