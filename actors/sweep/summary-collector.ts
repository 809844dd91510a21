// A sweep combination's recorder: it keeps only what the combination's summary is computed from — the equity
// curve and the fills — exactly as a run DB would hold them (one equity point per timestamp: the last snapshot
// of it, as the event batcher writes), but as float64 columns and the Fill messages themselves. No row objects,
// no point objects: on the path of every bar of every combination, what is not allocated is not collected.
import type { EventWriter } from '../../db/events.ts';
import type { EquityColumns } from '../../machines/metrics/performance.ts';
import type { FillLike } from '../../machines/metrics/round-trips.ts';
import type { EquitySnapshot, MessageType, PipelineMessage } from '../messages.ts';

export interface SummaryCollector extends EventWriter {
  readonly fills: readonly FillLike[];
  /** The equity points so far, in columns of exactly their length. */
  curve(): EquityColumns;
}

const DEFAULT_CAPACITY = 1024;

/**
 * `capacity`: how many equity points to expect (a sweep knows its bars); when the curve fills it exactly, curve()
 * hands over the columns themselves, with no copy. The columns grow past it when it is short.
 */
export function createSummaryCollector(capacity = DEFAULT_CAPACITY): SummaryCollector {
  let ts = new Float64Array(Math.max(1, capacity));
  let equity = new Float64Array(ts.length);
  let grossExposure = new Float64Array(ts.length);
  let length = 0;
  const fills: FillLike[] = [];
  let pending: EquitySnapshot | undefined;

  const keep = (snapshot: EquitySnapshot) => {
    if (length === ts.length) {
      ts = grown(ts);
      equity = grown(equity);
      grossExposure = grown(grossExposure);
    }
    ts[length] = snapshot.ts;
    equity[length] = snapshot.equity;
    grossExposure[length] = snapshot.grossExposure;
    length++;
  };

  return {
    fills,
    records: (type: MessageType) => type === 'EquitySnapshot' || type === 'Fill',
    append(message: PipelineMessage) {
      if (message.type === 'EquitySnapshot') {
        if (pending !== undefined && pending.ts !== message.ts) keep(pending);
        pending = message;
      } else if (message.type === 'Fill') {
        // Messages are never mutated once sent, so the Fill itself is the record.
        fills.push(message);
      }
    },
    flush() {
      if (pending !== undefined) keep(pending);
      pending = undefined;
    },
    get buffered() {
      return pending === undefined ? 0 : 1;
    },
    get written() {
      return length + fills.length;
    },
    curve: () => ({ ts: exactly(ts, length), equity: exactly(equity, length), grossExposure: exactly(grossExposure, length) }),
  };
}

function exactly(column: Float64Array<ArrayBuffer>, length: number): Float64Array<ArrayBuffer> {
  return column.length === length ? column : column.slice(0, length);
}

function grown(column: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const next = new Float64Array(column.length * 2);
  next.set(column);
  return next;
}
