import fc from 'fast-check';
import { isDns1123Label, isDns1123Subdomain, isLabelValue, toLabelValue } from '../../src/domain/kubernetes-names';
import {
  formatTargetResource,
  hasTargetResourceShape,
  isTargetSegment,
  parseTargetResource,
} from '../../src/domain/target-resource';

describe('Kubernetes names', () => {
  it.each([
    ['a', true],
    ['restart-pods', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['-a', false],
    ['a-', false],
    ['A', false],
    ['a_b', false],
    ['a.b', false],
  ])('DNS-1123 label %j → %s', (value, ok) => {
    expect(isDns1123Label(value)).toBe(ok);
  });

  it('accepts dotted DNS-1123 subdomains', () => {
    expect(isDns1123Subdomain('db.primary')).toBe(true);
    expect(isDns1123Subdomain('db..primary')).toBe(false);
  });
});

describe('toLabelValue', () => {
  it('keeps values that are already valid', () => {
    expect(toLabelValue('dag-remediation')).toBe('dag-remediation');
    expect(toLabelValue('')).toBe('');
  });

  it("writes '/' as '__' like upstream kubernaut", () => {
    expect(toLabelValue('demo/Deployment/payment-api')).toBe('demo__Deployment__payment-api');
  });

  it('truncates long values with a hash so different values stay different', () => {
    const a = toLabelValue(`ns/Deployment/${'x'.repeat(80)}-a`);
    const b = toLabelValue(`ns/Deployment/${'x'.repeat(80)}-b`);
    expect(a).toHaveLength(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^ns__Deployment__x+-[0-9a-f]{8}$/);
  });

  it('always yields a valid label value, deterministically', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const value = toLabelValue(text);
        expect(isLabelValue(value)).toBe(true);
        expect(toLabelValue(text)).toBe(value);
      }),
    );
  });
});

describe('parseTargetResource', () => {
  it('parses namespaced and cluster-scoped targets', () => {
    expect(parseTargetResource('demo/Deployment/payment-api')).toEqual({
      ok: true,
      value: { namespace: 'demo', kind: 'Deployment', name: 'payment-api' },
    });
    expect(parseTargetResource('Node/worker-1')).toEqual({ ok: true, value: { kind: 'Node', name: 'worker-1' } });
  });

  it('round-trips through formatTargetResource', () => {
    for (const text of ['demo/Deployment/payment-api', 'Node/worker-1']) {
      const parsed = parseTargetResource(text);
      expect(parsed.ok && formatTargetResource(parsed.value)).toBe(text);
    }
  });

  it('says which part is wrong and what the format is', () => {
    const result = parseTargetResource('demo/deployment/x');
    expect(result).toEqual({ ok: false, message: expect.stringContaining('kind "deployment"') });
    if (!result.ok) expect(result.message).toContain("'namespace/Kind/name'");
  });
});

describe('formatTargetResource', () => {
  it('writes namespace/Kind/name or Kind/name', () => {
    expect(formatTargetResource({ kind: 'Deployment', name: 'web', namespace: 'shop' })).toBe('shop/Deployment/web');
    expect(formatTargetResource({ kind: 'Node', name: 'worker-3' })).toBe('Node/worker-3');
  });
});

/** Mostly well-formed targets, some breaking a naming rule, so both outcomes of the parser occur. */
const targetResourceText = fc
  .tuple(
    fc.option(fc.stringMatching(/^[a-z0-9][-a-z0-9]{0,6}$/), { nil: undefined }),
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,6}$/),
    fc.stringMatching(/^[a-z0-9][-a-z0-9.]{0,6}$/),
  )
  .map(([namespace, kind, name]) => formatTargetResource({ namespace, kind, name }));

describe('hasTargetResourceShape', () => {
  it.each(['demo/Deployment/payment-api', 'Node/worker-1', 'shop/deployment/Web_1', 'a/b'])('accepts %s', (text) => {
    expect(hasTargetResourceShape(text)).toBe(true);
  });

  it.each(['web', 'prod//web', '/Deployment/web', 'a/b/c/d', 'prod/Deploy ment/web', 'prod/Deployment/web\n', ''])(
    'rejects %j',
    (text) => {
      expect(hasTargetResourceShape(text)).toBe(false);
    },
  );

  it('holds for every target parseTargetResource accepts', () => {
    fc.assert(
      fc.property(targetResourceText, (text) => {
        if (parseTargetResource(text).ok) expect(hasTargetResourceShape(text)).toBe(true);
      }),
    );
  });

  it('is made of segments as isTargetSegment says', () => {
    expect(['web', 'Deployment', 'a.b-c_d'].every(isTargetSegment)).toBe(true);
    expect(['', ' web', 'a/b', 'tab\there', 3, undefined].some(isTargetSegment)).toBe(false);
  });
});
