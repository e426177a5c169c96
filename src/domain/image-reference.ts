/**
 * Container image references, parsed with the grammar of github.com/distribution/reference (the one
 * the kubelet and registries use), so an image accepted here is pullable syntax everywhere, plus the
 * two supply-chain policies a WFE can be held to: digest pinning and allowed registries.
 */

// distribution/reference regexp.go, without the rarely used IPv6 literal form.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const NAME_MAX = 255;

export const DEFAULT_REGISTRY = 'docker.io';

export interface ImageReference {
  /** Registry host (with port), `docker.io` when the reference names none. */
  registry: string;
  /** Repository path inside the registry, e.g. `kubernaut/actions/kubectl` (`library/x` for docker.io/x). */
  repository: string;
  tag?: string;
  digest?: string;
}

export type ImageReferenceResult = { ok: true; value: ImageReference } | { ok: false; message: string };

const SYNTAX_HELP =
  'write [registry/]repository[:tag][@sha256:<64 hex>], e.g. "ghcr.io/kubernaut/actions/kubectl@sha256:…" (repository in lowercase)';

export function parseImageReference(text: string): ImageReferenceResult {
  if (text.length === 0) return { ok: false, message: `image must not be empty; ${SYNTAX_HELP}` };
  const m = REFERENCE.exec(text);
  if (!m) return { ok: false, message: `"${text}" is not a valid image reference; ${SYNTAX_HELP}` };
  const [, , , tag, digest] = m;
  let domain: string | undefined = m[1];
  let path = m[2];
  // "foo/bar": "foo" is a registry only if it looks like a host (a '.', a port or localhost), as in docker.
  if (domain !== undefined && !/[.:]/.test(domain) && domain !== 'localhost' && domain === domain.toLowerCase()) {
    path = `${domain}/${path}`;
    domain = undefined;
  }
  const name = domain === undefined ? path : `${domain}/${path}`;
  if (name.length > NAME_MAX) {
    return { ok: false, message: `image name "${name}" is longer than ${NAME_MAX} characters` };
  }
  if (digest !== undefined && digest.startsWith('sha256:') && !SHA256_DIGEST.test(digest)) {
    return {
      ok: false,
      message: `"${text}" has a malformed sha256 digest; a sha256 digest is exactly 64 lowercase hex characters`,
    };
  }
  const registry = domain ?? DEFAULT_REGISTRY;
  const repository = domain === undefined && !path.includes('/') ? `library/${path}` : path;
  return {
    ok: true,
    value: { registry, repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) },
  };
}

/** Digest-pinned means the reference names content (`@sha256:…`), not a movable tag. */
export function isDigestPinned(ref: ImageReference): boolean {
  return ref.digest !== undefined && SHA256_DIGEST.test(ref.digest);
}

/**
 * Whether `ref` comes from one of `allowed`. An entry is a registry host (`ghcr.io`, `registry.local:5000`)
 * or a repository prefix (`ghcr.io/kubernaut/actions`), matched on whole path segments so that
 * `ghcr.io/kubernaut` does not admit `ghcr.io/kubernaut-evil/x`.
 */
export function isFromAllowedRegistry(ref: ImageReference, allowed: readonly string[]): boolean {
  const full = `${ref.registry}/${ref.repository}`;
  return allowed.some((entry) => {
    const prefix = entry.replace(/\/+$/, '');
    return ref.registry === prefix || full === prefix || full.startsWith(`${prefix}/`);
  });
}
