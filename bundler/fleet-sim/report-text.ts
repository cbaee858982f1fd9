/** The simulator's progress line and final summary, as `mote fleet-sim` prints them. */
import type { FleetSimProgress, FleetSimReport } from './fleet.ts';

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `publishingMs`: the time the records were made in, for the rate; by default all the time so far. */
export function progressLine(p: FleetSimProgress, publishingMs = p.elapsedMs): string {
  const { published, acknowledged, pending, dropped, disconnects, reconnects, failovers } = p.totals;
  const seconds = publishingMs / 1000;
  return [
    `fleet-sim ${(p.elapsedMs / 1000).toFixed(0)} s: ${count(p.devicesConnected)}/${count(p.devicesStarted)} devices connected`,
    `${count(published)} published (${count(Math.round(published / seconds))}/s)`,
    `${count(acknowledged)} acknowledged`,
    `${count(pending)} unacknowledged`,
    `${count(dropped)} dropped`,
    `${count(disconnects)} disconnects, ${count(reconnects)} reconnects, ${count(failovers)} failovers, ${count(p.reboots)} reboots`,
    `CPU ${p.cpuPercent.toFixed(0)}%`,
  ].join(', ');
}

export function deviceLine(d: FleetSimReport['devices'][number]): string {
  return `${d.device} boot ${d.bootId}: ${d.published} published, ${d.acknowledged} acknowledged, ${d.pending} unacknowledged, ${d.dropped} dropped, ${d.disconnects} disconnects, ${d.reconnects} reconnects, ${d.failovers} failovers`;
}

/** The end: totals, the spread of acknowledged records over devices, the devices short of any, warnings. */
export function summaryLines(report: FleetSimReport): string[] {
  const acked = report.devices.map((d) => d.acknowledged).sort((a, b) => a - b);
  const short = report.devices.filter((d) => d.acknowledged < d.published);
  const lines = [
    progressLine(report, report.publishingMs),
    `per device acknowledged: min ${acked[0] ?? 0}, median ${acked[Math.floor(acked.length / 2)] ?? 0}, max ${acked[acked.length - 1] ?? 0}`,
  ];
  if (short.length > 0) lines.push(`${short.length} devices with records the broker never acknowledged:`, ...short.slice(0, 10).map(deviceLine));
  if (short.length > 10) lines.push(`... and ${short.length - 10} more (--per-device lists all)`);
  if (report.warnings > 0) lines.push(`${count(report.warnings)} connection warnings; the last: ${report.lastWarning}`);
  return lines;
}
