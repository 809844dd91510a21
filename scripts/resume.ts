// bun run resume — lifts the kill switch of a paper or live session (and, with --reset, a drawdown halt).
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { DEFAULT_PAPER_DB } from '../actors/adapters/paper-session.ts';
import { sendOperatorCommand } from '../actors/adapters/operator-command.ts';

const USAGE = `Usage: bun run resume [--db PATH] [--reset] [--reason TEXT] [--session ID]

Lifts a manual halt (bun run halt): the session takes new entries again from its next bar.

  --db PATH       session database (default ${DEFAULT_PAPER_DB})
  --reset         lift a drawdown circuit-breaker halt instead (after a -20% drawdown; the peak is rebased)
  --reason TEXT   recorded with the command (default "operator resume")
  --session ID    the session to resume (default: the one a live process runs; with none running, the one
                  unfinished session; where several could be meant, the command lists them and asks for this)`;

await runMain(async () => {
  const args = parseCommandArgs(
    { db: { type: 'string' }, reset: { type: 'boolean' }, reason: { type: 'string' }, session: { type: 'string' } },
    USAGE,
  );
  console.log(
    await sendOperatorCommand({
      dbPath: args.db ?? DEFAULT_PAPER_DB,
      kind: args.reset ? 'reset' : 'resume',
      flatten: false,
      reason: args.reason ?? (args.reset ? 'operator drawdown reset' : 'operator resume'),
      sessionId: args.session,
    }),
  );
});
