// Rows of the event tables packed for another thread as they are produced: every value in one Float64Array
// (strings as indexes into the batch's own string list, deduplicated), a tag per value saying how to read it
// back, and the table of each row. The arrays are transferred, not copied: structured-cloning row objects costs
// ~15x more on the sending thread, and row objects kept for a whole batch outlive the young generation, so a
// long run's heap would grow between full collections.
import { getTableName } from 'drizzle-orm';
import type { Db } from './client.ts';
import { EVENT_TABLES, eventColumns, type BatchBuilder, type RecordedType, type Row } from './events.ts';

const NUMBER = 0;
const STRING = 1;
const TRUE = 2;
const FALSE = 3;
const NULL = 4;

const TYPES = Object.keys(EVENT_TABLES) as RecordedType[];
const TYPE_INDEX = new Map(TYPES.map((type, i) => [type, i]));

export interface PackedBatch {
  /** Index into the event tables (EVENT_TABLES order) of each row, in the order the rows came. */
  rowTables: Uint8Array;
  values: Float64Array;
  tags: Uint8Array;
  /** JSON array of the batch's distinct strings. */
  strings: string;
}

export class RowPacker implements BatchBuilder {
  private values = new Float64Array(1 << 16);
  private tags = new Uint8Array(1 << 16);
  private rowTables = new Uint8Array(1 << 12);
  private n = 0;
  private rows = 0;
  private readonly stringIds = new Map<string, number>();
  private readonly strings: string[] = [];

  push(type: RecordedType, row: Row): void {
    const columns = eventColumns(type);
    if (this.rows === this.rowTables.length) this.rowTables = grow(this.rowTables, this.rows);
    this.rowTables[this.rows++] = TYPE_INDEX.get(type)!;
    if (this.n + columns.length > this.values.length) {
      this.values = grow(this.values, this.n);
      this.tags = grow(this.tags, this.n);
    }
    const { values, tags } = this;
    let n = this.n;
    for (let c = 0; c < columns.length; c++) {
      const v = row[columns[c]!];
      if (typeof v === 'number') {
        values[n] = v;
        tags[n++] = NUMBER;
      } else if (typeof v === 'string') {
        let id = this.stringIds.get(v);
        if (id === undefined) {
          id = this.strings.length;
          this.strings.push(v);
          this.stringIds.set(v, id);
        }
        values[n] = id;
        tags[n++] = STRING;
      } else if (typeof v === 'boolean') {
        tags[n++] = v ? TRUE : FALSE;
      } else if (v === null || v === undefined) {
        tags[n++] = NULL;
      } else {
        throw new Error(`RowPacker: ${type}.${columns[c]} holds a ${typeof v}`);
      }
    }
    this.n = n;
  }

  finish(): PackedBatch {
    return {
      rowTables: this.rowTables.slice(0, this.rows),
      values: this.values.slice(0, this.n),
      tags: this.tags.slice(0, this.n),
      strings: JSON.stringify(this.strings),
    };
  }
}

function grow<T extends Float64Array | Uint8Array>(array: T, used: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(2 * array.length);
  bigger.set(array.subarray(0, used));
  return bigger;
}

/**
 * Writes a packed batch in one transaction straight from its arrays: one positional insert per table (the
 * columns `createBatchInserter` writes, in the same order, bound to the same values — booleans as 1/0, as
 * Drizzle binds them), no row objects. Rows go in the order they came, which keeps each table's order.
 */
export function createPackedInserter(db: Db): (packed: PackedBatch) => void {
  const statements = TYPES.map((type) => {
    const table = EVENT_TABLES[type];
    const columns = eventColumns(type).map((key) => (table as unknown as Record<string, { name: string }>)[key]!.name);
    return db.$client.prepare(
      `INSERT INTO "${getTableName(table)}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
  });
  const args = TYPES.map((type) => new Array<string | number | null>(eventColumns(type).length));
  return (packed) => {
    const strings = JSON.parse(packed.strings) as string[];
    const { values, tags, rowTables } = packed;
    db.$client.transaction(() => {
      let n = 0;
      for (let r = 0; r < rowTables.length; r++) {
        const t = rowTables[r]!;
        const row = args[t]!;
        for (let c = 0; c < row.length; c++) {
          const tag = tags[n]!;
          row[c] = tag === NUMBER ? values[n]! : tag === STRING ? strings[values[n]!]! : tag === TRUE ? 1 : tag === FALSE ? 0 : null;
          n++;
        }
        statements[t]!.run(...row);
      }
    })();
  };
}
