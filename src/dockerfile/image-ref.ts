import { ARCHES, type Arch } from '../arch.js';
import { isDockerHubHost, parseImageRef, type ParsedRef } from '../registry/reference.js';

/** An image reference split with the offsets of its parts, so the rewrite can change the path alone. */
export type ImageRef = ParsedRef;
export { parseImageRef };

export function isDockerHub(ref: ImageRef): boolean {
  return ref.registry === null || isDockerHubHost(ref.registry);
}

/**
 * Docker Hub namespaces that hold official images for one architecture but have no arch in our
 * table (Windows). Not arch facts we build for, only names we must recognise to refuse them.
 */
const UNSUPPORTED_ARCH_PREFIXES = ['winamd64'];

/**
 * Windows-only repositories under Microsoft's old Docker Hub names (before mcr.microsoft.com),
 * which old Dockerfiles still name; and the mcr.microsoft.com paths that hold only Windows images.
 */
const WINDOWS_HUB_REPOSITORIES = [
  'microsoft/windowsservercore',
  'microsoft/nanoserver',
  'microsoft/iis',
  'microsoft/aspnet',
  'microsoft/dotnet-framework',
  'microsoft/dotnet-framework-build',
  'microsoft/wcf',
  'microsoft/mssql-server-windows',
  'microsoft/mssql-server-windows-developer',
  'microsoft/mssql-server-windows-express',
];
const WINDOWS_MCR_PATHS = /^(windows|dotnet\/framework)(\/|$)/;
/** Windows tags: `ltsc2022`, `windowsservercore-1809`, `nanoserver`, `4.8-windowsservercore-ltsc2019`. */
const WINDOWS_TAG = /windowsservercore|nanoserver|(^|[-_.])ltsc20\d\d/i;

export type Classification =
  { kind: 'official'; image: string; prefix: string | null } | { kind: 'other' } | { kind: 'unmappable'; why: string };

export function classify(ref: ImageRef): Classification {
  const windowsTag = ref.tag !== null && WINDOWS_TAG.test(ref.tag);
  if (ref.registry?.toLowerCase() === 'mcr.microsoft.com' && WINDOWS_MCR_PATHS.test(ref.path)) {
    return { kind: 'unmappable', why: 'is a Windows image' };
  }
  if (isDockerHub(ref) && WINDOWS_HUB_REPOSITORIES.includes(ref.path.toLowerCase()))
    return { kind: 'unmappable', why: 'is a Windows image' };
  if (!isDockerHub(ref)) return windowsTag ? { kind: 'unmappable', why: 'is a Windows image' } : { kind: 'other' };
  const parts = ref.path.split('/');
  if (parts.length > 2) return { kind: 'other' };
  const [prefix, image] = parts.length === 1 ? [null, parts[0]] : parts;
  if (prefix !== null && UNSUPPORTED_ARCH_PREFIXES.includes(prefix)) {
    return { kind: 'unmappable', why: `carries the arch prefix ${prefix}/, which create-multiarch-hooks has no arch for` };
  }
  const official = prefix === null || prefix === 'library' || ARCHES.some((a) => a.name === prefix);
  if (!official) return windowsTag ? { kind: 'unmappable', why: 'is a Windows image' } : { kind: 'other' };
  if (windowsTag) return { kind: 'unmappable', why: 'is a Windows image' };
  return { kind: 'official', image, prefix };
}

/** An edit of the reference text: replace [start, end) by `text` (start === end inserts). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * `alpine:3.20` -> `arm64v8/alpine:3.20`: the arch's twin of an official image, tag and
 * `docker.io/` kept, `index.docker.io/` dropped, `library/` or another arch prefix replaced.
 */
export function officialTwin(ref: ImageRef, arch: Arch): { edits: TextEdit[]; text: string } {
  const edits: TextEdit[] = [];
  if (ref.registry !== null && ref.registry.toLowerCase() !== 'docker.io') edits.push({ start: 0, end: ref.pathStart, text: '' });
  const slash = ref.path.indexOf('/');
  if (slash === -1) edits.push({ start: ref.pathStart, end: ref.pathStart, text: `${arch.name}/` });
  else if (ref.path.slice(0, slash) !== arch.name) edits.push({ start: ref.pathStart, end: ref.pathStart + slash, text: arch.name });
  return { edits, text: applyTextEdits(ref.text, edits) };
}

export function applyTextEdits(text: string, edits: TextEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}
