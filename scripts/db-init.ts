// bun run db:init [--db PATH] — creates the database or applies pending migrations.
import { closeDb, DEFAULT_DB_PATH, openDb } from '../db/client.ts';
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';

const USAGE = `Usage: bun run db:init [--db PATH]

Creates the SQLite database (WAL mode) or migrates it to the current schema.
  --db PATH   database file (default ${DEFAULT_DB_PATH})`;

await runMain(() => {
  const args = parseCommandArgs({ db: { type: 'string' } }, USAGE);
  const path = args.db ?? DEFAULT_DB_PATH;
  const db = openDb(path);
  const tables = db.$client
    .query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'")
    .get()!.n;
  closeDb(db);
  console.log(`database ready: ${path} (${tables} tables, migrations applied)`);
});
