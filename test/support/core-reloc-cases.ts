/**
 * Reads the table of libbpf's CO-RE selftest cases (`test_cases[]` in
 * tools/testing/selftests/bpf/prog_tests/core_reloc.c) from the kernel source itself, so the
 * pairs and their expected outcome follow the source instead of a copy. The file is run through
 * the C preprocessor (includes dropped) to expand the *_CASE macros, then each initializer's
 * top-level designators are read: case_name, bpf_obj_file, btf_src_file, fails, needs_testmod.
 */
import { execFile } from 'node:child_process';

export interface CoreRelocCase {
  name: string;
  /** e.g. `test_core_reloc_arrays.bpf.o`. */
  bpfObjFile: string;
  /** e.g. `btf__core_reloc_arrays___diff_arr_dim.bpf.o`; null means the running kernel's BTF. */
  btfSrcFile: string | null;
  /** The selftest expects loading to fail (libbpf error, or a poisoned instruction). */
  fails: boolean;
  needsTestmod: boolean;
}

export async function readCoreRelocCases(coreRelocSource: string): Promise<CoreRelocCase[]> {
  const withoutIncludes = coreRelocSource.replace(/^\s*#\s*include.*$/gm, '');
  const expanded = await preprocess(withoutIncludes);
  const start = expanded.indexOf('test_cases[] =');
  if (start < 0) throw new Error('core_reloc.c: no test_cases[] table found');
  const open = expanded.indexOf('{', start);
  const table = matchingBlock(expanded, open);
  return splitTopLevel(table, ',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('{'))
    .map((entry) => caseFromInitializer(matchingBlock(entry, 0)));
}

function preprocess(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('cpp', ['-P', '-x', 'c', '-'], { maxBuffer: 64 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin?.end(source);
  });
}

/** The text between the brace at `open` and its matching close brace (exclusive). */
function matchingBlock(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") i = skipQuoted(text, i);
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('core_reloc.c: unbalanced braces in test_cases[]');
}

function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return i;
}

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") i = skipQuoted(text, i);
    else if ('{(['.includes(c)) depth++;
    else if ('})]'.includes(c)) depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

function caseFromInitializer(body: string): CoreRelocCase {
  const fields = new Map<string, string>();
  for (const part of splitTopLevel(body, ',')) {
    const m = /^\s*\.(\w+)\s*=\s*([\s\S]*)$/.exec(part);
    if (m) fields.set(m[1]!, m[2]!.trim());
  }
  const str = (name: string): string | null => {
    const value = fields.get(name);
    if (value === undefined || value === 'NULL' || value === '((void *)0)') return null;
    const pieces = [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((p) => p[1]);
    if (pieces.length === 0) throw new Error(`core_reloc.c: cannot read .${name} = ${value}`);
    return pieces.join('');
  };
  const name = str('case_name');
  const bpfObjFile = str('bpf_obj_file');
  if (name === null || bpfObjFile === null) throw new Error(`core_reloc.c: a case lacks case_name or bpf_obj_file: ${body.slice(0, 200)}`);
  return {
    name,
    bpfObjFile,
    btfSrcFile: str('btf_src_file'),
    fails: fields.get('fails') === 'true' || fields.get('fails') === '1',
    needsTestmod: fields.get('needs_testmod') === 'true' || fields.get('needs_testmod') === '1',
  };
}
