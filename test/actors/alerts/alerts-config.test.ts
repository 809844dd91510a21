import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALERTS_CONFIG, loadAlertsConfig, sinkSet } from '../../../actors/alerts/alerts-config.ts';
import { DEFAULT_ALERT_RULES } from '../../../machines/alerts/alert-rule-settings.ts';
import { SECRET_TOKEN } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'alerts-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shipped = readFileSync(ALERTS_CONFIG, 'utf8');

function withYaml(text: string): string {
  const path = join(dir, `a${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

test('the shipped config enables console and database only, with the network sinks present but disabled', () => {
  const config = loadAlertsConfig();
  const sinks = config.yaml.sinks;
  expect(sinks.console.enabled).toBe(true);
  expect(config.database).toEqual({ enabled: true, minLevel: 'info' });
  expect([sinks.webhooks.ops!.enabled, sinks.slack!.enabled, sinks.discord!.enabled, sinks.telegram!.enabled, sinks.email!.enabled])
    .toEqual([false, false, false, false, false]);
  expect(config.rules).toEqual({ dedupWindowMs: 60_000, drawdownStepsPct: [5, 10, 15] });
  expect(sinkSet(config, { env: {} }).map((s) => s.name)).toEqual(['console']);
});

test('a wrong value is one line naming the file and the field', () => {
  const path = withYaml(shipped.replace('min_level: warning\n    url_env: SLACK_WEBHOOK_URL', 'min_level: loud\n    url_env: SLACK_WEBHOOK_URL'));
  const message = errorOf(() => loadAlertsConfig(path));
  expect(message).toStartWith(`${path}: sinks.slack.min_level: `);
  expect(message).not.toContain('\n');
});

test('a misspelt key is named with the key it probably meant', () => {
  const path = withYaml(shipped.replace('url_env: DISCORD_WEBHOOK_URL', 'url_evn: DISCORD_WEBHOOK_URL'));
  expect(errorOf(() => loadAlertsConfig(path))).toContain('unknown key `sinks.discord.url_evn`, did you mean `url_env`?');
});

test('drawdown steps must increase', () => {
  const path = withYaml(shipped.replace('[5, 10, 15]', '[10, 5]'));
  expect(errorOf(() => loadAlertsConfig(path))).toContain('rules.drawdown_steps_pct: must be strictly increasing');
});

test('the shipped rules are the defaults of runs that read no alerts config', () => {
  expect(loadAlertsConfig().rules).toEqual(DEFAULT_ALERT_RULES);
});

describe('a bad rules value is one line naming the file, the field and the value', () => {
  const cases: [string, string, string][] = [
    ['dedup_window_s: 60', 'dedup_window_s: -1', 'rules.dedup_window_s: Too small: expected number to be >0, got -1'],
    ['dedup_window_s: 60', 'dedup_window_s: 0', 'rules.dedup_window_s: Too small: expected number to be >0, got 0'],
    ['dedup_window_s: 60', 'dedup_window_s: 1.5', 'rules.dedup_window_s: Invalid input: expected int, received number, got 1.5'],
    ['dedup_window_s: 60', 'dedup_window_s: a minute', 'rules.dedup_window_s: Invalid input: expected number, received string, got "a minute"'],
    ['[5, 10, 15]', '[10, 5]', 'rules.drawdown_steps_pct: must be strictly increasing, got [10,5]'],
    ['[5, 10, 15]', '[5, ten]', 'rules.drawdown_steps_pct.1: Invalid input: expected number, received string, got "ten"'],
    ['[5, 10, 15]', '[5, 100]', 'rules.drawdown_steps_pct.1: Too big: expected number to be <100, got 100'],
    ['[5, 10, 15]', '[]', 'rules.drawdown_steps_pct: Too small: expected array to have >=1 items, got []'],
  ];
  for (const [shippedText, edited, problem] of cases) {
    test(`${edited.includes(':') ? edited : `drawdown_steps_pct: ${edited}`}`, () => {
      const path = withYaml(shipped.replace(shippedText, edited));
      const message = errorOf(() => loadAlertsConfig(path));
      expect(message).toBe(`${path}: ${problem}`);
    });
  }
});

test('a secret pasted where a variable name belongs is refused without echoing it', () => {
  const url = `https://hooks.slack.com/services/T1/B2/${SECRET_TOKEN}`;
  const path = withYaml(shipped.replace('url_env: SLACK_WEBHOOK_URL', `url_env: "${url}"`));
  const message = errorOf(() => loadAlertsConfig(path));
  expect(message).toContain('sinks.slack.url_env: must name an environment variable');
  expect(message).not.toContain(SECRET_TOKEN);
});

test('an enabled sink without its variable names the variable; a variable without a URL is refused without its value', () => {
  const path = withYaml(shipped.replace('min_level: warning\n    url_env: SLACK_WEBHOOK_URL', 'min_level: warning\n    url_env: SLACK_WEBHOOK_URL').replace(/slack:(\s+)# incoming webhook\n    enabled: false/, 'slack:$1# incoming webhook\n    enabled: true'));
  const config = loadAlertsConfig(path);
  expect(errorOf(() => sinkSet(config, { env: {} }))).toEndWith('sinks.slack.url_env: environment variable SLACK_WEBHOOK_URL is not set (the sink is enabled)');
  const message = errorOf(() => sinkSet(config, { env: { SLACK_WEBHOOK_URL: `ftp://x/${SECRET_TOKEN}` } }));
  expect(message).toEndWith('sinks.slack.url_env: SLACK_WEBHOOK_URL does not hold an http(s) URL');
  expect(message).not.toContain(SECRET_TOKEN);
  expect(sinkSet(config, { env: { SLACK_WEBHOOK_URL: `https://hooks.example.test/${SECRET_TOKEN}` } }).map((s) => [s.name, s.minLevel]))
    .toEqual([['console', 'info'], ['slack', 'warning']]);
});
