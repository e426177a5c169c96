/**
 * The stack's Temporal dev server keeps its db file in SQLite's write-ahead-log mode (devServerStorageFlags in
 * src/stack/temporal-server.ts): with SQLite's default rollback journal every commit waited for two or more
 * fsyncs, and the dev server runs all persistence through one connection, so every workflow task of every
 * workflow queued behind the disk (bench:execution: started → PipelineRun p99 several times higher). Nothing
 * functional fails without it, hence this check. SQLite's file header tells the mode: bytes 18 and 19 (the file
 * format's write and read versions) are 2 in WAL mode, 1 with a rollback journal.
 */
import fs from 'node:fs';
import { stackLayout } from '../../src/stack/layout';
import { temporalConnection } from '../support/stack';

function headerVersions(file: string): { write: number; read: number; magic: string } {
  const header = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, header.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  return { magic: header.subarray(0, 16).toString('latin1'), write: header[18]!, read: header[19]! };
}

describe("the stack's Temporal db file", () => {
  it('is an SQLite database in write-ahead-log mode', async () => {
    const connection = await temporalConnection(); // the shared stack's Temporal serves: its db file is set up
    await connection.close();
    const versions = headerVersions(stackLayout().temporalDb);
    expect(versions).toEqual({ magic: 'SQLite format 3\u0000', write: 2, read: 2 });
  });
});
