/**
 * OTA inside `mote-agent run`: with at least one `--ota-key`, the module store (`--store`) is
 * opened, its packages are laid over the built-in modules (the catalog the agent runs from),
 * and install/remove commands are answered once `serve` hands over the module registry.
 * Without keys nothing is opened: no package could be trusted.
 */
import type { Sys } from '../sys/types.ts';
import type { Logger } from '../telemetry/runtime.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';
import { OtaCatalog } from './catalog.ts';
import { deviceFacts, readTrustedKeys } from './device.ts';
import { keyIdHex, type TrustedKey } from './keys.ts';
import { encodeResult, otaTopic, type OtaResult } from './messages.ts';
import { OtaService, type OtaModules } from './service.ts';
import { DEFAULT_STORE_DIR, ModuleStore, type CrashPointHook } from './store.ts';
import { type ModuleCatalog } from '../lifecycle/module-catalog.ts';
import { MoteError } from '../errors.ts';

export interface OtaFlags {
  /** `--ota-key` files: the trusted public keys. */
  keyFiles: string[];
  /** `--store`: the module store directory. */
  storeDir?: string;
  /** The store's crash-point hook (MOTE_CRASH_POINT, for the crash-point test). */
  crashPoint?: CrashPointHook;
}

export class AgentOta {
  readonly catalog: ModuleCatalog;
  private readonly otaCatalog: OtaCatalog | undefined;
  private readonly store: ModuleStore | undefined;
  private readonly keys: TrustedKey[] = [];
  private service: OtaService | undefined;

  constructor(
    private readonly sys: Sys,
    flags: OtaFlags,
    private readonly builtins: ModuleCatalog,
    private readonly log: Logger,
  ) {
    if (flags.keyFiles.length === 0) {
      this.catalog = builtins;
      return;
    }
    const keys = readTrustedKeys(sys, flags.keyFiles);
    this.keys = keys;
    this.store = new ModuleStore(sys, flags.storeDir ?? DEFAULT_STORE_DIR, (message) => log.warn(message), flags.crashPoint);
    this.store.open();
    this.otaCatalog = new OtaCatalog(builtins, this.store, keys, log);
    this.catalog = this.otaCatalog;
    const stored = this.store.list().map((e) => `${e.name} ${e.state === 'removed' ? `removed at ${e.version}` : e.version}`);
    log.info(`ota: keys ${keys.map((k) => keyIdHex(k.keyId)).join(', ')}; store ${this.store.dir}${stored.length ? ` (${stored.join(', ')})` : ' (empty)'}`);
  }

  /** Usable modules the store holds that are not built in: they run whatever the module list says. */
  installedModules(): string[] {
    const builtin = new Set(this.builtins.names());
    const usable = new Set(this.catalog.names());
    return (this.store?.list() ?? []).filter((e) => e.state === 'installed' && !builtin.has(e.name) && usable.has(e.name)).map((e) => e.name);
  }

  /** Telemetry's onCommand, or undefined when OTA is off. */
  get onCommand(): ((path: string, command: Map<unknown, unknown>) => void) | undefined {
    if (!this.otaCatalog) return undefined;
    return (path, command) => {
      if (!this.service) throw new MoteError('OTA is not ready yet: the agent is still starting its modules; send the command again once its status says online');
      this.service.handle(path, command);
    };
  }

  /** Starts answering commands for `modules`, publishing each result for `device` through `telemetry`. */
  serve(modules: OtaModules, telemetry: Telemetry, device: string): void {
    if (!this.otaCatalog || !this.store) return;
    const topic = otaTopic(device, 'result');
    const publishResult = (result: OtaResult) => {
      const sent = telemetry.session.publishDirect({ topic, payload: encodeResult(result), qos: 1, retain: false });
      if (!sent) this.log.warn(`ota: the result of request ${result.requestId} was not sent: the broker is not connected`);
    };
    this.service = new OtaService({ store: this.store, catalog: this.otaCatalog, modules, device: deviceFacts(this.sys, this.keys), publishResult, log: this.log });
  }
}
