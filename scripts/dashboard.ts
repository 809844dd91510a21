// bun run dashboard — serves the live dashboard and state-machine visualiser over a run database.
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { DEFAULT_DB_PATH } from '../db/client.ts';
import { createDashboard } from '../web/app.ts';
import { checkBind } from '../web/auth.ts';

const USAGE = `Usage: bun run dashboard [--db PATH] [--port 8050] [--host 127.0.0.1] [--token SECRET]

Serves the dashboard (panels, charts, live updates) and the state-machine visualiser (/machines) for every
run in --db and in data/backtests/*.db, and lists the sweeps in data/sweeps/*.db with their reports. Paper and
live runs show up as they are written.
  --db PATH          database to watch (default ${DEFAULT_DB_PATH}; e.g. data/paper_trading.db); it must
                     exist, except paper_trading.db / live_trading.db, which the dashboard waits for
  --backtests DIR    folder of backtest run DBs to list too (default data/backtests)
  --sweeps DIR       folder of sweep DBs to list (default data/sweeps); read-only
  --port N           port (default 8050)
  --host HOST        interface to bind (default 127.0.0.1); any non-loopback host requires a token
  --token SECRET     require this token on every request (default: $DASHBOARD_TOKEN); open
                     http://HOST:PORT/?token=SECRET once, the browser then keeps it in a cookie`;

await runMain(() => {
  const args = parseCommandArgs(
    {
      db: { type: 'string' },
      backtests: { type: 'string' },
      sweeps: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
    },
    USAGE,
  );
  const host = args.host ?? '127.0.0.1';
  const port = Number(args.port ?? 8050);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer 0..65535, got "${args.port}"`);
  const token = args.token ?? process.env.DASHBOARD_TOKEN;
  checkBind(host, token);
  const dashboard = createDashboard({ dbPath: args.db ?? DEFAULT_DB_PATH, backtestsDir: args.backtests, sweepsDir: args.sweeps, token: token || undefined });
  const server = Bun.serve({ hostname: host, port, fetch: dashboard.app.fetch, idleTimeout: 0 });
  console.log(`dashboard on http://${host.includes(':') ? `[${host}]` : host}:${server.port}/ (watching ${args.db ?? DEFAULT_DB_PATH})`);
  const stop = () => {
    server.stop(true);
    dashboard.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
