// A progress bar on stderr for anything that runs longer than a second; silent before that and with --quiet.
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export function createProgress(label: string, options: { quiet?: boolean; unit?: string } = {}): Progress {
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  const unit = options.unit ?? 'bars';
  let lastDraw = 0;
  let drawn = false;
  let lastPct = -1;
  return {
    update(done, total) {
      if (options.quiet) return;
      const now = performance.now();
      const elapsed = now - started;
      if (elapsed < 1000 || (now - lastDraw < 100 && done < total)) return;
      const pct = total > 0 ? done / total : 1;
      // Without a terminal, print a line per 10% instead of redrawing.
      if (!tty && Math.floor(pct * 10) === lastPct && done < total) return;
      lastPct = Math.floor(pct * 10);
      lastDraw = now;
      drawn = true;
      const width = 30;
      const filled = Math.round(pct * width);
      const rate = done / (elapsed / 1000);
      const eta = rate > 0 ? (total - done) / rate : 0;
      const line =
        `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(pct * 100).toFixed(0).padStart(3)}% ` +
        `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit} ` +
        `${Math.round(rate).toLocaleString('en-US')} ${unit}/s ETA ${eta.toFixed(0)}s`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    },
    finish() {
      if (drawn && tty) process.stderr.write('\n');
    },
  };
}
