// The page shell: assets from /static (installed packages, never a CDN), navigation, and the body.
import { html } from 'hono/html';
import type { Html } from './panels.ts';

export interface NavLink {
  href: string;
  label: string;
  current?: boolean;
}

export function layout(title: string, nav: NavLink[], body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowScriptTags":false}'>
<title>${title} · QuantSage</title>
<link rel="stylesheet" href="/static/uPlot.min.css">
<link rel="stylesheet" href="/static/dashboard.css">
<script src="/static/htmx.min.js"></script>
<script src="/static/sse.js"></script>
<script src="/static/uPlot.iife.min.js"></script>
<script src="/static/line-chart.js"></script>
<script src="/static/dashboard.js" defer></script>
</head>
<body>
<nav class="top"><strong>QuantSage</strong>${nav.map(
    (link) => html` <a href="${link.href}"${link.current ? html` aria-current="page"` : ''}>${link.label}</a>`,
  )}</nav>
<main>
${body}
</main>
</body>
</html>`;
}
