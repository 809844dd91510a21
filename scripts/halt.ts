// bun run halt — the kill switch of a paper or live session.
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { DEFAULT_PAPER_DB } from '../actors/adapters/paper-session.ts';
import { sendOperatorCommand } from '../actors/adapters/operator-command.ts';

const USAGE = `Usage: bun run halt [--db PATH] [--flatten] [--reason TEXT] [--session ID]

Kill switch: the running session halts new entries and cancels its working entry orders within a second
(protective stops stay on held positions); --flatten also cancels the stops and closes every position with
a market order at its next bar. The command is journaled; \`bun run resume\` lifts the halt.

  --db PATH       session database (default ${DEFAULT_PAPER_DB})
  --flatten       close every position
  --reason TEXT   recorded with the halt (default "operator halt")
  --session ID    the session to halt (default: the one a live process runs; with none running, the one
                  unfinished session; where several could be meant, the command lists them and asks for this)`;

await runMain(async () => {
  const args = parseCommandArgs(
    { db: { type: 'string' }, flatten: { type: 'boolean' }, reason: { type: 'string' }, session: { type: 'string' } },
    USAGE,
  );
  console.log(
    await sendOperatorCommand({
      dbPath: args.db ?? DEFAULT_PAPER_DB,
      kind: 'halt',
      flatten: args.flatten ?? false,
      reason: args.reason ?? 'operator halt',
      sessionId: args.session,
    }),
  );
});
