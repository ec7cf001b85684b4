/**
 * Path globs for file reservations, and an exact test of whether two globs
 * can match a common path.
 *
 * Syntax: `*` matches any run of characters other than `/`; `?` one character
 * other than `/`; `[abc]`, `[a-z]`, `[!a-z]` (or `[^a-z]`) one character of
 * (or not of) a class, never `/`; `**` as a whole segment (`**`, `a/**`,
 * `**\/b`, `a/**\/b`) matches zero or more whole segments; `\` escapes the
 * next character. Anything else is literal, an unclosed `[` included, and so
 * is a whole pattern longer than {@linkcode MAX_GLOB_CHARS}. Dot
 * files get no special treatment: `*` matches `.env`.
 *
 * Each glob compiles to a small nondeterministic automaton over path
 * characters; two globs overlap when the product of their automata accepts
 * some string, found by a breadth-first search.
 *
 * @module
 */

/** A set of characters one automaton edge accepts. */
type CharSet =
  | { kind: "char"; code: number }
  | { kind: "class"; negate: boolean; ranges: [number, number][] }
  | { kind: "any"; slash: boolean };

interface Edge {
  set: CharSet;
  to: number;
}

interface State {
  edges: Edge[];
  eps: number[];
}

/** A compiled glob: states, the start state and the accepting state. */
interface Automaton {
  states: State[];
  start: number;
  accept: number;
}

const SLASH = 0x2f;

/**
 * Patterns longer than this are taken literally, which bounds the work of
 * one overlap test (the product of two automata) whatever clients send.
 */
export const MAX_GLOB_CHARS = 256;

/**
 * No file path is longer (Linux `PATH_MAX`); a longer string held against a
 * glob is assumed to overlap it, which keeps one test cheap and errs on the
 * side of refusing.
 */
export const MAX_PATH_CHARS = 4096;

/** True when the pattern uses glob syntax (otherwise it names one path). */
export function isGlob(pattern: string): boolean {
  return pattern.length <= MAX_GLOB_CHARS && /[*?[\\]/.test(pattern);
}

/**
 * Whether two reservation patterns can match a common path. Identical strings
 * always overlap; literal paths are patterns without glob syntax.
 *
 * @param a one pattern or path
 * @param b another pattern or path
 * @returns true when some path matches both
 */
export function globsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const globA = isGlob(a);
  const globB = isGlob(b);
  if (!globA && !globB) return false;
  if (!globA) return accepts(compiled(b), a);
  if (!globB) return accepts(compiled(a), b);
  return intersects(compiled(a), compiled(b));
}

/**
 * Whether a concrete path matches a pattern (the path is taken literally).
 *
 * @param pattern a reservation pattern
 * @param path a file path
 * @returns true when the pattern matches the path
 */
export function globMatches(pattern: string, path: string): boolean {
  if (pattern === path) return true;
  return isGlob(pattern) && accepts(compiled(pattern), path);
}

/** Recently compiled patterns: a check runs many paths against few holders. */
const CACHE = new Map<string, Automaton>();
const CACHE_SIZE = 1024;

function compiled(pattern: string): Automaton {
  let automaton = CACHE.get(pattern);
  if (automaton === undefined) {
    automaton = compile(pattern);
    if (CACHE.size >= CACHE_SIZE) {
      CACHE.delete(CACHE.keys().next().value as string);
    }
    CACHE.set(pattern, automaton);
  }
  return automaton;
}

function newState(states: State[]): number {
  states.push({ edges: [], eps: [] });
  return states.length - 1;
}

/** Compiles a glob to an automaton (see the module comment for the syntax). */
function compile(pattern: string): Automaton {
  const chars = [...pattern];
  const states: State[] = [];
  const start = newState(states);
  let at = start;
  let i = 0;
  const atSegmentStart = (k: number) => k === 0 || chars[k - 1] === "/";
  while (i < chars.length) {
    const ch = chars[i]!;
    if (ch === "*") {
      let j = i;
      while (chars[j] === "*") j++;
      const whole = j - i >= 2 && atSegmentStart(i) &&
        (j === chars.length || chars[j] === "/");
      if (whole && j < chars.length) {
        // `**/`: zero or more whole segments, each ending in `/`.
        const hub = newState(states);
        const loop = newState(states);
        const next = newState(states);
        states[at]!.eps.push(hub);
        states[hub]!.eps.push(next, loop);
        states[loop]!.edges.push({
          set: { kind: "any", slash: false },
          to: loop,
        });
        states[loop]!.edges.push({
          set: { kind: "char", code: SLASH },
          to: hub,
        });
        at = next;
        i = j + 1;
        continue;
      }
      // `**` at the end matches anything; a lone `*` stays inside a segment.
      const loop = newState(states);
      states[at]!.eps.push(loop);
      states[loop]!.edges.push({
        set: { kind: "any", slash: whole },
        to: loop,
      });
      at = loop;
      i = j;
      continue;
    }
    let set: CharSet;
    if (ch === "?") {
      set = { kind: "any", slash: false };
      i++;
    } else if (ch === "[") {
      const parsed = parseClass(chars, i);
      if (parsed) {
        set = parsed.set;
        i = parsed.end;
      } else {
        set = { kind: "char", code: 0x5b };
        i++;
      }
    } else if (ch === "\\" && i + 1 < chars.length) {
      set = { kind: "char", code: chars[i + 1]!.codePointAt(0)! };
      i += 2;
    } else {
      set = { kind: "char", code: ch.codePointAt(0)! };
      i++;
    }
    const next = newState(states);
    states[at]!.edges.push({ set, to: next });
    at = next;
  }
  return { states, start, accept: at };
}

/** Parses `[...]` starting at `i`; undefined when it is not closed. */
function parseClass(
  chars: string[],
  i: number,
): { set: CharSet; end: number } | undefined {
  let k = i + 1;
  let negate = false;
  if (chars[k] === "!" || chars[k] === "^") {
    negate = true;
    k++;
  }
  const ranges: [number, number][] = [];
  let first = true;
  while (k < chars.length) {
    let ch = chars[k]!;
    if (ch === "]" && !first) {
      return { set: { kind: "class", negate, ranges }, end: k + 1 };
    }
    first = false;
    if (ch === "\\" && k + 1 < chars.length) {
      k++;
      ch = chars[k]!;
    }
    const lo = ch.codePointAt(0)!;
    if (
      chars[k + 1] === "-" && k + 2 < chars.length && chars[k + 2] !== "]"
    ) {
      let hiCh = chars[k + 2]!;
      let step = 3;
      if (hiCh === "\\" && k + 3 < chars.length) {
        hiCh = chars[k + 3]!;
        step = 4;
      }
      const hi = hiCh.codePointAt(0)!;
      if (lo <= hi) ranges.push([lo, hi]);
      k += step;
    } else {
      ranges.push([lo, lo]);
      k++;
    }
  }
  return undefined;
}

function contains(set: CharSet, code: number): boolean {
  switch (set.kind) {
    case "char":
      return set.code === code;
    case "any":
      return set.slash || code !== SLASH;
    case "class": {
      if (code === SLASH) return false;
      const inside = set.ranges.some(([lo, hi]) => code >= lo && code <= hi);
      return inside !== set.negate;
    }
  }
}

/** Codes where membership of a set can change; a common member exists iff one of these is one. */
function boundaries(set: CharSet, into: Set<number>): void {
  switch (set.kind) {
    case "char":
      into.add(set.code);
      break;
    case "any":
      into.add(SLASH);
      into.add(SLASH + 1);
      break;
    case "class":
      for (const [lo, hi] of set.ranges) {
        into.add(lo);
        into.add(hi + 1);
      }
      into.add(SLASH);
      into.add(SLASH + 1);
      break;
  }
}

function setsMeet(a: CharSet, b: CharSet): boolean {
  if (a.kind === "char") return contains(b, a.code);
  if (b.kind === "char") return contains(a, b.code);
  const candidates = new Set<number>([0]);
  boundaries(a, candidates);
  boundaries(b, candidates);
  for (const code of candidates) {
    if (code <= 0x10ffff && contains(a, code) && contains(b, code)) {
      return true;
    }
  }
  return false;
}

function closure(a: Automaton, from: number): number[] {
  const seen = new Set([from]);
  const stack = [from];
  while (stack.length) {
    const s = stack.pop()!;
    for (const t of a.states[s]!.eps) {
      if (!seen.has(t)) {
        seen.add(t);
        stack.push(t);
      }
    }
  }
  return [...seen];
}

/** Every state's closure, computed once per automaton. */
const CLOSURES = new WeakMap<Automaton, number[][]>();

function closuresOf(a: Automaton): number[][] {
  let all = CLOSURES.get(a);
  if (all === undefined) {
    all = a.states.map((_, s) => closure(a, s));
    CLOSURES.set(a, all);
  }
  return all;
}

/** Runs the automaton over one path (taken literally): O(path x states). */
function accepts(a: Automaton, path: string): boolean {
  if (path.length > MAX_PATH_CHARS) return true;
  const n = a.states.length;
  const closures = closuresOf(a);
  let current: number[] = closures[a.start]!;
  const mark = new Int32Array(n).fill(-1);
  let step = 0;
  for (const ch of path) {
    const code = ch.codePointAt(0)!;
    const next: number[] = [];
    for (const s of current) {
      for (const e of a.states[s]!.edges) {
        if (!contains(e.set, code)) continue;
        for (const t of closures[e.to]!) {
          if (mark[t] !== step) {
            mark[t] = step;
            next.push(t);
          }
        }
      }
    }
    if (!next.length) return false;
    current = next;
    step++;
  }
  return current.includes(a.accept);
}

/** Breadth-first search of the product automaton for a common accepted string. */
function intersects(a: Automaton, b: Automaton): boolean {
  const closuresA = closuresOf(a);
  const closuresB = closuresOf(b);
  const width = b.states.length;
  const seen = new Set<number>();
  const queue: [number, number][] = [];
  const push = (x: number, y: number) => {
    for (const cx of closuresA[x]!) {
      for (const cy of closuresB[y]!) {
        const key = cx * width + cy;
        if (!seen.has(key)) {
          seen.add(key);
          queue.push([cx, cy]);
        }
      }
    }
  };
  push(a.start, b.start);
  while (queue.length) {
    const [x, y] = queue.shift()!;
    if (x === a.accept && y === b.accept) return true;
    for (const ea of a.states[x]!.edges) {
      for (const eb of b.states[y]!.edges) {
        if (setsMeet(ea.set, eb.set)) push(ea.to, eb.to);
      }
    }
  }
  return false;
}
