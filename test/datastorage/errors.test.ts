import {
  DataStorageError,
  DataStorageValidationError,
  isRetryableDatabaseError,
  toDataStorageError,
} from '../../src/datastorage/errors';

const pgError = (code: string, message = 'server error') => Object.assign(new Error(message), { code });
const nodeError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

describe('isRetryableDatabaseError', () => {
  it.each([
    ['connection refused', nodeError('ECONNREFUSED')],
    ['connection reset', nodeError('ECONNRESET')],
    ['DNS not yet resolvable', nodeError('EAI_AGAIN')],
    ['connection terminated by the server', new Error('Connection terminated unexpectedly')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['administrator shutdown (57P01)', pgError('57P01')],
    ['server starting up (57P03)', pgError('57P03')],
    ['serialization failure (40001)', pgError('40001')],
    ['deadlock (40P01)', pgError('40P01')],
    ['too many connections (53300)', pgError('53300')],
    ['connection exception class 08 (08006)', pgError('08006')],
    ['statement timeout (57014)', pgError('57014')],
    ['lock timeout (55P03)', pgError('55P03')],
    [
      'refused on every address (AggregateError)',
      new AggregateError([nodeError('ECONNREFUSED'), nodeError('ECONNREFUSED')]),
    ],
    ['a wrapped connection error', new Error('query failed', { cause: nodeError('ECONNRESET') })],
  ])('retries %s', (_what, err) => {
    expect(isRetryableDatabaseError(err)).toBe(true);
  });

  it.each([
    ['undefined table (42P01)', pgError('42P01')],
    ['syntax error (42601)', pgError('42601')],
    ['unique violation (23505)', pgError('23505')],
    ['check violation (23514)', pgError('23514')],
    ['invalid text representation (22P02)', pgError('22P02')],
    ['authentication failed (28P01)', pgError('28P01')],
    ['database does not exist (3D000)', pgError('3D000')],
    ['internal error (XX000)', pgError('XX000')],
    ['a plain programming error', new TypeError('x is not a function')],
    ['not an error at all', 'boom'],
  ])('does not retry %s', (_what, err) => {
    expect(isRetryableDatabaseError(err)).toBe(false);
  });

  it('trusts the verdict of a DataStorageError', () => {
    expect(isRetryableDatabaseError(new DataStorageError('x', { retryable: true }))).toBe(true);
    expect(isRetryableDatabaseError(new DataStorageValidationError('op', [{ path: '$.a', message: 'bad' }]))).toBe(
      false,
    );
  });
});

describe('toDataStorageError', () => {
  it('keeps the operation, the message, the SQLSTATE and the cause', () => {
    const cause = pgError('40P01', 'deadlock detected');
    const err = toDataStorageError('recordActions', cause);
    expect(err).toBeInstanceOf(DataStorageError);
    expect(err).toMatchObject({ retryable: true, code: '40P01', message: 'recordActions: deadlock detected (40P01)' });
    expect(err.cause).toBe(cause);
  });

  it('passes a DataStorageError through unchanged', () => {
    const original = new DataStorageValidationError('op', [{ path: '$[0].stepName', message: 'bad' }]);
    expect(toDataStorageError('other', original)).toBe(original);
  });
});

describe('DataStorageValidationError', () => {
  it('lists each problem with its JSON path and says nothing was changed', () => {
    const err = new DataStorageValidationError('completeActions', [
      { path: '$[1].completedAt', message: 'must not be before startedAt' },
      { path: '$[2].status', message: 'must be one of succeeded, failed, cancelled, skipped' },
    ]);
    expect(err.message).toBe(
      'completeActions: invalid input, nothing was changed: $[1].completedAt: must not be before startedAt; ' +
        '$[2].status: must be one of succeeded, failed, cancelled, skipped',
    );
    expect(err.retryable).toBe(false);
  });
});
