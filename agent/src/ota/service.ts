/**
 * The device side of OTA: install and remove commands in, one result out for each.
 *
 * Install: verify (verify.ts) -> stage the package in the store -> load it in place of the
 * running version (the registry closes the old one only once the new one runs) -> switch the
 * store's pointer to it. A load failure discards the staged file: the old version keeps running
 * and stays the stored one ("rolled-back", with the verifier excerpt). A crash at any step
 * leaves the pointer on a complete package, old or new (store.ts).
 * Remove: detach the module's programs and record the removal in the store.
 */
import type { ModuleSource, RunningModule } from '../lifecycle/module-types.ts';
import type { ModuleStatus } from '../telemetry/messages.ts';
import type { Logger } from '../telemetry/runtime.ts';
import type { OtaCatalog } from './catalog.ts';
import { describeLoadFailure } from './load-failure.ts';
import { decodeInstall, decodeRemove, OtaMessageError, requestIdOf, type OtaResult } from './messages.ts';
import { OtaRejection } from './rejection.ts';
import type { ModuleStore } from './store.ts';
import { verifyPackage, type DeviceFacts } from './verify.ts';

/** What OTA needs from the agent's module registry. */
export interface OtaModules {
  /** Loads `source` in place of the module of its name; throws, keeping the old one, if that fails. */
  replace(name: string, source: ModuleSource): RunningModule;
  remove(name: string): void;
  statuses(): ModuleStatus[];
}

export interface OtaServiceOptions {
  store: ModuleStore;
  catalog: OtaCatalog;
  modules: OtaModules;
  device: Omit<DeviceFacts, 'versionFloor'>;
  publishResult(result: OtaResult): void;
  log: Logger;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class OtaService {
  constructor(private readonly options: OtaServiceOptions) {}

  /** Telemetry's onCommand: `path` is the topic below `.../ota/`. */
  handle(path: string, command: Map<unknown, unknown>): void {
    if (path === 'result') return; // our own results, echoed by the ota/# subscription
    let result: OtaResult;
    try {
      if (path === 'install') result = this.install(command);
      else if (path === 'remove') result = this.remove(command);
      else throw new OtaRejection('malformed', `unknown OTA command '${path}'; the commands are install and remove`);
    } catch (error) {
      result = this.rejected(requestIdOf(command), error);
    }
    const reason = result.reason ? ` (${result.reason})` : '';
    this.options.log[result.outcome === 'accepted' || result.outcome === 'removed' ? 'info' : 'warn'](`ota: ${result.module || '?'}: ${result.outcome}${reason}: ${result.message}`);
    this.options.publishResult(result);
  }

  private install(command: Map<unknown, unknown>): OtaResult {
    const { requestId, packageBytes } = decodeInstall(command);
    const { catalog, store, modules } = this.options;
    const { module } = verifyPackage(packageBytes, { ...this.options.device, versionFloor: (name) => catalog.versionFloor(name) });
    const { name, version } = module;
    try {
      store.stage(name, version, packageBytes);
    } catch (error) {
      throw new OtaRejection('store-failed', `package '${name}' ${version}: cannot write the module store ${store.dir} (${errorText(error)}); free space or fix its permissions`, name);
    }
    try {
      modules.replace(name, module);
    } catch (error) {
      store.discard(name, version);
      const failure = describeLoadFailure(error);
      return this.rolledBack(requestId, name, failure.reason, `version ${version} did not load: ${failure.summary}`, failure.excerpt);
    }
    try {
      store.commit(name, version);
    } catch (error) {
      this.restore(name);
      store.discard(name, version);
      return this.rolledBack(requestId, name, 'store-failed', `version ${version} loaded but the store ${store.dir} could not switch to it (${errorText(error)}); free space or fix its permissions`, []);
    }
    catalog.set(name, module);
    return { requestId, module: name, outcome: 'accepted', message: `version ${version} is stored and running`, version };
  }

  private remove(command: Map<unknown, unknown>): OtaResult {
    const { requestId, module: name } = decodeRemove(command);
    const { catalog, store, modules } = this.options;
    const version = this.runningVersion(name) ?? catalog.source(name)?.version;
    if (version === undefined) {
      const known = modules.statuses().map((m) => m.name).join(', ') || 'none';
      throw new OtaRejection('unknown-module', `no module '${name}' on this device (it has: ${known}); check the name`, name);
    }
    modules.remove(name);
    catalog.set(name, undefined);
    const floor = catalog.versionFloor(name) ?? version;
    try {
      store.markRemoved(name, floor);
    } catch (error) {
      return { requestId, module: name, outcome: 'removed', message: `detached, but the removal is not stored (${errorText(error)}): the module comes back at the next start`, version: floor };
    }
    return { requestId, module: name, outcome: 'removed', message: `detached; installs must now be newer than ${floor}`, version: floor };
  }

  /** Puts the catalog's (stored or built-in) version back in place of a version that cannot stay. */
  private restore(name: string): void {
    const previous = this.options.catalog.source(name);
    try {
      if (previous) this.options.modules.replace(name, previous);
      else this.options.modules.remove(name);
    } catch (error) {
      this.options.log.warn(`ota: ${name}: the previous version did not load again: ${errorText(error)}`);
    }
  }

  private runningVersion(name: string): string | undefined {
    return this.options.modules.statuses().find((m) => m.name === name && m.error === undefined)?.version;
  }

  private rolledBack(requestId: string, name: string, reason: OtaResult['reason'], what: string, excerpt: string[]): OtaResult {
    const running = this.runningVersion(name);
    const kept = running === undefined ? 'no version of it runs' : `version ${running} keeps running`;
    const result: OtaResult = { requestId, module: name, outcome: 'rolled-back', reason: reason!, message: `${what}; ${kept}` };
    if (running !== undefined) result.version = running;
    if (excerpt.length > 0) result.verifierExcerpt = excerpt;
    return result;
  }

  private rejected(requestId: string, error: unknown): OtaResult {
    const rejection = error instanceof OtaRejection ? error : new OtaRejection('malformed', error instanceof OtaMessageError ? error.message : `unexpected failure: ${errorText(error)}`);
    const result: OtaResult = { requestId, module: rejection.module, outcome: 'rejected', reason: rejection.reason, message: rejection.message };
    const running = rejection.module ? this.runningVersion(rejection.module) : undefined;
    if (running !== undefined) result.version = running;
    return result;
  }
}
