import { discoveryGroups, openApiV3GroupVersion, openApiV3Root } from '../../src/stack/discovery-front';

const crds = {
  items: [
    {
      spec: {
        group: 'kubernaut.ai',
        names: { kind: 'WorkflowExecution', plural: 'workflowexecutions' },
        scope: 'Namespaced' as const,
        versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      },
    },
    {
      spec: {
        group: 'tekton.dev',
        names: { kind: 'PipelineRun', plural: 'pipelineruns' },
        scope: 'Namespaced' as const,
        versions: [
          { name: 'v1beta1', served: false, storage: false },
          { name: 'v1', served: true, storage: true },
        ],
      },
    },
  ],
};

describe('discovery front', () => {
  it('lists every served CRD group with its storage version preferred, plus apiextensions', () => {
    const groups = discoveryGroups(crds);
    expect(groups.map((g) => g.name).sort()).toEqual(['apiextensions.k8s.io', 'kubernaut.ai', 'tekton.dev']);
    const tekton = groups.find((g) => g.name === 'tekton.dev')!;
    expect(tekton.versions).toEqual([{ groupVersion: 'tekton.dev/v1', version: 'v1' }]);
    expect(tekton.preferredVersion.version).toBe('v1');
  });

  it('announces an OpenAPI v3 document per served group-version', () => {
    expect(Object.keys(openApiV3Root(crds).paths).sort()).toEqual([
      'apis/apiextensions.k8s.io/v1',
      'apis/kubernaut.ai/v1alpha1',
      'apis/tekton.dev/v1',
    ]);
  });

  it('declares fieldValidation on PATCH so kubectl leaves validation to the server', () => {
    const doc = openApiV3GroupVersion(crds, 'kubernaut.ai', 'v1alpha1') as {
      paths: Record<string, { patch?: { parameters: { name: string }[]; 'x-kubernetes-group-version-kind': unknown } }>;
    };
    const patch = doc.paths['/apis/kubernaut.ai/v1alpha1/namespaces/{namespace}/workflowexecutions/{name}']!.patch!;
    expect(patch.parameters.map((p) => p.name)).toContain('fieldValidation');
    expect(patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      kind: 'WorkflowExecution',
    });
  });
});
