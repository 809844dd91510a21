// Shared-memory protocol between a backtest and its writer thread (db/event-writer.worker.ts).
import type { PackedBatch } from './row-codec.ts';

export const WriterSlot = { batchesDone: 0, rowsWritten: 1, failed: 2, errorLength: 3, closed: 4 } as const;
export const STATUS_SLOTS = 5;
export const ERROR_BYTES = 8192;

export type WriterCommand =
  | { kind: 'open'; path: string; status: SharedArrayBuffer; error: SharedArrayBuffer }
  | { kind: 'batch'; batch: PackedBatch; rows: number }
  | { kind: 'close' };

export function reportFailure(status: Int32Array, errorBytes: Uint8Array, err: unknown): void {
  if (Atomics.load(status, WriterSlot.failed) !== 0) return;
  const text = err instanceof Error ? err.message : String(err);
  const { written } = new TextEncoder().encodeInto(text, errorBytes);
  Atomics.store(status, WriterSlot.errorLength, written);
  Atomics.store(status, WriterSlot.failed, 1);
  Atomics.notify(status, WriterSlot.batchesDone);
}

export function failureMessage(status: Int32Array, errorBytes: Uint8Array): string {
  const length = Atomics.load(status, WriterSlot.errorLength);
  return new TextDecoder().decode(errorBytes.slice(0, length));
}
