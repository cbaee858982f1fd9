/**
 * Catalogs: the modules an agent can run, by name. `catalogOf` makes one over lists of module
 * sources, such as the built-in ones the build generates; later sources of the same name replace
 * earlier ones, so installed packages can be laid over the built-ins.
 */
import type { ModuleSource } from './module-types.ts';

/** Where module sources come from: the built-in ones, later also those OTA installed. */
export interface ModuleCatalog {
  names(): string[];
  source(name: string): ModuleSource | undefined;
}

export function catalogOf(...lists: ModuleSource[][]): ModuleCatalog {
  const byName = new Map<string, ModuleSource>();
  for (const source of lists.flat()) byName.set(source.name, source);
  return {
    names: () => [...byName.keys()],
    source: (name) => byName.get(name),
  };
}
