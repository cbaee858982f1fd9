/**
 * The modules an agent with a module store can run: its built-in ones with the store laid over
 * them. An installed package replaces the built-in of its name unless the built-in is newer
 * (an agent upgrade brought a newer one); a removed module is left out, built-in or not.
 * Stored packages are checked again (canonical form and signature) before they are trusted, so a
 * damaged or tampered file falls back to the built-in instead of being loaded.
 */
import type { ModuleSource } from '../lifecycle/module-types.ts';
import type { Logger } from '../telemetry/runtime.ts';
import type { TrustedKey } from './keys.ts';
import { parsePackage } from './package.ts';
import { checkSignature } from './signature.ts';
import type { ModuleStore } from './store.ts';
import { compareVersions, isVersion } from './version.ts';
import { type ModuleCatalog } from '../lifecycle/module-catalog.ts';

export class OtaCatalog implements ModuleCatalog {
  private readonly sources = new Map<string, ModuleSource>();

  constructor(
    private readonly builtins: ModuleCatalog,
    private readonly store: ModuleStore,
    private readonly trustedKeys: readonly TrustedKey[],
    private readonly log: Logger,
  ) {
    for (const name of builtins.names()) this.sources.set(name, builtins.source(name)!);
    for (const entry of store.list()) {
      if (entry.state === 'removed') {
        this.sources.delete(entry.name);
        continue;
      }
      const stored = this.readStored(entry.name);
      const builtin = this.builtinVersion(entry.name);
      if (stored && (builtin === undefined || compareVersions(stored.version, builtin) >= 0)) this.sources.set(entry.name, stored);
    }
  }

  names(): string[] {
    return [...this.sources.keys()];
  }

  source(name: string): ModuleSource | undefined {
    return this.sources.get(name);
  }

  /** Records what runs under `name` now (an accepted package), or that nothing does. */
  set(name: string, source: ModuleSource | undefined): void {
    if (source) this.sources.set(name, source);
    else this.sources.delete(name);
  }

  /** The version a new package of `name` must exceed: the stored one or the built-in, the higher. */
  versionFloor(name: string): string | undefined {
    const candidates = [this.store.entry(name)?.version, this.builtinVersion(name)].filter((v): v is string => v !== undefined);
    return candidates.sort(compareVersions).pop();
  }

  private builtinVersion(name: string): string | undefined {
    const version = this.builtins.source(name)?.version;
    return version !== undefined && isVersion(version) ? version : undefined;
  }

  private readStored(name: string): ModuleSource | undefined {
    try {
      const parsed = parsePackage(this.store.readPackage(name));
      checkSignature(parsed, this.trustedKeys);
      return parsed.module;
    } catch (error) {
      this.log.warn(`module store: the stored package of '${name}' is not usable (${(error as Error).message}); running the built-in one if there is one`);
      return undefined;
    }
  }
}
