/**
 * A Dockerfile parser for the checks in dockerfile.test.ts: instructions (keyword, arguments, flags, JSON
 * or shell form), line continuations, comments and parser directives, build stages, and `${ARG}`
 * substitution in FROM. It follows the Dockerfile reference for those; heredocs are not supported and
 * are reported as errors, so the checks never run on something they misread.
 */

export interface Instruction {
  keyword: string;
  /** Arguments after the flags, as written (continuations joined). */
  args: string;
  /** `--name=value` flags (e.g. COPY --from, RUN --mount). */
  flags: Record<string, string>;
  /** Exec (JSON array) form of RUN/CMD/ENTRYPOINT, when used. */
  json?: string[];
  line: number;
}

export interface Stage {
  /** Image reference as written, and with build arguments' defaults substituted. */
  from: string;
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  directives: Record<string, string>;
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

const DIRECTIVE = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/;

function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(args);
    if (!m) break;
    flags[m[1]] = m[2] ?? 'true';
    args = args.slice(m[0].length);
  }
  return { flags, args };
}

export function substituteArgs(text: string, args: Record<string, string | undefined>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, braced, fallback, bare) => {
      const name = braced ?? bare;
      const value = args[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      throw new Error(`build argument ${name} has no default`);
    },
  );
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n');
  const directives: Record<string, string> = {};
  const instructions: Instruction[] = [];
  let i = 0;
  // Parser directives: only at the very top, before any other line (even a comment or blank one).
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]);
    if (!m) break;
    directives[m[1].toLowerCase()] = m[2];
  }
  for (; i < lines.length; i++) {
    const first = lines[i];
    if (/^\s*(#.*)?$/.test(first)) continue;
    const start = i + 1;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, ' ');
      i++;
      // Comment lines inside a continued instruction are dropped, as Docker does.
      if (/^\s*#/.test(lines[i])) continue;
      joined += lines[i];
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(joined.trim());
    if (!m) throw new Error(`line ${start}: not an instruction: ${first}`);
    const keyword = m[1].toUpperCase();
    if (/<<-?\s*["']?[A-Za-z]/.test(m[2])) throw new Error(`line ${start}: heredocs are not supported by this parser`);
    const { flags, args } = splitFlags(m[2].trim());
    let json: string[] | undefined;
    if (['RUN', 'CMD', 'ENTRYPOINT'].includes(keyword) && args.startsWith('[')) {
      const parsed: unknown = JSON.parse(args);
      if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string'))
        throw new Error(`line ${start}: ${keyword} JSON form must be an array of strings`);
      json = parsed;
    }
    instructions.push({ keyword, args, flags, json, line: start });
  }

  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [from, as, name] = ins.args.split(/\s+/);
      if (as !== undefined && as.toUpperCase() !== 'AS') throw new Error(`line ${ins.line}: FROM <image> [AS <name>]`);
      stages.push({ from, image: substituteArgs(from, globalArgs), name, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: only ARG may precede the first FROM`);
      const [name, value] = ins.args.split('=', 2);
      globalArgs[name] = value;
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { directives, globalArgs, stages };
}

/** Repository, tag and digest of an image reference (`registry:5000/repo/name:tag@sha256:…`). */
export function parseImageReference(ref: string): { repository: string; tag?: string; digest?: string } {
  const [nameAndTag, digest] = ref.split('@');
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  return colon === -1
    ? { repository: nameAndTag, digest }
    : { repository: nameAndTag.slice(0, colon), tag: nameAndTag.slice(colon + 1), digest };
}
