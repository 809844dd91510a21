import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '../support/alert-receivers.ts';
import { SECRET_PASSWORD, SECRET_TOKEN } from '../actors/alerts/fixtures.ts';

const ROOT = join(import.meta.dir, '..', '..');
let dir: string;
let receiver: WebhookReceiver;
let smtp: SmtpReceiver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alerts-test-'));
  receiver = startWebhookReceiver();
  smtp = await startSmtpReceiver({ user: 'qs-user', password: SECRET_PASSWORD });
});
afterAll(async () => {
  await receiver.stop();
  await smtp.stop();
  rmSync(dir, { recursive: true, force: true });
});

function yaml(): string {
  return `rules: { dedup_window_s: 60, drawdown_steps_pct: [5, 10] }
delivery: { timeout_ms: 2000, max_attempts: 2, backoff_initial_ms: 10, backoff_max_ms: 20, max_retry_after_s: 5,
  pause_after_failures: 5, pause_minutes: 1, queue_limit: 10, close_timeout_ms: 10000 }
sinks:
  console: { enabled: false, min_level: info }
  database: { enabled: true, min_level: info }
  webhooks:
    ops: { enabled: true, min_level: info, url_env: QS_TEST_HOOK_URL }
  slack: { enabled: true, min_level: warning, url_env: QS_TEST_SLACK_URL }
  discord: { enabled: true, min_level: info, url_env: QS_TEST_DISCORD_URL }
  telegram: { enabled: true, min_level: critical, bot_token_env: QS_TEST_TG_TOKEN, chat_id: 12345, api_base: "${receiver.url}" }
  email: { enabled: true, min_level: critical, host: 127.0.0.1, port: ${smtp.port}, secure: false,
    user_env: QS_TEST_SMTP_USER, password_env: QS_TEST_SMTP_PASSWORD, from: qs@example.test, to: [ops@example.test] }
`;
}

async function run(config: string, env: Record<string, string>) {
  const child = Bun.spawn(['bun', 'scripts/alerts-test.ts', '--config', config], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

test('alerts:test sends each level to every enabled sink and prints what each answered, never a secret', async () => {
  const config = join(dir, 'alerts.yaml');
  writeFileSync(config, yaml());
  const env = {
    QS_TEST_HOOK_URL: `${receiver.url}/hook/${SECRET_TOKEN}`,
    QS_TEST_SLACK_URL: `${receiver.url}/slack/${SECRET_TOKEN}`,
    QS_TEST_DISCORD_URL: `${receiver.url}/discord/${SECRET_TOKEN}`,
    QS_TEST_TG_TOKEN: SECRET_TOKEN,
    QS_TEST_SMTP_USER: 'qs-user',
    QS_TEST_SMTP_PASSWORD: SECRET_PASSWORD,
  };
  // Email does not go through the script's web receiver; its mail server answers with 250.
  receiver.script([], { status: 200, body: JSON.stringify({ ok: true, result: { message_id: 5 } }) });
  const { stdout, stderr, code } = await run(config, env);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toEndWith('alerts.yaml: testing webhook:ops, slack, discord, telegram, email');
  const table = lines.slice(1, -1).map((l) => l.split(/\s{2,}/).slice(0, 3));
  expect(table).toEqual([
    ['webhook:ops', 'info', 'delivered'], ['webhook:ops', 'warning', 'delivered'], ['webhook:ops', 'critical', 'delivered'],
    ['slack', 'info', 'skipped'], ['slack', 'warning', 'delivered'], ['slack', 'critical', 'delivered'],
    ['discord', 'info', 'delivered'], ['discord', 'warning', 'delivered'], ['discord', 'critical', 'delivered'],
    ['telegram', 'info', 'skipped'], ['telegram', 'warning', 'skipped'], ['telegram', 'critical', 'delivered'],
    ['email', 'info', 'skipped'], ['email', 'warning', 'skipped'], ['email', 'critical', 'delivered'],
  ]);
  expect(stdout).toContain('HTTP 200: message_id 5');
  expect(lines.at(-1)).toStartWith('database: enabled');
  const paths = receiver.requests.map((r) => r.path.replace(SECRET_TOKEN, 'TOKEN')).sort();
  expect(paths).toEqual([
    '/botTOKEN/sendMessage',
    '/discord/TOKEN', '/discord/TOKEN', '/discord/TOKEN',
    '/hook/TOKEN', '/hook/TOKEN', '/hook/TOKEN',
    '/slack/TOKEN', '/slack/TOKEN',
  ]);
  expect(smtp.mails).toHaveLength(1);
  for (const secret of [SECRET_TOKEN, SECRET_PASSWORD]) expect(stdout + stderr).not.toContain(secret);
});

test('alerts:test reports a failing receiver with its answer, exits 1, and still prints no secret', async () => {
  const config = join(dir, 'failing.yaml');
  writeFileSync(config, yaml());
  receiver.requests.length = 0;
  receiver.script([], { status: 403, body: `invalid_token ${SECRET_TOKEN}` });
  const { stdout, stderr, code } = await run(config, {
    QS_TEST_HOOK_URL: `${receiver.url}/hook/${SECRET_TOKEN}`,
    QS_TEST_SLACK_URL: `${receiver.url}/slack/${SECRET_TOKEN}`,
    QS_TEST_DISCORD_URL: `${receiver.url}/discord/${SECRET_TOKEN}`,
    QS_TEST_TG_TOKEN: SECRET_TOKEN,
    QS_TEST_SMTP_USER: 'qs-user',
    QS_TEST_SMTP_PASSWORD: `wrong-${SECRET_PASSWORD}`,
  });
  expect(code).toBe(1);
  expect(stdout).toContain('slack        warning   failed     HTTP 403: invalid_token *** (after 2 attempts)');
  expect(stdout).toContain('webhook:ops  critical  failed     HTTP 403: invalid_token ***; sink paused after 5 consecutive failures');
  expect(stdout).toMatch(/email\s+critical\s+failed\s+EAUTH/);
  expect(stderr.trim()).toMatch(/^error: \d+ test alerts not delivered$/);
  for (const secret of [SECRET_TOKEN, SECRET_PASSWORD]) expect(stdout + stderr).not.toContain(secret);
});

test('alerts:test names the missing environment variable, not any value', async () => {
  const config = join(dir, 'missing.yaml');
  writeFileSync(config, yaml());
  const { stderr, code } = await run(config, { QS_TEST_HOOK_URL: `${receiver.url}/hook/${SECRET_TOKEN}` });
  expect(code).toBe(1);
  expect(stderr.trim()).toEndWith('sinks.slack.url_env: environment variable QS_TEST_SLACK_URL is not set (the sink is enabled)');
  expect(stderr).not.toContain(SECRET_TOKEN);
});

// setTimeout fires at once for a delay past 2^31 − 1 ms: a longer timeout would abort every request on the spot
// while claiming to have waited, and a pause that long has no date to print.
test.each([
  ['timeout_ms: 2000', 'timeout_ms: 2200000000', 'delivery.timeout_ms: must be at most 2147483647 ms (about 24.8 days), got 2200000000'],
  ['close_timeout_ms: 10000', 'close_timeout_ms: 2200000000', 'delivery.close_timeout_ms: must be at most 2147483647 ms (about 24.8 days), got 2200000000'],
  ['pause_minutes: 1,', 'pause_minutes: 1e12,', 'delivery.pause_minutes: must be at most 35791 minutes (about 24.8 days), got 1000000000000'],
])('alerts:test refuses %s beyond what a timer can wait, in one line, before sending anything', async (_shipped, edited, problem) => {
  const config = join(dir, 'long-wait.yaml');
  writeFileSync(config, yaml().replace(_shipped, edited));
  receiver.requests.length = 0;
  receiver.script([], 'hang');
  const { stdout, stderr, code } = await run(config, {
    QS_TEST_HOOK_URL: `${receiver.url}/hook/${SECRET_TOKEN}`,
    QS_TEST_SLACK_URL: `${receiver.url}/slack/${SECRET_TOKEN}`,
    QS_TEST_DISCORD_URL: `${receiver.url}/discord/${SECRET_TOKEN}`,
    QS_TEST_TG_TOKEN: SECRET_TOKEN,
    QS_TEST_SMTP_USER: 'qs-user',
    QS_TEST_SMTP_PASSWORD: SECRET_PASSWORD,
  });
  expect(stderr.trimEnd()).toBe(`error: ${config}: ${problem}`);
  expect(stdout).toBe('');
  expect(code).toBe(1);
  expect(receiver.requests).toHaveLength(0);
}, 30_000);

test('alerts:test --config naming a folder says so in one line, not that the YAML is invalid', async () => {
  const folder = join(dir, 'a-folder.yaml');
  mkdirSync(folder, { recursive: true });
  const { stdout, stderr, code } = await run(folder, {});
  expect(stderr.trimEnd()).toBe(`error: ${folder}: is a directory, not a file`);
  expect(stdout).toBe('');
  expect(code).toBe(1);
});

test('a webhook name the file cannot use is named with the rule it breaks, not echoed as its whole sink', async () => {
  const config = join(dir, 'bad-name.yaml');
  writeFileSync(config, yaml().replace('    ops: {', '    Ops: {'));
  const { stdout, stderr, code } = await run(config, {});
  expect(stderr.trimEnd()).toBe(`error: ${config}: sinks.webhooks.Ops: a webhook's name may hold only lowercase letters, digits, _ and -, got "Ops"`);
  expect(stdout).toBe('');
  expect(code).toBe(1);
});
