/**
 * The fleet's Prometheus metrics, served by `mote serve` at `/metrics`: a FleetEventSink that
 * turns ingest's events into prom-client metrics in a registry of its own, and writes them in
 * the text exposition format. Devices' statuses go to agent-metrics.ts, their records to
 * module-metrics.ts; losses, bad input and OTA answers are counted here. README.md ("Prometheus
 * metrics") lists every name.
 */
import { Counter, Registry } from 'prom-client';
import type { FleetEvent, FleetEventSink } from '../ingest/fleet-events.ts';
import { syscallArchOf } from '../syscalls/syscall-names.ts';
import type { SyscallArch } from '../build/syscall-tables.ts';
import { AgentMetrics } from './agent-metrics.ts';
import { DeviceEviction, removeDeviceSeries } from './device-eviction.ts';
import { UnexportableRecordError } from './metric-names.ts';
import { ModuleMetrics } from './module-metrics.ts';

const DEFAULT_MAX_DEVICES = 10_000;

export class FleetMetrics implements FleetEventSink {
  private readonly registry = new Registry();
  private readonly agents = new AgentMetrics(this.registry);
  private readonly modules: ModuleMetrics;
  private readonly archByDevice = new Map<string, SyscallArch | null>();
  private readonly lost: Counter<string>;
  private readonly badInput: Counter<string>;
  private readonly otaResults: Counter<string>;
  private readonly unexported: Counter<string>;
  private readonly devices: DeviceEviction;
  readonly contentType: string = this.registry.contentType;

  /**
   * `seriesCap`: key label sets per device and module before the rest fold into `other`;
   * `maxDevices`: devices kept before the least recently heard is forgotten (default 10,000).
   */
  constructor(options: { seriesCap: number; maxDevices?: number }) {
    if (!Number.isInteger(options.seriesCap) || options.seriesCap < 1) throw new RangeError(`seriesCap must be a positive integer, not ${options.seriesCap}`);
    this.devices = new DeviceEviction(options.maxDevices ?? DEFAULT_MAX_DEVICES, (device) => this.forget(device));
    const registers = [this.registry];
    this.modules = new ModuleMetrics(this.registry, options.seriesCap);
    this.lost = new Counter({ name: 'mote_records_lost_total', help: 'Telemetry records that never arrived (gaps in a module\'s sequence numbers).', labelNames: ['device', 'module'], registers });
    this.badInput = new Counter({ name: 'mote_bad_input_total', help: 'Messages ingest could not use, by reason; device is empty when unknown.', labelNames: ['device', 'reason'], registers });
    this.otaResults = new Counter({ name: 'mote_ota_results_total', help: 'Answers devices gave to OTA commands, by outcome.', labelNames: ['device', 'outcome'], registers });
    this.unexported = new Counter({ name: 'mote_records_unexported_total', help: 'Telemetry records whose metrics would clash with exported ones (a module that changed its record kind) or are past the limits on modules and value fields.', labelNames: ['device', 'module'], registers });
  }

  accept(event: FleetEvent): void {
    if (event.device !== null) this.devices.touch(event.device);
    switch (event.kind) {
      case 'status':
        this.archByDevice.set(event.device, syscallArchOf(event.status.machine));
        return this.agents.accept(event.device, event.status);
      case 'telemetry':
        try {
          return this.modules.accept(event.device, this.archByDevice.get(event.device) ?? null, event.envelope);
        } catch (error) {
          if (!(error instanceof UnexportableRecordError)) throw error;
          return this.unexported.inc({ device: event.device, module: event.envelope.module });
        }
      case 'lost':
        return this.lost.inc({ device: event.device, module: event.module }, event.count);
      case 'bad-input':
        return this.badInput.inc({ device: event.device ?? '', reason: event.reason });
      case 'ota-result':
        return this.otaResults.inc({ device: event.device, outcome: event.result.outcome });
    }
  }

  private forget(device: string): void {
    this.archByDevice.delete(device);
    this.agents.forget(device);
    this.modules.forget(device);
    void removeDeviceSeries(this.registry, device);
  }

  /** The registry behind /metrics, for `--remote-write` to read and count in. */
  get prometheusRegistry(): Registry {
    return this.registry;
  }

  /** The text exposition of every metric, in `contentType`. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
