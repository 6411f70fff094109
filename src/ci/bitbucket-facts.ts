/** What the generator says about Bitbucket without rendering anything (bitbucket.ts has the sources). */
export const BITBUCKET_FILE = 'bitbucket-pipelines.yml';

/** What cannot be done on Bitbucket as on Docker Hub or GitHub, one sentence each, shown when the file is written. */
export const BITBUCKET_NOTES = [
  "Bitbucket's default runtime refuses buildx, --platform and privileged containers, so " +
    'bitbucket-pipelines.yml opts into Runtime v3 ' +
    '(options.runtime.cloud.version: 3), which allows them.',
  "Atlassian's cloud runners are amd64 only, so the other arches build under QEMU; to build ARM " +
    'natively, add runs-on: [self.hosted, linux.arm64] to a ' +
    'step and register a self-hosted ARM runner.',
];
