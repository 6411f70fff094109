import type { QemuStrategy } from '../strategies.js';

/**
 * Recognises the files of the hand-made multi-arch setups people copied from blog posts and
 * example repositories (the seeds' recipe; ckulka/docker-multi-arch-example;
 * jnovack/docker-multi-arch-hooks): per-arch Dockerfiles that copy a downloaded qemu-*-static
 * into the image, a pre_build that runs multiarch/qemu-user-static:register, a post_push that
 * downloads manifest-tool and pushes a hand-written multi-arch-manifest.yaml, a build hook that
 * builds every arch at once. For each, what it does wrong (the generated file does it right) and
 * what it does beyond the recipe (which replacing it would lose), so a conflict says both.
 * Pattern matching by hand: these are short shell and Dockerfile snippets with a few known shapes.
 */
export interface HandMade {
  /** What the file is, in a few words. */
  what: string;
  /** What it does wrong, and what the generated file does instead. */
  wrong: { wrong: string; instead: string }[];
  /** What it does beyond the recipe: replacing it loses these. */
  beyond: string[];
}

type Wrong = HandMade['wrong'][number];

/** One shell or Dockerfile instruction per entry: continuation lines joined, comments and blanks dropped. */
function statements(content: string): string[] {
  return content
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const short = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
const quoted = (lines: string[]) =>
  lines
    .slice(0, 2)
    .map((l) => `\`${short(l)}\``)
    .join(', ') + (lines.length > 2 ? ` and ${lines.length - 2} more` : '');

/** Shell lines every recipe hook has around its work: logging, exits, the arch guess. */
const HOOK_NOISE = [
  /^(echo|printf|exit|set|true|:)\b/,
  /^[{}]$/,
  /^\[\[? .*\]\]? *(&&|\|\|)/,
  /^[A-Z_]+=\$\(echo "?\$\{?DOCKERFILE_PATH/,
  /^(?:(?:if|then|else|fi|done|esac|break|continue)\b|;;)/,
];

/** The hook's commands that are not the recipe's, as one phrase (or none). */
function beyondHook(content: string, recipe: RegExp[]): string[] {
  const lines = statements(content)
    .filter((l) => !l.startsWith('#!'))
    .filter((l) => ![...HOOK_NOISE, ...recipe].some((re) => re.test(l)));
  return lines.length > 0 ? [`runs ${quoted(lines)}`] : [];
}

function preBuild(content: string): HandMade | null {
  if (!/qemu-user-static|binfmt/.test(content)) return null;
  const wrong: Wrong[] = [];
  if (/docker run/.test(content) && !/@sha256:/.test(content)) {
    wrong.push({
      wrong: 'runs an unpinned registration image with --privileged on every build',
      instead: 'runs an image pinned by digest, only when the handler is missing',
    });
  }
  if (!/-p yes|--persistent yes|fix-binary|:F\b/.test(content)) {
    wrong.push({
      wrong: 'registers QEMU without the fix-binary flag, so each image must carry the emulator',
      instead: 'registers with the fix-binary flag and checks it',
    });
  }
  return {
    what: 'hand-made QEMU registration hook',
    wrong,
    beyond: beyondHook(content, [/qemu-user-static|binfmt/, /^[A-Z_]+=/]),
  };
}

function postPush(content: string): HandMade | null {
  if (!/manifest-tool|docker manifest/.test(content)) return null;
  const wrong: Wrong[] = [];
  if (/(curl|wget)\b.*manifest-tool/.test(content) && !/sha256sum|shasum/.test(content)) {
    wrong.push({
      wrong: 'downloads manifest-tool without checking a checksum',
      instead: `downloads a pinned version and checks its sha256`,
    });
  }
  wrong.push({
    wrong: "publishes before every arch is built, so the first builds fail with 'manifest unknown'",
    instead: 'publishes once every arch of the commit is in the registry, by digest; earlier builds exit 0',
  });
  if (/from-spec/.test(content))
    wrong.push({
      wrong: 'publishes only the tags its spec names',
      instead: 'publishes the list of each build rule: latest and every version tag',
    });
  return {
    what: 'hand-made manifest push hook',
    wrong,
    beyond: beyondHook(content, [/manifest-tool/, /docker manifest/, /^chmod\b/, /^docker login\b/, /^cd\b/]),
  };
}

function build(content: string): HandMade | null {
  if (!/docker (image )?build/.test(content)) return null;
  const wrong: Wrong[] = [];
  if (/qemu-user-static/.test(content))
    wrong.push({ wrong: 'registers an unpinned QEMU image with --privileged', instead: 'leaves registration to pre_build' });
  if (/DOCKERFILE_PATH\}?"?\.\*/.test(content)) {
    wrong.push({
      wrong: 'builds every arch in one Docker Hub build, one after the other',
      instead: "builds the rule's own arch with --platform and the revision label",
    });
  }
  const args = [...new Set([...content.matchAll(/--build-arg[ =]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))];
  const beyond = args.length > 0 ? [`passes --build-arg ${args.join(', ')}`] : [];
  beyond.push(
    ...beyondHook(content, [
      /^docker (image )?(build|push|tag)\b/,
      /qemu-user-static/,
      /^for\b/,
      /^do\b/,
      /^case\b/,
      /^\*?[\w*]+\)$/,
      /^[A-Z_]+=/,
    ]),
  );
  return { what: 'hand-made build hook', wrong, beyond };
}

/**
 * Dockerfile instructions of the stages that make the image, without what only the recipe adds:
 * a stage that downloads qemu (not the last), any line naming qemu, and the FROMs (whose bases
 * differ by arch anyway).
 */
function imageInstructions(content: string): string[] {
  const stages: string[][] = [];
  for (const s of statements(content)) {
    if (/^FROM\b/i.test(s)) stages.push([]);
    else if (stages.length > 0) stages[stages.length - 1].push(s);
  }
  return stages
    .filter((st, i) => i === stages.length - 1 || !st.some((l) => /qemu/i.test(l)))
    .flat()
    .filter((l) => !/qemu/i.test(l));
}

function perArchDockerfile(content: string, ctx: Context): HandMade | null {
  if (!/qemu-[a-z0-9_]+-static/.test(content)) return null;
  const wrong: Wrong[] = [
    {
      wrong: 'copies qemu-*-static into the image, so every container carries the emulator',
      instead:
        ctx.qemu === 'copy' ? 'copies the emulator from an image pinned by digest' : "adds nothing: the builder's QEMU runs the RUN steps",
    },
  ];
  if (/(curl|wget)\b[^\n]*qemu/.test(content) && !/sha256sum|shasum/.test(content)) {
    wrong.push({ wrong: 'downloads QEMU without checking a checksum', instead: 'downloads nothing' });
  }
  const own = new Set(imageInstructions(ctx.dockerfileSource));
  const extra = imageInstructions(content).filter((l) => !own.has(l));
  return {
    what: 'hand-made per-arch Dockerfile',
    wrong,
    beyond: extra.length > 0 ? [`has ${quoted(extra)} that ${ctx.dockerfile} lacks`] : [],
  };
}

function manifestSpec(content: string, tagNames: readonly string[]): HandMade | null {
  if (!/^manifests:/m.test(content)) return null;
  const tags = [...content.matchAll(/^\s*-\s*image:\s*\S+?:(\S+)\s*$/gm)].map((m) => m[1]);
  const unknown = tags.filter((t) => !tagNames.includes(t));
  return {
    what: 'hand-written manifest list spec',
    wrong: [
      {
        wrong: 'is written by hand and must be kept in step with the build rules',
        instead: 'is generated from the arch table, variants included',
      },
    ],
    beyond: unknown.length > 0 ? [`lists the tags ${unknown.join(', ')}, where the new spec uses the tags ${tagNames.join(', ')}`] : [],
  };
}

interface Context {
  /** The Dockerfile's basename and text. */
  dockerfile: string;
  dockerfileSource: string;
  /** Each arch's per-arch tag name, as the new spec lists them. */
  arches: readonly string[];
  qemu: QemuStrategy;
}

/** `path` is relative to the Dockerfile's folder, as the plan names generated files. */
export function recogniseHandMade(path: string, content: string, ctx: Context): HandMade | null {
  if (path === 'hooks/pre_build') return preBuild(content);
  if (path === 'hooks/post_push') return postPush(content);
  if (path === 'hooks/build') return build(content);
  if (path === 'multi-arch-manifest.yaml') return manifestSpec(content, ctx.arches);
  if (path.startsWith(`${ctx.dockerfile}.`)) return perArchDockerfile(content, ctx);
  return null;
}

/** Lines for the plan, under the file's CONFLICT line: each fault with its fix, then what would be lost. */
export function handMadeNotes(h: HandMade): string[] {
  return [
    ...h.wrong.map((w) => `it ${w.wrong}; the new one ${w.instead}`),
    ...h.beyond.map((b) => `it also ${b}: replacing it loses that, so --adopt leaves it (--force replaces it anyway, keeping a .bak copy)`),
  ];
}
