// Rows of the event tables packed for another thread: every value in one Float64Array (strings as indexes
// into the batch's own string list, deduplicated), a tag per value saying how to read it back. Both arrays
// are transferred, not copied; structured-cloning row objects costs ~15× more on the sending thread.
import { eventColumns, type RecordedType, type Row, type RowBatch } from './events.ts';

const NUMBER = 0;
const STRING = 1;
const TRUE = 2;
const FALSE = 3;
const NULL = 4;

export interface PackedBatch {
  tables: [RecordedType, number][];
  values: Float64Array;
  tags: Uint8Array;
  /** JSON array of the batch's distinct strings. */
  strings: string;
}

export function packBatch(batch: RowBatch, rows: number): PackedBatch {
  let capacity = rows * 16;
  let values = new Float64Array(capacity);
  let tags = new Uint8Array(capacity);
  const stringIds = new Map<string, number>();
  const strings: string[] = [];
  const tables: [RecordedType, number][] = [];
  let n = 0;
  for (const [type, list] of batch) {
    if (list.length === 0) continue;
    tables.push([type, list.length]);
    const columns = eventColumns(type);
    if (n + list.length * columns.length > capacity) {
      capacity = 2 * (n + list.length * columns.length);
      const grownValues = new Float64Array(capacity);
      grownValues.set(values.subarray(0, n));
      const grownTags = new Uint8Array(capacity);
      grownTags.set(tags.subarray(0, n));
      values = grownValues;
      tags = grownTags;
    }
    for (const row of list) {
      for (let c = 0; c < columns.length; c++) {
        const v = row[columns[c]!];
        if (typeof v === 'number') {
          values[n] = v;
          tags[n++] = NUMBER;
        } else if (typeof v === 'string') {
          let id = stringIds.get(v);
          if (id === undefined) {
            id = strings.length;
            strings.push(v);
            stringIds.set(v, id);
          }
          values[n] = id;
          tags[n++] = STRING;
        } else if (typeof v === 'boolean') {
          tags[n++] = v ? TRUE : FALSE;
        } else if (v === null || v === undefined) {
          tags[n++] = NULL;
        } else {
          throw new Error(`packBatch: ${type}.${columns[c]} holds a ${typeof v}`);
        }
      }
    }
  }
  return { tables, values: values.slice(0, n), tags: tags.slice(0, n), strings: JSON.stringify(strings) };
}

export function unpackBatch(packed: PackedBatch): RowBatch {
  const strings = JSON.parse(packed.strings) as string[];
  const { values, tags } = packed;
  const batch: RowBatch = new Map();
  let n = 0;
  for (const [type, count] of packed.tables) {
    const columns = eventColumns(type);
    const rows: Row[] = new Array(count);
    for (let r = 0; r < count; r++) {
      const row: Row = {};
      for (let c = 0; c < columns.length; c++) {
        const tag = tags[n]!;
        row[columns[c]!] =
          tag === NUMBER ? values[n]! : tag === STRING ? strings[values[n]!]! : tag === TRUE ? true : tag === FALSE ? false : null;
        n++;
      }
      rows[r] = row;
    }
    batch.set(type, rows);
  }
  return batch;
}
