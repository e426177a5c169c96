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

export interface RouteContext {
  reader: DataStorageReader;
  parameters: ParameterSchemas;
  /** Rejects with a 503 problem when `work` outlives the request deadline. */
  withinDeadline<T>(work: Promise<T>): Promise<T>;
  now(): Date;
}
