/**
 * Imports that cross from one part of the tree into another it must not reach, found on the
 * compiler-resolved import graph (import-graph.ts): every relative import of every file under
 * `from`, resolved to a path, checked against the folder `into`.
 */
import { dirname, join, relative, resolve } from 'node:path';
import { importGraph } from './import-graph.ts';

function inside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/** `file -> target` for each import of a file under `from` that lands inside `into`. */
export function importsCrossing(from: string, into: string): string[] {
  return importGraph(from).flatMap((edge) => {
    const target = edge.external ? (edge.to.startsWith('.') ? resolve(dirname(join(from, edge.from)), edge.to) : undefined) : join(from, edge.to);
    return target !== undefined && inside(target, into) ? [`${edge.from} -> ${relative(dirname(from), target)}`] : [];
  });
}
