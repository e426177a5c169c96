/** What every route module receives from the server: the data, the parameter schemas and the limits. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DataStorageReader } from '../../datastorage/reader';
import type { ParameterSchemas } from '../parameters';

export type ApiInstance = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * A JSON body assembled from documents PostgreSQL built (records). fastify sends a string with a JSON
 * content type as it is, without the serializer; the contract tests check it like any other answer.
 */
export function jsonText(parts: Record<string, string>): string {
  return `{${Object.entries(parts)
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(',')}}`;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface RouteContext {
  reader: DataStorageReader;
  parameters: ParameterSchemas;
  /** Rejects with a 503 problem when `work` outlives the request deadline. */
  withinDeadline<T>(work: Promise<T>): Promise<T>;
  now(): Date;
}
