// bun run alerts:test — one test alert of each level to every enabled sink in config/alerts.yaml.
import { ALERTS_CONFIG, loadAlertsConfig, sinkSet } from '../actors/alerts/alerts-config.ts';
import { runAlertsTest } from '../actors/alerts/alerts-test.ts';
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';

const USAGE = `Usage: bun run alerts:test [--config PATH]

Sends one test alert of each level (info, warning, critical) to every enabled sink of config/alerts.yaml,
through the same queues, timeouts and retries as a session, and prints what each sink answered. A sink
only takes the levels from its min_level up; the others are listed as skipped. Secrets (webhook URLs,
bot tokens, SMTP passwords) are read from the environment variables the file names and are never printed.
The database sink is written by a session into its run DB and is not exercised here.
Exits 1 when any alert could not be delivered.
  --config PATH   another alerts YAML (default config/alerts.yaml)`;

await runMain(async () => {
  const args = parseCommandArgs({ config: { type: 'string' } }, USAGE);
  const config = loadAlertsConfig(args.config ?? ALERTS_CONFIG);
  const sinks = sinkSet(config);
  if (sinks.length === 0) {
    console.log(`${config.file}: no sink to test (enable console or a network sink)`);
    return;
  }
  console.log(`${config.file}: testing ${sinks.map((s) => s.name).join(', ')}`);
  const outcomes = await runAlertsTest(config, sinks, { now: () => Date.now() });
  const width = Math.max(...sinks.map((s) => s.name.length));
  for (const o of outcomes) {
    console.log(`${o.sink.padEnd(width)}  ${o.level.padEnd(8)}  ${o.status.padEnd(9)}  ${o.detail}`);
  }
  if (config.database.enabled) console.log(`database: enabled (min_level ${config.database.minLevel}); written by sessions into their run DB, not tested here`);
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  if (failed > 0) throw new Error(`${failed} test alert${failed === 1 ? '' : 's'} not delivered`);
});
