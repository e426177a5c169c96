import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../src/domain/names';
import { indexedValueTypeOf, searchAttributeFlags } from '../../src/temporal-client/search-attribute-registration';
import { SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTE_TYPES } from '../../src/workflows/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;

describe('search attribute registration', () => {
  it('registers Keyword and KeywordList attributes with the operator service’s indexed value types', () => {
    expect(indexedValueTypeOf(SEARCH_ATTRIBUTES.namespace)).toBe(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(indexedValueTypeOf(SEARCH_ATTRIBUTES.actionTypes)).toBe(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
  });

  it('gives the dev server one --search-attribute flag per attribute', () => {
    expect(searchAttributeFlags()).toEqual([
      '--search-attribute=KubernautWorkflowExecution=Keyword',
      '--search-attribute=KubernautNamespace=Keyword',
      '--search-attribute=KubernautRemediation=Keyword',
      '--search-attribute=KubernautTarget=Keyword',
      '--search-attribute=KubernautActionTypes=KeywordList',
      '--search-attribute=KubernautPhase=Keyword',
    ]);
  });

  it('types each workflow-side key as the attribute is registered', () => {
    for (const [key, attribute] of Object.entries(SEARCH_ATTRIBUTES)) {
      expect(SEARCH_ATTRIBUTE_KEYS[key as keyof typeof SEARCH_ATTRIBUTE_KEYS]).toEqual({
        name: attribute.name,
        type: SEARCH_ATTRIBUTE_TYPES[attribute.type],
      });
    }
  });
});
