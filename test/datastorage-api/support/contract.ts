/**
 * Checks HTTP responses against the OpenAPI document the API serves, with @hyperjump/json-schema's
 * OpenAPI 3.1 dialect: the document itself against the OpenAPI 3.1 schema, and each response body against
 * the schema the document gives for its operation, status and content type. A response whose status or
 * content type the document does not list fails: it is undocumented.
 *
 * Values are parsed here (JSON.parse in the test's realm): the validator rejects objects from another
 * realm, such as those fetch's own json() makes under jest.
 */
import { registerSchema, setShouldValidateFormat, validate } from '@hyperjump/json-schema/openapi-3-1';
import type { ApiResponse } from './api';

setShouldValidateFormat(true);

export interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<string, { operationId: string; responses: Record<string, { content?: Record<string, unknown> }> }>
  >;
}

let registered = 0;

export interface Contract {
  document: OpenApiDocument;
  /** Validation errors of `response` for the operation at `pathTemplate` (empty when it conforms). */
  check(method: string, pathTemplate: string, response: ApiResponse): Promise<string[]>;
}

export async function loadContract(documentText: string): Promise<Contract> {
  const document = JSON.parse(documentText) as OpenApiDocument;
  const docValid = await validate('https://spec.openapis.org/oas/3.1/schema-base', document as never, 'BASIC');
  if (!docValid.valid)
    throw new Error(`the served document is not valid OpenAPI 3.1: ${JSON.stringify(docValid.errors)}`);
  const uri = `https://contract.test/${++registered}/openapi.json`;
  registerSchema(document as never, uri, 'https://spec.openapis.org/oas/3.1/dialect/base');
  const escape = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
  return {
    document,
    async check(method, pathTemplate, response) {
      const operation = document.paths[pathTemplate]?.[method.toLowerCase()];
      if (!operation) return [`${method} ${pathTemplate} is not in the document`];
      const documented = operation.responses[String(response.status)];
      if (!documented) return [`${operation.operationId}: status ${response.status} is not documented`];
      if (!documented.content?.[response.contentType])
        return [`${operation.operationId}: ${response.status} ${response.contentType} is not documented`];
      const pointer = [
        'paths',
        pathTemplate,
        method.toLowerCase(),
        'responses',
        String(response.status),
        'content',
        response.contentType,
        'schema',
      ]
        .map(escape)
        .join('/');
      const value = /json$/.test(response.contentType) ? JSON.parse(response.text) : response.text;
      const out = await validate(`${uri}#/${pointer}`, value, 'BASIC');
      return out.valid
        ? []
        : (out.errors ?? []).map(
            (e) =>
              `${operation.operationId} ${response.status}: ${e.instanceLocation} fails ${e.absoluteKeywordLocation}`,
          );
    },
  };
}
