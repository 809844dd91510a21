// The thread that owns a backtest's run database: it receives packed batches of event rows and writes each in
// one transaction, in order. Progress and the first failure are reported through shared memory, because the
// backtest's thread is busy computing (it never returns to its event loop until the run is over).
import { closeDb, openDb, type Db } from './client.ts';
import { createPackedInserter, type PackedBatch } from './row-codec.ts';
import { reportFailure, WriterSlot, type WriterCommand } from './writer-status.ts';

declare const self: Worker;

let status: Int32Array | undefined;
let errorBytes: Uint8Array | undefined;
let db: Db | undefined;
let insert: ((batch: PackedBatch) => void) | undefined;

function fail(err: unknown): void {
  if (status === undefined || errorBytes === undefined) throw err;
  reportFailure(status, errorBytes, err);
}

self.onmessage = (event: MessageEvent<WriterCommand>) => {
  const command = event.data;
  try {
    if (command.kind === 'open') {
      status = new Int32Array(command.status);
      errorBytes = new Uint8Array(command.error);
      db = openDb(command.path);
      insert = createPackedInserter(db);
      return;
    }
    if (status === undefined || Atomics.load(status, WriterSlot.failed) !== 0) return;
    if (command.kind === 'batch') {
      insert!(command.batch);
      Atomics.add(status, WriterSlot.rowsWritten, command.rows);
      Atomics.add(status, WriterSlot.batchesDone, 1);
      Atomics.notify(status, WriterSlot.batchesDone);
    } else if (command.kind === 'close') {
      if (db !== undefined) closeDb(db);
      db = undefined;
      Atomics.store(status, WriterSlot.closed, 1);
      Atomics.notify(status, WriterSlot.batchesDone);
    }
  } catch (err) {
    fail(err);
  }
};

self.addEventListener('error', (event) => fail(event.error ?? new Error(event.message)));
