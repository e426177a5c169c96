/**
 * The static-token mode, for docker compose and other places without a Kubernetes API server: a file of
 * tokens in kube-apiserver's `--token-auth-file` format, one per line:
 *
 *     token,user[,uid[,"group1,group2"]]
 *
 * Blank lines and lines starting with # are ignored. Every token in the file may read everything the
 * API serves (it is read-only); a token not in the file is a 401. Tokens are compared by their SHA-256,
 * so lookups take the same time whatever the token.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AccessReviewer, Identity } from './access';

const hash = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');

/** Splits one CSV line (double quotes group a field that holds commas). */
function csvFields(line: string): string[] | undefined {
  const fields: string[] = [];
  const re = /\s*(?:"([^"]*)"|([^,"]*))\s*(,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    fields.push((m[1] ?? m[2] ?? '').trim());
    if (m[3] === '') return re.lastIndex === line.length ? fields : undefined;
  }
  return undefined;
}

/** Parses a token file's text; throws an error naming every bad line. */
export function parseTokenFile(text: string, source = 'token file'): Map<string, Identity> {
  const tokens = new Map<string, Identity>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const f = csvFields(line);
    const where = `${source}:${i + 1}`;
    if (!f || f.length < 2 || f.length > 4 || !f[0] || !f[1]) {
      problems.push(`${where}: expected token,user[,uid[,"group1,group2"]]`);
      return;
    }
    if (f[0].length < 16) {
      problems.push(`${where}: the token must be at least 16 characters`);
      return;
    }
    const key = hash(f[0]);
    if (tokens.has(key)) {
      problems.push(`${where}: the token is listed twice`);
      return;
    }
    tokens.set(key, {
      user: f[1],
      ...(f[2] ? { uid: f[2] } : {}),
      groups: (f[3] ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
    });
  });
  if (problems.length > 0) throw new Error(`invalid ${source}:\n  ${problems.join('\n  ')}`);
  if (tokens.size === 0) throw new Error(`${source} lists no token`);
  return tokens;
}

/** A token table from (token, identity) pairs, as parseTokenFile makes it (keyed by the tokens' hashes). */
export function tokenTable(entries: Iterable<[string, Identity]>): Map<string, Identity> {
  return new Map([...entries].map(([token, identity]) => [hash(token), identity]));
}

export function staticTokenReviewer(tokens: Map<string, Identity>): AccessReviewer {
  return {
    async authenticate(token) {
      const identity = tokens.get(hash(token));
      return identity
        ? { authenticated: true, identity }
        : { authenticated: false, reason: 'the token is not in the token file' };
    },
    async authorize() {
      return { allowed: true };
    },
  };
}

export function staticTokenReviewerFromFile(file: string): AccessReviewer {
  return staticTokenReviewer(parseTokenFile(fs.readFileSync(file, 'utf8'), file));
}
