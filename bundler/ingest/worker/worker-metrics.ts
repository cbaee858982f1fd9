/**
 * An ingest worker's own metrics (prom-client), served at its `/metrics` and sent to the database
 * with the worker's id as a label, so the dashboard can sum parked messages over every worker.
 */
import { Counter, Gauge, Registry } from 'prom-client';

export type MessageOutcome = 'written' | 'duplicate' | 'parked' | 'ignored';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly messages: Counter<'outcome'>;
  readonly parked: Counter<'reason'>;
  readonly writeFailures: Counter<'retryable'>;
  readonly unacknowledged: Gauge<string>;

  constructor(worker: string) {
    this.registry.setDefaultLabels({ worker });
    const registers = [this.registry];
    this.messages = new Counter({ name: 'mote_ingest_messages_total', help: 'Messages the worker settled, by outcome: written to the database, duplicate of a stored record, parked as unusable, or ignored (a cleared retained message).', labelNames: ['outcome'], registers });
    this.parked = new Counter({ name: 'mote_ingest_parked_total', help: 'Messages parked as unusable, by reason.', labelNames: ['reason'], registers });
    this.writeFailures = new Counter({ name: 'mote_ingest_write_failures_total', help: 'Database writes that failed; retryable ones are tried again and nothing is acknowledged meanwhile.', labelNames: ['retryable'], registers });
    this.unacknowledged = new Gauge({ name: 'mote_ingest_unacknowledged_messages', help: 'Messages the worker holds, waiting for the database to accept them.', registers });
  }
}
