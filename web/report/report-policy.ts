// The content security policy a report is served under from the dashboard. The report is one self-contained
// file whose charts are inline scripts, so the dashboard's `script-src 'self'` would block them; instead of
// 'unsafe-inline', the policy names the sha256 of each inline script the file holds, computed from the bytes
// being served, so exactly those scripts run and nothing injected into the page does. The report needs no
// network at all, and runs sandboxed (an opaque origin: its scripts cannot call the dashboard's routes).
import { createHash } from 'node:crypto';

// An inline script element: its attributes and text up to the first `</script` the HTML parser would stop at.
const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script[\s/>]/gi;
const EXECUTABLE_TYPES = new Set(['', 'text/javascript', 'application/javascript', 'module']);

function isExecutable(attributes: string): boolean {
  if (/\bsrc\s*=/i.test(attributes)) return false;
  const type = /\btype\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes);
  return EXECUTABLE_TYPES.has((type?.[1] ?? type?.[2] ?? type?.[3] ?? '').trim().toLowerCase());
}

/** `'sha256-…'` of every inline script a browser would run in this HTML, in document order. */
export function inlineScriptHashes(page: string): string[] {
  const hashes: string[] = [];
  for (const match of page.matchAll(SCRIPT)) {
    if (!isExecutable(match[1] ?? '')) continue;
    // The HTML parser turns CRLF and lone CR into LF before the browser hashes the text.
    const text = (match[2] ?? '').replace(/\r\n?/g, '\n');
    hashes.push(`'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`);
  }
  return [...new Set(hashes)];
}

export function reportContentSecurityPolicy(page: string): string {
  const hashes = inlineScriptHashes(page);
  return [
    "default-src 'none'",
    `script-src ${hashes.length === 0 ? "'none'" : hashes.join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    'sandbox allow-scripts',
  ].join('; ');
}
