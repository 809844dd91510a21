// The run DB written on another thread (a Bun Worker owning the SQLite connection), so that writing overlaps
// computing: the recorder's batches are packed, transferred and written while the pipeline goes on. Backtests
// only; paper and live sessions write synchronously after every input (their journal semantics need it).
// A failure in the writer fails the run: the next hand-over, or the final drain, throws the writer's error.
import { createEventBatcher, type EventWriter } from './events.ts';
import { RowPacker } from './row-codec.ts';
import { ERROR_BYTES, failureMessage, STATUS_SLOTS, WriterSlot, type WriterCommand } from './writer-status.ts';

export interface ThreadedEventWriter extends EventWriter {
  /** Waits until every batch handed over is written (throws the writer's error, if any). */
  drain(): void;
  /** Drains, closes the writer's connection and ends its thread. */
  close(): void;
  /** Ends the thread at once (after a failure elsewhere); what was not written is lost with the run. */
  abort(): void;
}

export interface ThreadedWriterOptions {
  /** Rows per batch handed to the writer. */
  batchSize?: number;
  /** Batches handed over but not yet written before the pipeline waits: bounds the memory in flight. */
  maxInFlight?: number;
  /** How long the writer may make no progress while the pipeline waits for it. */
  stallMs?: number;
}

export function createThreadedEventWriter(dbPath: string, runId: string, options: ThreadedWriterOptions = {}): ThreadedEventWriter {
  // 20,000 rows as the synchronous writer: position marks are coalesced per batch, so the size shapes the rows.
  const { batchSize = 20_000, maxInFlight = 4, stallMs = 120_000 } = options;
  const statusBuffer = new SharedArrayBuffer(STATUS_SLOTS * 4);
  const errorBuffer = new SharedArrayBuffer(ERROR_BYTES);
  const status = new Int32Array(statusBuffer);
  const errorBytes = new Uint8Array(errorBuffer);
  const worker = new Worker(new URL('./event-writer.worker.ts', import.meta.url).href);
  const send = (command: WriterCommand, transfer?: Transferable[]) => worker.postMessage(command, transfer ?? []);
  send({ kind: 'open', path: dbPath, status: statusBuffer, error: errorBuffer });
  let sent = 0;
  let sentRows = 0;
  let ended = false;

  const check = () => {
    if (Atomics.load(status, WriterSlot.failed) !== 0) {
      ended = true;
      worker.terminate();
      throw new Error(`run DB writer failed (${dbPath}): ${failureMessage(status, errorBytes)}`);
    }
  };
  /** Blocks until `done()` holds, the writer fails, or it makes no progress for stallMs. */
  const waitFor = (done: () => boolean, what: string) => {
    let lastProgress = Atomics.load(status, WriterSlot.batchesDone);
    let quietSince = performance.now();
    for (;;) {
      check();
      if (done()) return;
      const seen = Atomics.load(status, WriterSlot.batchesDone);
      Atomics.wait(status, WriterSlot.batchesDone, seen, 50);
      const now = Atomics.load(status, WriterSlot.batchesDone);
      if (now !== lastProgress) {
        lastProgress = now;
        quietSince = performance.now();
      } else if (performance.now() - quietSince > stallMs) {
        ended = true;
        worker.terminate();
        throw new Error(`run DB writer (${dbPath}) made no progress for ${stallMs / 1000} s while ${what}`);
      }
    }
  };

  const batcher = createEventBatcher(runId, batchSize, () => new RowPacker(), (packer, rows) => {
    check();
    if (ended) throw new Error(`run DB writer (${dbPath}) is closed: ${rows} rows could not be written`);
    const packed = packer.finish();
    send({ kind: 'batch', batch: packed, rows }, [packed.values.buffer, packed.tags.buffer, packed.rowTables.buffer]);
    sent++;
    sentRows += rows;
    if (sent - Atomics.load(status, WriterSlot.batchesDone) >= maxInFlight) {
      waitFor(() => sent - Atomics.load(status, WriterSlot.batchesDone) < maxInFlight, 'the pipeline waited for room');
    }
  });

  const drain = () => {
    waitFor(() => Atomics.load(status, WriterSlot.batchesDone) === sent, 'draining');
    const written = Atomics.load(status, WriterSlot.rowsWritten);
    if (written !== sentRows) throw new Error(`run DB writer (${dbPath}) wrote ${written} of ${sentRows} rows`);
  };

  return {
    append: batcher.append,
    flush: batcher.flush,
    get buffered() {
      return batcher.buffered;
    },
    get written() {
      return Atomics.load(status, WriterSlot.rowsWritten);
    },
    drain,
    close() {
      if (ended) return;
      batcher.flush();
      drain();
      send({ kind: 'close' });
      waitFor(() => Atomics.load(status, WriterSlot.closed) === 1, 'closing');
      ended = true;
      worker.terminate();
    },
    abort() {
      if (ended) return;
      ended = true;
      worker.terminate();
    },
  };
}
