/**
 * Reads a GNU ld link map (-Wl,-Map) and attributes the bytes of every allocated input section
 * to the file it came from. `npm run size` uses it to split mote-agent into QuickJS, the
 * binding, the agent's bytecode, TLS (mbedTLS) and the C library.
 */

/** Output sections that take no room in the file or are not loaded. */
const NOT_IN_IMAGE = /^(\.bss|\.tbss|\.comment|\.ARM\.attributes|\.debug|\.stab|\/DISCARD\/|\.note\.GNU-stack)/;

const INPUT_SECTION = /^ (\S+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$/;
const CONTINUED_INPUT = /^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$/;
const OUTPUT_SECTION = /^(\.\S+|\/DISCARD\/)/;

/** Bytes per input file (an archive member shows as `lib.a(member.o)`). */
export function bytesPerInputFile(mapText: string): Map<string, number> {
  const totals = new Map<string, number>();
  const start = mapText.indexOf('Linker script and memory map');
  if (start < 0) throw new Error("not a GNU ld map file: no 'Linker script and memory map' part; relink with -Wl,-Map=<file>");
  let counted = false;
  let pendingName = false;
  const add = (file: string, size: number) => totals.set(file, (totals.get(file) ?? 0) + size);
  for (const line of mapText.slice(start).split('\n')) {
    const output = line.match(OUTPUT_SECTION);
    if (output) {
      counted = !NOT_IN_IMAGE.test(output[1]);
      pendingName = false;
      continue;
    }
    if (!counted) continue;
    const input = line.match(INPUT_SECTION);
    if (input) {
      if (input[3].startsWith('load address')) continue;
      add(input[3].trim(), parseInt(input[2], 16));
      pendingName = false;
      continue;
    }
    if (/^ \S+$/.test(line) && !line.startsWith(' *')) {
      pendingName = true;
      continue;
    }
    const continued = pendingName ? line.match(CONTINUED_INPUT) : null;
    if (continued) add(continued[2].trim(), parseInt(continued[1], 16));
    pendingName = false;
  }
  return totals;
}

export type SizeShare = 'QuickJS' | 'binding' | 'bytecode' | 'modules (BPF objects, BTF)' | 'TLS (mbedTLS)' | 'libc (musl, libgcc)';

/** Which part of mote-agent an input file belongs to. */
export function shareOf(file: string): SizeShare {
  if (file.includes('libquickjs.a')) return 'QuickJS';
  if (file.endsWith('agent_bytecode.o')) return 'bytecode';
  if (file.endsWith('agent_assets.o')) return 'modules (BPF objects, BTF)';
  if (file.includes('libmbedtls.a')) return 'TLS (mbedTLS)';
  if (/\/(main|sys_module|errno_names|tls|lz_block)\.o$/.test(file)) return 'binding';
  return 'libc (musl, libgcc)';
}

export function bytesPerShare(mapText: string): Map<SizeShare, number> {
  const shares = new Map<SizeShare, number>();
  for (const [file, bytes] of bytesPerInputFile(mapText)) {
    const share = shareOf(file);
    shares.set(share, (shares.get(share) ?? 0) + bytes);
  }
  return shares;
}
