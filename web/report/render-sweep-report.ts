import type { SweepReport } from '../../actors/sweep/run-sweep.ts';
export function renderSweepReport(report: SweepReport): string {
  return `<html><body>${report.sweepId}</body></html>`;
}
