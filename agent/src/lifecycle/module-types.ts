/**
 * The contract between the sampler (modules turned into records), the agent's main loop
 * (`mote-agent run`) and OTA updates. A module comes from a ModuleSource, whether built into
 * the agent or delivered in a signed package; a ModuleLoader turns it into a RunningModule
 * that yields one telemetry record per interval until it is closed. Replacing a module is
 * load-new, then close-old: the old one keeps running if the new one fails to load.
 */
import { type SamplingWindow, type TelemetryRecord } from '../sample/decode/records.ts';

/** Architectures a module object is built for, as `uname -m` families name them. */
export type ModuleArch = 'x86_64' | 'armhf';

export interface ModuleSource {
  name: string;
  /** Monotonic version (a positive integer as a string, or semver). */
  version: string;
  /** The CO-RE object per architecture (DWARF stripped; .BTF and .BTF.ext kept). */
  objects: Partial<Record<ModuleArch, Uint8Array>>;
  /** Minimized kernel BTFs the module was built against, keyed by kernel release. */
  btfs: Record<string, Uint8Array>;
  /** The sampling manifest as shipped (JSON text); the sampler parses and validates it. */
  manifest: string;
}

/** Per-module settings from the agent config; each overrides the manifest's default. */
export interface ModuleSettings {
  intervalMs?: number;
  topN?: number;
  /** `const volatile` globals set before load (filters such as a target pid or port). */
  constants?: Record<string, number | string>;
  /** Chooses a hook variant by name instead of letting feature probes decide. */
  variant?: string;
  /** Network interface socket-filter modules attach to (default: the manifest's). */
  interface?: string;
}

export interface ModuleSampleResult {
  /** The monotonic time the record actually covers. */
  window: SamplingWindow;
  record: TelemetryRecord;
}

export interface RunningModule {
  readonly name: string;
  readonly version: string;
  readonly intervalMs: number;
  /** Which hook variant was chosen (e.g. `tracepoint`, `kprobe`), for the status message. */
  readonly variant: string;
  /** Reads the module's maps/buffers and returns this interval's record (null: nothing to say). */
  sample(): ModuleSampleResult | null;
  /** Detaches every program and closes every fd. */
  close(): void;
}

export interface ModuleLoader {
  /** Loads and attaches; throws a MoteError whose message says why (verifier excerpt included). */
  load(source: ModuleSource, settings: ModuleSettings): RunningModule;
}
