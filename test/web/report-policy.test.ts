// The report's policy names exactly the inline scripts the served file holds, by a hash computed here
// independently of the module under test.
import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { inlineScriptHashes, reportContentSecurityPolicy } from '../../web/report/report-policy.ts';

const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('report content security policy', () => {
  test('lists the sha256 of each inline script, in order, and nothing for data blocks or external scripts', () => {
    const page = `<!doctype html><html><head><script src="/x.js"></script></head><body>
<script type="application/json" id="report-data">{"a":1}</script>
<script>var a = 1;</script>
<SCRIPT type="text/javascript">
  draw();
</script >
</body></html>`;
    expect(inlineScriptHashes(page)).toEqual([sha('var a = 1;'), sha('\n  draw();\n')]);
  });

  test('hashes the text as the browser parses it (CRLF becomes LF)', () => {
    expect(inlineScriptHashes('<script>a();\r\nb();\r</script>')).toEqual([sha('a();\nb();\n')]);
  });

  test('allows only those hashes: no unsafe-inline, no self, no network, and a sandbox', () => {
    const policy = reportContentSecurityPolicy('<script>one()</script><script>two()</script>');
    const directives = new Map(policy.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    expect(directives.get('script-src')).toEqual([sha('one()'), sha('two()')]);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('sandbox')).toEqual(['allow-scripts']);
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
  });

  test('a page without inline scripts runs none', () => {
    expect(reportContentSecurityPolicy('<p>no scripts</p>')).toContain("script-src 'none'");
  });
});
