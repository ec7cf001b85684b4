/**
 * The four path functions the hub needs (`join`, `dirname`, `basename`,
 * `isAbsolute`), giving what `node:path` gives on this platform. The hub
 * does not import `node:path`: loading it pulls in much of Deno's Node
 * compatibility layer (see docs/PERFORMANCE.md). On Windows `\` separates as `/`
 * does and paths may start with a drive (`C:`) or a share
 * (`\\server\share`); elsewhere only `/` separates. Windows' reserved
 * device names (`CON`, `NUL`, …), which `node:path` treats apart, are not.
 *
 * @module
 */

/** The path functions of one platform's rules. */
export interface PathFunctions {
  /** Joins the non-empty `parts` with the separator and normalizes the result (`.`, `..`, repeated separators); `.` when all are empty. */
  join(...parts: string[]): string;
  /** The path without its last segment (trailing separators ignored); `.` when there is none. */
  dirname(path: string): string;
  /** The last segment of `path` (trailing separators ignored). */
  basename(path: string): string;
  /** Whether `path` starts at a root (on Windows also `C:\` or a share). */
  isAbsolute(path: string): boolean;
}

/** Where a path's root ends, as `node:path` reads it. */
interface Root {
  /** `C:` or `\\server\share` on Windows, else empty. */
  device: string;
  absolute: boolean;
  /** The index after the root and the separator that closes it. */
  end: number;
}

const UNC = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)/;
const DRIVE = /^[A-Za-z]:/;

function isSep(char: string | undefined, windows: boolean): boolean {
  return char === "/" || (windows && char === "\\");
}

function rootOf(path: string, windows: boolean): Root {
  if (!windows) {
    const absolute = path.startsWith("/");
    return { device: "", absolute, end: absolute ? 1 : 0 };
  }
  const unc = path.match(UNC);
  if (unc) {
    const end = unc[0].length;
    return {
      device: `\\\\${unc[1]}\\${unc[2]}`,
      absolute: true,
      end: end < path.length ? end + 1 : end,
    };
  }
  if (isSep(path[0], true)) return { device: "", absolute: true, end: 1 };
  if (DRIVE.test(path)) {
    const absolute = isSep(path[2], true);
    return { device: path.slice(0, 2), absolute, end: absolute ? 3 : 2 };
  }
  return { device: "", absolute: false, end: 0 };
}

function normalizeFor(path: string, windows: boolean): string {
  if (windows && path.length === 1) return isSep(path, true) ? "\\" : path;
  // `\\.\` and `\\?\` open Windows' device namespaces: node:path keeps
  // that prefix as the root when it normalizes.
  const root = windows && /^[\\/]{2}[.?][\\/]+[^\\/]/.test(path)
    ? { device: `\\\\${path[2]}`, absolute: true, end: 4 }
    : rootOf(path, windows);
  const sep = windows ? "\\" : "/";
  const kept: string[] = [];
  for (const segment of path.slice(root.end).split(windows ? /[\\/]/ : "/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") kept.push(segment);
    else if (kept.length > 0 && kept.at(-1) !== "..") kept.pop();
    else if (!root.absolute) kept.push("..");
  }
  let tail = kept.join(sep);
  if (tail === "" && !root.absolute) tail = ".";
  if (tail !== "" && isSep(path.at(-1), windows)) tail += sep;
  // A relative Windows path must not come out as one that names a drive
  // or a stream (node:path does this since CVE-2024-36139).
  if (
    windows && !root.absolute && root.device === "" &&
    (DRIVE.test(tail) || /:(?:$|[\\/])/.test(path))
  ) {
    return `.\\${tail}`;
  }
  return root.device + (root.absolute ? sep : "") + tail;
}

function joinFor(parts: string[], windows: boolean): string {
  const given = parts.filter((part) => part !== "");
  if (given.length === 0) return ".";
  let joined = given.join(windows ? "\\" : "/");
  // Leading separators read as a share only when the first part starts
  // with exactly two (and a name); otherwise node:path keeps one of them.
  if (windows && !/^[\\/]{2}[^\\/]/.test(given[0]!)) {
    let count = 0;
    while (isSep(joined[count], true)) count++;
    if (count >= 2) joined = `\\${joined.slice(count)}`;
  }
  return normalizeFor(joined, windows);
}

function dirnameFor(path: string, windows: boolean): string {
  if (path === "") return ".";
  const root = rootOf(path, windows);
  let end = -1;
  let inName = false;
  for (let i = path.length - 1; i >= Math.max(root.end, 1); i--) {
    if (!isSep(path[i], windows)) inName = true;
    else if (inName) {
      end = i;
      break;
    }
  }
  if (end === -1) return root.end > 0 ? path.slice(0, root.end) : ".";
  // POSIX keeps a leading `//` (it may name something else than `/`).
  if (!windows && end === 1 && root.absolute) return "//";
  return path.slice(0, end);
}

function basenameFor(path: string, windows: boolean): string {
  const start = windows && DRIVE.test(path) ? 2 : 0;
  let end = path.length;
  while (end > start && isSep(path[end - 1], windows)) end--;
  let begin = end;
  while (begin > start && !isSep(path[begin - 1], windows)) begin--;
  return path.slice(begin, end);
}

function functionsFor(windows: boolean): PathFunctions {
  return {
    join: (...parts) => joinFor(parts, windows),
    dirname: (path) => dirnameFor(path, windows),
    basename: (path) => basenameFor(path, windows),
    isAbsolute: (path) => rootOf(path, windows).absolute,
  };
}

/** The POSIX rules, whatever the platform. */
export const posix: PathFunctions = functionsFor(false);
/** The Windows rules, whatever the platform. */
export const windows: PathFunctions = functionsFor(true);

const here = Deno.build.os === "windows" ? windows : posix;

/** {@linkcode PathFunctions.join} by this platform's rules. */
export function join(...parts: string[]): string {
  return here.join(...parts);
}

/** {@linkcode PathFunctions.dirname} by this platform's rules. */
export function dirname(path: string): string {
  return here.dirname(path);
}

/** {@linkcode PathFunctions.basename} by this platform's rules. */
export function basename(path: string): string {
  return here.basename(path);
}

/** {@linkcode PathFunctions.isAbsolute} by this platform's rules. */
export function isAbsolute(path: string): boolean {
  return here.isAbsolute(path);
}
