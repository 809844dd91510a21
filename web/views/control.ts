// The kill switch on a session's dashboard: Halt (optionally flattening, with a reason) and Resume, and the
// operator commands the session has taken or is still to take. The forms are outside every swapped panel,
// so a live update never clears what the operator is typing.
import { html } from 'hono/html';
import type { CommandRow } from '../data/queries.ts';
import type { Html } from './panels.ts';

/** Wall time to the second, in UTC (commands are seconds apart, bar times minutes). */
function wallTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function commandsList(rows: CommandRow[], notice?: string): Html {
  const note = notice === undefined ? '' : html`<p class="command-notice" role="status">${notice}</p>`;
  if (rows.length === 0) return html`${note}<p class="empty-note">No operator commands yet.</p>`;
  return html`${note}<table class="commands"><thead><tr><th>#</th><th>Issued</th><th>Command</th><th>Reason</th><th>Session</th></tr></thead>
<tbody>${rows.map((r) => {
    const taken = r.journalSeq !== null;
    return html`<tr data-command="${r.id}" data-kind="${r.kind}" data-taken="${taken ? 'yes' : 'no'}"><td>${r.id}</td><td>${wallTime(r.issuedAt)}</td><td><code>${r.kind}${r.flatten ? ' --flatten' : ''}</code></td><td class="reason">${r.reason}</td>
<td class="${taken ? 'pos' : 'pending'}">${taken ? `taken${r.takenAt === null ? '' : ` ${wallTime(r.takenAt)}`} (journal #${r.journalSeq})` : 'waiting for the session'}</td></tr>`;
  })}</tbody></table>`;
}

export interface ControlView {
  /** Where the forms post. */
  action: string;
  /** Partial URL of the commands list. */
  listUrl: string;
  csrf: string;
  commands: Html;
  /** Where orders go and how protective stops are kept (from the session's config snapshot). */
  execution: string;
  /** Set when no process runs the session: a command waits until it is resumed. */
  notRunning?: string;
}

export function controlPanel(view: ControlView): Html {
  return html`<section class="panel panel-control" id="panel-control">
<h2>Kill switch</h2>
<p class="execution" data-execution>${view.execution}</p>
${view.notRunning === undefined ? '' : html`<p class="not-running" data-not-running>${view.notRunning}</p>`}
<div class="control-forms">
<form class="halt" method="post" action="${view.action}" hx-post="${view.action}" hx-target="#commands-body" hx-swap="innerHTML">
<input type="hidden" name="csrf" value="${view.csrf}"><input type="hidden" name="kind" value="halt">
<label><input type="checkbox" name="flatten" value="yes"> flatten (close every position at the next bar)</label>
<label>reason <input type="text" name="reason" maxlength="200" placeholder="operator halt (dashboard)"></label>
<button type="submit" class="danger" data-command="halt">Halt</button>
</form>
<form class="resume" method="post" action="${view.action}" hx-post="${view.action}" hx-target="#commands-body" hx-swap="innerHTML">
<input type="hidden" name="csrf" value="${view.csrf}"><input type="hidden" name="kind" value="resume">
<button type="submit" data-command="resume">Resume</button>
</form>
</div>
<p class="subtitle">Halt stops new entries and cancels working entry orders within a second; flatten also closes every position at the next bar. The same as <code>bun run halt</code> / <code>bun run resume</code>; the breaker panel shows the halt.</p>
<h3>Operator commands</h3>
<div class="panel-body" id="commands-body" hx-get="${view.listUrl}" hx-trigger="every 5s" data-poll sse-swap="commands">
${view.commands}
</div>
</section>`;
}
