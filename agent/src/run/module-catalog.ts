/**
 * A ModuleCatalog over a list of module sources, such as the built-in ones the build generates.
 * Later sources of the same name replace earlier ones, so installed packages can be laid over
 * the built-ins.
 */
import type { ModuleSource } from '../sample/module-types.ts';
import type { ModuleCatalog } from './agent.ts';

export function catalogOf(...lists: ModuleSource[][]): ModuleCatalog {
  const byName = new Map<string, ModuleSource>();
  for (const source of lists.flat()) byName.set(source.name, source);
  return {
    names: () => [...byName.keys()],
    source: (name) => byName.get(name),
  };
}
