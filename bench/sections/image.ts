/**
 * 4. Image overhead: bytes and layers each QEMU strategy adds to an image really built from
 * examples/hello (the test bed's Docker engine, RUN steps under QEMU), against the
 * plain build of the unmodified Dockerfile for that platform.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { NATIVE_ARCH, findArch, platformString, type Arch } from '../../src/arch.js';
import { PINS } from '../../src/pins.js';
import { hubBuildEnv, hookEnv } from '../../test/support/env.js';
import { ensureQemuImage } from '../../test/support/qemu-image.js';
import { imageSize, type ImageSize } from '../lib/images.js';
import type { Infra } from '../lib/infra.js';
import { timed } from '../lib/measure.js';
import { row, type Row } from '../lib/report.js';
import { exampleRepo, generate, ruleDockerfile } from '../lib/repos.js';

const SECTION = "4 image overhead of the QEMU strategy (examples/hello built on the test bed's engine, pushed, read back)";
/** The two emulated arches the figures are for. */
export const IMAGE_ARCHES = ['arm64v8', 'arm32v7'];

function arch(name: string): Arch {
  const a = findArch(name);
  if (!a) throw new Error(`${name} is not in src/arch.ts`);
  return a;
}

/**
 * Docker's builders commit one layer per RUN/COPY/ADD: this counts those instructions in the
 * last stage, to set beside the layers the engine built.
 */
function layerInstructions(file: string): number {
  const all = DockerfileParser.parse(fs.readFileSync(file, 'utf8')).getInstructions();
  const lastFrom = all.map((i) => i.getKeyword()).lastIndexOf('FROM');
  return all.slice(lastFrom + 1).filter((i) => ['RUN', 'COPY', 'ADD'].includes(i.getKeyword())).length;
}

interface Built {
  size: ImageSize;
  buildSeconds: number;
}

export async function imageOverhead(infra: Infra): Promise<Row[]> {
  const host = infra.registry.host;
  const arches = IMAGE_ARCHES.map(arch);
  const archList = [NATIVE_ARCH, ...IMAGE_ARCHES].join(',');
  const binfmt = exampleRepo();
  generate(binfmt.dir, ['--repo', 'bench/img-binfmt', '--arch', archList, '--qemu', 'binfmt']);
  const copy = exampleRepo();
  generate(copy.dir, ['--repo', 'bench/img-copy', '--arch', archList, '--qemu', 'copy']);

  // The pinned multiarch/qemu-user-static cannot be pulled here: a stand-in with Debian's
  // static qemu binaries takes its place, under the same name with the stand-in's digest.
  const qemu = await ensureQemuImage(host);
  const standIn = PINS.qemuImage.replace(/@sha256:[0-9a-f]+$/, `@${qemu.digest}`);
  for (const a of arches) {
    const file = path.join(copy.dir, ruleDockerfile(copy.dir, a.name));
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes(PINS.qemuImage)) throw new Error(`${file} does not name the pinned qemu image ${PINS.qemuImage}`);
    fs.writeFileSync(file, text.replaceAll(PINS.qemuImage, standIn));
  }

  const env = hookEnv();
  const docker = (args: string[], cwd: string, extra: Record<string, string> = {}) =>
    timed('docker', args, { cwd, env: { ...env, ...extra } });

  const plainBuild = async (a: Arch): Promise<Built> => {
    const image = `${host}/bench/img-plain:${a.name}`;
    const t = await docker(['build', '--platform', platformString(a.platform), '-f', 'Dockerfile', '-t', image, '.'], binfmt.dir);
    await docker(['push', image], binfmt.dir);
    return { size: await imageSize(host, 'bench/img-plain', a.name), buildSeconds: t.seconds };
  };
  // What Docker Hub runs for the arch's build rule: hooks/build, then its default push.
  const hookBuild = async (dir: string, sha: string, repo: string, a: Arch): Promise<Built> => {
    const hub = hubBuildEnv({ registryHost: host, repo, tag: a.name, dockerfilePath: ruleDockerfile(dir, a.name), sourceCommit: sha });
    const t = await timed(path.join(dir, 'hooks/build'), [], { cwd: dir, env: { ...env, ...hub } });
    await docker(['push', hub.IMAGE_NAME!], dir);
    return { size: await imageSize(host, repo, a.name), buildSeconds: t.seconds };
  };

  const rows: Row[] = [];
  for (const a of arches) {
    const plain = await plainBuild(a);
    const baseLayers = (await imageSize(host, `${a.name}/busybox`, 'latest')).layers;
    const dockerLayers = (file: string) => baseLayers + layerInstructions(file);
    const plainDocker = dockerLayers(path.join(binfmt.dir, 'Dockerfile'));
    const strategies = [
      {
        name: '--qemu binfmt',
        built: await hookBuild(binfmt.dir, binfmt.sha, 'bench/img-binfmt', a),
        dockerLayers: dockerLayers(path.join(binfmt.dir, ruleDockerfile(binfmt.dir, a.name))),
        note: '',
      },
      {
        name: '--qemu copy',
        built: await hookBuild(copy.dir, copy.sha, 'bench/img-copy', a),
        dockerLayers: dockerLayers(path.join(copy.dir, ruleDockerfile(copy.dir, a.name))),
        note:
          `the qemu stage is a stand-in holding Debian's /usr/bin/${a.qemu} ` +
          `(${fs.statSync(`/usr/bin/${a.qemu}`).size} bytes), not multiarch/qemu-user-static's; `,
      },
    ];
    const vs = `plain build of Dockerfile --platform ${platformString(a.platform)}`;
    for (const s of strategies) {
      const d = s.built.size;
      const p = plain.size;
      rows.push(
        row({
          section: SECTION,
          measure: `${a.name} ${s.name}: image bytes (gzip layers)`,
          unit: 'bytes',
          value: d.compressed,
          vs: { what: vs, value: p.compressed },
          note:
            `${s.note}adds ${d.compressed - p.compressed} bytes gzip; builds took ` +
            `${s.built.buildSeconds.toFixed(2)} s (hooks/build) vs ` +
            `${plain.buildSeconds.toFixed(2)} s (plain)`,
        }),
        row({
          section: SECTION,
          measure: `${a.name} ${s.name}: image bytes unpacked`,
          unit: 'bytes',
          value: d.uncompressed,
          vs: { what: vs, value: p.uncompressed },
          note: `adds ${d.uncompressed - p.uncompressed} bytes unpacked`,
        }),
        row({
          section: SECTION,
          measure: `${a.name} ${s.name}: layers`,
          unit: 'count',
          value: d.layers,
          vs: { what: vs, value: p.layers },
          note: `as built on the engine; layer sizes ${d.layerSizes.join(', ')} vs ${p.layerSizes.join(', ')}`,
        }),
        row({
          section: SECTION,
          measure: `${a.name} ${s.name}: layers under Docker's builder`,
          unit: 'count',
          value: s.dockerLayers,
          vs: { what: vs, value: plainDocker },
          note: `counted, not built: the base image's ${baseLayers} layer(s) + one per RUN/COPY/ADD of the last stage`,
        }),
      );
    }
  }
  return rows;
}
