import { isDigestPinned, isFromAllowedRegistry, parseImageReference } from '../../src/domain/image-reference';

const DIGEST = 'sha256:347fabd5c622f93c9b29fc523e51063c21a12772105e265468ab21329f8a8915';

describe('parseImageReference', () => {
  it.each([
    ['busybox', { registry: 'docker.io', repository: 'library/busybox' }],
    ['bitnami/kubectl:1.30', { registry: 'docker.io', repository: 'bitnami/kubectl', tag: '1.30' }],
    [
      `ghcr.io/kubernaut/actions/kubectl@${DIGEST}`,
      { registry: 'ghcr.io', repository: 'kubernaut/actions/kubectl', digest: DIGEST },
    ],
    [
      `registry.local:5000/team/tool:v1@${DIGEST}`,
      { registry: 'registry.local:5000', repository: 'team/tool', tag: 'v1', digest: DIGEST },
    ],
    ['localhost/x', { registry: 'localhost', repository: 'x' }],
    ['ubuntu:22.04', { registry: 'docker.io', repository: 'library/ubuntu', tag: '22.04' }],
  ])('parses %s', (text, expected) => {
    expect(parseImageReference(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'must not be empty'],
    ['ghcr.io/Kubernaut/x', 'not a valid image reference'],
    ['x:', 'not a valid image reference'],
    ['x@sha256:abc', 'not a valid image reference'],
    [`x@sha256:${'A'.repeat(64)}`, 'malformed sha256 digest'],
    ['$(params.image)', 'not a valid image reference'],
    [`a/${'b'.repeat(260)}`, 'longer than 255'],
  ])('rejects %j (%s), showing the expected form', (text, why) => {
    const result = parseImageReference(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(why);
  });
});

describe('isDigestPinned', () => {
  it('is true only for a sha256 digest', () => {
    const pinned = parseImageReference(`ghcr.io/a/b@${DIGEST}`);
    const tagged = parseImageReference('ghcr.io/a/b:1');
    expect(pinned.ok && isDigestPinned(pinned.value)).toBe(true);
    expect(tagged.ok && isDigestPinned(tagged.value)).toBe(false);
  });
});

describe('isFromAllowedRegistry', () => {
  const ref = (text: string) => {
    const r = parseImageReference(text);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };

  it('matches a registry host', () => {
    expect(isFromAllowedRegistry(ref('ghcr.io/a/b:1'), ['ghcr.io'])).toBe(true);
    expect(isFromAllowedRegistry(ref('busybox'), ['ghcr.io'])).toBe(false);
    expect(isFromAllowedRegistry(ref('busybox'), ['docker.io'])).toBe(true);
  });

  it('matches repository prefixes on whole path segments', () => {
    expect(isFromAllowedRegistry(ref('ghcr.io/kubernaut/actions/kubectl:1'), ['ghcr.io/kubernaut'])).toBe(true);
    expect(isFromAllowedRegistry(ref('ghcr.io/kubernaut-evil/x:1'), ['ghcr.io/kubernaut'])).toBe(false);
    expect(isFromAllowedRegistry(ref('ghcr.io/kubernaut/x:1'), ['ghcr.io/kubernaut/'])).toBe(true);
  });
});
