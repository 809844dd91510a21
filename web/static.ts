// Static assets from the installed packages and web/client/, read once: the dashboard works offline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

const fromPackage = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));
const CLIENT_DIR = join(import.meta.dir, 'client');

export const STATIC_FILES: Record<string, { path: string; type: string }> = {
  'htmx.min.js': { path: fromPackage('htmx.org/dist/htmx.min.js'), type: 'text/javascript' },
  'sse.js': { path: fromPackage('htmx-ext-sse/dist/sse.min.js'), type: 'text/javascript' },
  'uPlot.iife.min.js': { path: fromPackage('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript' },
  'uPlot.min.css': { path: fromPackage('uplot/dist/uPlot.min.css'), type: 'text/css' },
  'line-chart.js': { path: join(CLIENT_DIR, 'line-chart.js'), type: 'text/javascript' },
  'dashboard.js': { path: join(CLIENT_DIR, 'dashboard.js'), type: 'text/javascript' },
  'dashboard.css': { path: join(CLIENT_DIR, 'dashboard.css'), type: 'text/css' },
};

export function staticRoutes(): Hono {
  const contents = new Map(Object.entries(STATIC_FILES).map(([name, file]) => [name, readFileSync(file.path)]));
  const app = new Hono();
  app.get('/:file', (c) => {
    const name = c.req.param('file');
    const body = contents.get(name);
    const file = STATIC_FILES[name];
    if (body === undefined || file === undefined) return c.notFound();
    return c.body(body, 200, { 'content-type': `${file.type}; charset=utf-8`, 'cache-control': 'no-cache' });
  });
  return app;
}
