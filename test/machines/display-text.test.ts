import { describe, expect, test } from 'bun:test';
import { MAX_SHOWN_CHARS, shownValue } from '../../machines/display-text.ts';

describe('shownValue', () => {
  test('leaves ordinary text as it is', () => {
    expect(shownValue('Adj Close')).toBe('Adj Close');
    expect(shownValue('')).toBe('');
    expect(shownValue('Zürich €')).toBe('Zürich €');
  });

  test('escapes terminal control characters, so ESC sequences cannot act on the terminal', () => {
    expect(shownValue('\x1b[2J\x1b[HDate')).toBe('\\x1b[2J\\x1b[HDate');
    expect(shownValue('a\rb\nc\td\0')).toBe('a\\x0db\\x0ac\\x09d\\x00');
    expect(shownValue('x\x7f\x9by')).toBe('x\\x7f\\x9by');
    expect(shownValue('abc\u202edef')).toBe('abc\\u{202e}def');
    expect(shownValue('\x1b')).not.toContain('\x1b');
  });

  test('cuts long values to at most 80 characters with an ellipsis', () => {
    const shown = shownValue('x'.repeat(5_000_000));
    expect([...shown].length).toBe(MAX_SHOWN_CHARS);
    expect(shown).toBe(`${'x'.repeat(79)}…`);
    expect(shownValue('y'.repeat(80))).toBe('y'.repeat(80));
    expect(shownValue('y'.repeat(81))).toBe(`${'y'.repeat(79)}…`);
  });

  test('never splits an escape when cutting', () => {
    const shown = shownValue(`${'a'.repeat(77)}\x1b\x1b`);
    expect(shown).toBe(`${'a'.repeat(77)}…`);
    expect([...shownValue('\x1b'.repeat(100))].length).toBeLessThanOrEqual(MAX_SHOWN_CHARS);
    expect(shownValue('\x1b'.repeat(100))).toBe(`${'\\x1b'.repeat(19)}…`);
  });
});
