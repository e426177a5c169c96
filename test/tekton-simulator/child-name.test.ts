import { createHash } from 'node:crypto';
import { childName, podName, taskRunName } from '../../src/tekton-simulator/child-name';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('childName (kmeta.ChildName)', () => {
  it('concatenates parent and suffix while the result fits in 63 characters', () => {
    expect(taskRunName('wfe-restart-7f3a', 'scale-up')).toBe('wfe-restart-7f3a-scale-up');
    expect(childName('a'.repeat(59), '-pod')).toBe(`${'a'.repeat(59)}-pod`);
  });

  it('truncates a long parent and inserts its md5 so the name is 63 characters and still unique', () => {
    const parent = `wfe-${'x'.repeat(60)}`;
    const name = taskRunName(parent, 'restart');
    expect(name).toHaveLength(63);
    expect(name).toBe(`${parent.slice(0, 31 - '-restart'.length)}${md5(parent)}-restart`);
    expect(taskRunName(`${parent}y`, 'restart')).not.toBe(name);
  });

  it('hashes parent and suffix together when the suffix alone is too long to keep a parent prefix', () => {
    const suffix = `-${'s'.repeat(40)}`;
    const name = childName('p'.repeat(40), suffix);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toContain(md5('p'.repeat(40) + suffix));
    expect(name).toMatch(/[a-z0-9]$/);
  });

  it('names pods <taskRun>-pod and retries <taskRun>-pod-retry<N>', () => {
    expect(podName('wfe-restart-7f3a-a', 0)).toBe('wfe-restart-7f3a-a-pod');
    expect(podName('wfe-restart-7f3a-a', 2)).toBe('wfe-restart-7f3a-a-pod-retry2');
  });
});
