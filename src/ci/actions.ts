/**
 * The GitHub actions the generated workflows use, each pinned by the full commit SHA of a
 * release tag (a tag can be moved, a commit cannot), with that tag for the reader and for
 * Dependabot, which updates `uses: owner/repo@<sha> # vX.Y.Z` lines. Read from each
 * repository's tags (`git rev-parse vX.Y.Z^{commit}`), newest release on 2026-12-03.
 */
export interface ActionPin {
  action: string;
  sha: string;
  version: string;
}

export const ACTIONS = {
  checkout: { action: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  metadata: { action: 'docker/metadata-action', sha: 'dc802804100637a589fabce1cb79ff13a1411302', version: 'v6.2.0' },
  qemu: { action: 'docker/setup-qemu-action', sha: '96fe6ef7f33517b61c61be40b68a1882f3264fb8', version: 'v4.2.0' },
  buildx: { action: 'docker/setup-buildx-action', sha: '37fe631027851001ddb9b187196cc803df7f5f0e', version: 'v4.3.0' },
  login: { action: 'docker/login-action', sha: '4907a6ddec9925e35a0a9e82d7399ccc52663121', version: 'v4.1.0' },
  buildPush: { action: 'docker/build-push-action', sha: '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', version: 'v7.3.0' },
  upload: { action: 'actions/upload-artifact', sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', version: 'v7.0.0' },
  download: { action: 'actions/download-artifact', sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', version: 'v8.0.1' },
} as const satisfies Record<string, ActionPin>;

/**
 * The image Bitbucket steps run in: the Docker CLI with its buildx plugin (Runtime v3 no longer
 * mounts a CLI into the step). Docker's official image, by major version: its digest could not
 * be read from this workplace (no registry but npm and Debian is reachable).
 */
export const BITBUCKET_DOCKER_IMAGE = 'docker:28-cli';
