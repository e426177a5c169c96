/**
 * Whether a path of the build context survives .dockerignore, by Docker's rules: patterns are matched in
 * order and the last match decides (`!` re-includes); `*` and `?` stay within one path segment, `**`
 * spans any number of them; a pattern matching a directory also excludes everything below it.
 */

function patternToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A match on a directory covers its contents.
  return new RegExp(`^${out}(/.*)?$`);
}

export interface DockerIgnore {
  /** True when `path` (relative, `/`-separated) is sent to the builder. */
  includes(path: string): boolean;
}

export function parseDockerIgnore(text: string): DockerIgnore {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const pattern = (negated ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, re: patternToRegExp(pattern) };
    });
  return {
    includes(path) {
      const p = path.replace(/^\.\//, '').replace(/\/+$/, '');
      let included = true;
      for (const r of rules) if (r.re.test(p)) included = r.negated;
      return included;
    },
  };
}
