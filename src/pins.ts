/**
 * Everything the generated files download or run from outside, pinned. Changing a pin changes
 * every generated hook and Dockerfile, so `--check` flags repos that still carry the old one.
 */
export interface Pins {
  /** Image that registers the QEMU binfmt handlers (`--reset -p yes`) and holds the static qemu binaries for `--qemu copy`. */
  qemuImage: string;
  manifestToolVersion: string;
  /** The release archive (v2 releases ship one tarball holding every platform's binary). */
  manifestToolUrl: string;
  /** sha256 of that archive; nothing fetched runs unless it matches. */
  manifestToolSha256: string;
  /** The member of the archive to run on Docker Hub's amd64 builders. */
  manifestToolMember: string;
}

export const PINS: Pins = {
  // multiarch/qemu-user-static, pinned by manifest digest (content-addressed: the engine verifies
  // it on pull). The same digest is pinned by VS Code's build scripts; it was not pulled here
  // (no registry but npm and Debian is reachable from this workplace).
  qemuImage: 'docker.io/multiarch/qemu-user-static@sha256:fe60359c92e86a43cc87b3d906006245f77bfc0565676b80004cc666e4feb9f0',
  manifestToolVersion: '2.2.1',
  manifestToolUrl: 'https://github.com/estesp/manifest-tool/releases/download/v2.2.1/binaries-manifest-tool-2.2.1.tar.gz',
  // As published for v2.2.1 (the value the AUR package manifest-tool-bin pins); not downloaded
  // here, since GitHub is out of reach of this workplace.
  manifestToolSha256: '4e26a0fff398f376dcecbcf83955c4cc3a0be2c7396faa5eefd9464df249231a',
  manifestToolMember: 'manifest-tool-linux-amd64',
};
