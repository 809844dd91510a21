// Text from outside (a CSV header, a cell, a YAML value) is echoed in one-line messages. Raw, it can carry
// terminal escape sequences (clearing the screen, rewriting earlier lines) or run to megabytes on one line;
// shown through here it is bounded and inert, and still recognisable.

/** The longest echoed value, including the ellipsis marker. */
export const MAX_SHOWN_CHARS = 80;
const ELLIPSIS = '…';

/** Unicode direction overrides reorder what a terminal shows ("trojan source"), so they are escaped too. */
function isInvisibleControl(code: number): boolean {
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || code === 0x200e
    || code === 0x200f || code === 0xfeff;
}

function escapedCodePoint(char: string): string {
  const code = char.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (isInvisibleControl(code)) return `\\u{${code.toString(16)}}`;
  return char;
}

/**
 * `value` as it may be printed: control characters (ESC, CR, NUL, C1, bidi overrides) escaped as `\x1b` or
 * `\u{202e}`, and cut to at most `maxChars` characters, the cut marked with `…`. An escape is never split.
 */
export function shownValue(value: string, maxChars: number = MAX_SHOWN_CHARS): string {
  const pieces: string[] = [];
  let length = 0;
  // Stops one piece past the limit: a 5 MB cell costs only its first few characters.
  for (const char of value) {
    const piece = escapedCodePoint(char);
    length += [...piece].length;
    if (length > maxChars) {
      let kept = '';
      let keptLength = 0;
      for (const p of pieces) {
        const n = [...p].length;
        if (keptLength + n > maxChars - ELLIPSIS.length) break;
        kept += p;
        keptLength += n;
      }
      return kept + ELLIPSIS;
    }
    pieces.push(piece);
  }
  return pieces.join('');
}
