/**
 * The agent's import graph as the TypeScript compiler sees it: every import, export-from and
 * dynamic import() of every file, resolved with the project's compiler options, grouped into the
 * rooms (folders) of agent/src, and checked against the layer rules of the architecture.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  from: string;
  /** A resolved file under the root, or the bare specifier (node:fs, mote:sys, std, mqtt). */
  to: string;
  external: boolean;
  typeOnly: boolean;
}

/** Layers from the top down; rooms on one line may import each other, but never in a cycle. */
export const LAYERS: string[][] = [
  ['main.ts'],
  ['commands'],
  ['run'],
  ['ota', 'lifecycle', 'telemetry'],
  ['sample'],
  ['kernel'],
  ['object'],
  ['btf'],
  ['elf'],
  ['sys', 'bytes', 'abi', 'version.ts', 'errors.ts'],
];
/** Folders that take bytes and return values: no OS, no clock, no global state. */
export const PURE_FOLDERS = ['abi', 'bytes', 'elf', 'btf', 'object', 'sample/decode'];
/** Where a value import of sys/ may stand (type imports of the Sys interface are free). */
export const SYS_USERS = ['kernel/', 'telemetry/transports/', 'ota/store.ts', 'main.ts', 'sys/'];
/** Globals a pure module must not touch (QuickJS lacks some, and all of them are state). */
const IMPURE_GLOBALS = new Set(['process', 'Date', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'Buffer', 'TextDecoder', 'TextEncoder']);

const compilerOptions: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  target: ts.ScriptTarget.ES2022,
};

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function isTypeOnlyImport(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly;
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** Every import of every file under `root`, resolved by the compiler. */
export function importGraph(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const add = (specifier: string, typeOnly: boolean) => {
      const resolved = ts.resolveModuleName(specifier, file, compilerOptions, ts.sys).resolvedModule;
      const inside = resolved !== undefined && !resolved.isExternalLibraryImport && !relative(root, resolved.resolvedFileName).startsWith('..');
      edges.push({ from: relative(root, file), to: inside ? relative(root, resolved.resolvedFileName) : specifier, external: !inside, typeOnly });
    };
    const visit = (node: ts.Node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, isTypeOnlyImport(node));
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        add(node.arguments[0].text, false);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return edges;
}

/** The room of a file: its first folder under the root, or the file itself at the top. */
export function roomOf(path: string): string {
  return path.split(sep)[0]!;
}

/** Cycles between rooms (strongly connected components of more than one room), each sorted. */
export function roomCycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (edge.external) continue;
    const [a, b] = [roomOf(edge.from), roomOf(edge.to)];
    if (a === b) continue;
    if (!next.has(a)) next.set(a, new Set());
    next.get(a)!.add(b);
    if (!next.has(b)) next.set(b, new Set());
  }
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (room: string) => {
    index.set(room, counter);
    low.set(room, counter++);
    stack.push(room);
    onStack.add(room);
    for (const other of next.get(room) ?? []) {
      if (!index.has(other)) {
        connect(other);
        low.set(room, Math.min(low.get(room)!, low.get(other)!));
      } else if (onStack.has(other)) {
        low.set(room, Math.min(low.get(room)!, index.get(other)!));
      }
    }
    if (low.get(room) === index.get(room)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== room);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const room of next.keys()) if (!index.has(room)) connect(room);
  return components;
}

function layerOf(room: string): number {
  return LAYERS.findIndex((layer) => layer.includes(room));
}

/** Imports that go up the layers, or from or to a room the layers do not name. */
export function layerViolations(edges: ImportEdge[]): string[] {
  const problems: string[] = [];
  for (const edge of edges) {
    if (edge.external) continue;
    const [a, b] = [roomOf(edge.from), roomOf(edge.to)];
    if (a === b) continue;
    const [la, lb] = [layerOf(a), layerOf(b)];
    if (la < 0) problems.push(`${edge.from}: room '${a}' is in no layer`);
    else if (lb < 0) problems.push(`${edge.from} imports ${edge.to}: room '${b}' is in no layer`);
    else if (lb < la) problems.push(`${edge.from} imports ${edge.to}: '${b}' is above '${a}'`);
  }
  return [...new Set(problems)];
}

/** Whether a file lies in one of the pure folders. */
export function isPure(path: string): boolean {
  return PURE_FOLDERS.some((folder) => path.startsWith(`${folder}${sep}`));
}

/** Pure folders that import a stateful one or anything from outside the tree. */
export function purityViolations(edges: ImportEdge[]): string[] {
  return edges
    .filter((edge) => isPure(edge.from))
    .filter((edge) => edge.external || !(isPure(edge.to) || edge.to === 'errors.ts'))
    .filter((edge) => !(edge.external && edge.typeOnly))
    .map((edge) => `${edge.from} imports ${edge.to}`);
}

/** Value imports of sys/ from outside the rooms that may touch the OS. */
export function sysViolations(edges: ImportEdge[]): string[] {
  return edges
    .filter((edge) => !edge.typeOnly && (edge.to === 'mote:sys' || (!edge.external && roomOf(edge.to) === 'sys')))
    .filter((edge) => !SYS_USERS.some((user) => edge.from === user || edge.from.startsWith(user)))
    .map((edge) => `${edge.from} imports ${edge.to}`);
}

/** Uses of impure globals (clock, timers, process, Node buffers) in a file, by line. */
export function impureGlobals(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && IMPURE_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isMemberName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent);
      if (!isMemberName) found.push(`${node.text} at line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    }
    if (ts.isPropertyAccessExpression(node) && node.getText() === 'Math.random') found.push(`Math.random at line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
