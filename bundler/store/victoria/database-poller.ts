/**
 * What a dashboard over the time-series database learns by asking it, since its workers, not
 * this process, see the records: every POLL_MS which devices' modules have new records (pushed
 * live as `record`, so open charts refresh), and every LOST_POLL_MS the records lost per device
 * and module within the history: in each boot's run of sequence numbers, the ones the database
 * does not hold. Losses are judged GRACE_MS in the past, as the in-memory ingest waits for
 * reordered records, and only their growth is reported (as `lost` fleet events).
 */
import type { FleetEventSink } from '../../ingest/fleet-events.ts';
import { ThrottledLog } from '../../ingest/throttled-log.ts';
import { SEQUENCE_METRIC } from './record-series.ts';
import type { VictoriaClient } from './victoria-client.ts';

const POLL_MS = 2_000;
const LOST_POLL_MS = 10_000;
const GRACE_MS = 30_000;

export interface RecordListener {
  recordArrived(device: string, module: string, timeMs: number): void;
}

export class DatabasePoller {
  private readonly lastRecordMs = new Map<string, number>();
  private readonly reportedLost = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[];
  private readonly warnings: ThrottledLog;

  constructor(
    private readonly database: VictoriaClient,
    private readonly historyMinutes: number,
    private readonly records: RecordListener,
    private readonly fleet: FleetEventSink,
    log: (line: string) => void,
  ) {
    this.warnings = new ThrottledLog(log);
    const guarded = (what: string, poll: () => Promise<void>) => () => poll().catch((error: Error) => this.warnings.note(what, () => `${what}: ${error.message}; the dashboard shows what it had`, Date.now()));
    this.timers = [setInterval(guarded('new records', () => this.pollRecords()), POLL_MS), setInterval(guarded('lost records', () => this.pollLost()), LOST_POLL_MS)];
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  async pollRecords(nowMs = Date.now()): Promise<void> {
    const latest = await this.database.query(`max by (device, module) (tlast_over_time(${SEQUENCE_METRIC}[${Math.ceil((POLL_MS * 5) / 1000)}s]))`, nowMs);
    for (const { metric, value } of latest) {
      const id = `${metric.device}\0${metric.module}`;
      const timeMs = value * 1000;
      if ((this.lastRecordMs.get(id) ?? 0) >= timeMs) continue;
      this.lastRecordMs.set(id, timeMs);
      this.records.recordArrived(metric.device!, metric.module!, timeMs);
    }
    if (this.lastRecordMs.size > 1_000_000) this.lastRecordMs.clear();
  }

  async pollLost(nowMs = Date.now()): Promise<void> {
    const range = `${this.historyMinutes}m`;
    const series = `${SEQUENCE_METRIC}[${range}]`;
    const lost = await this.database.query(`sum by (device, module) (max_over_time(${series}) - min_over_time(${series}) + 1 - count_over_time(${series}))`, nowMs - GRACE_MS);
    for (const { metric, value } of lost) {
      const id = `${metric.device}\0${metric.module}`;
      const growth = value - (this.reportedLost.get(id) ?? 0);
      if (growth <= 0) continue;
      this.reportedLost.set(id, value);
      this.fleet.accept({ kind: 'lost', device: metric.device!, module: metric.module!, count: growth, receivedMs: nowMs });
    }
  }
}
