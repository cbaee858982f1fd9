/**
 * The built-in modules as the agent embeds them (built by bundler/build/modules.ts): every
 * manifest parses and names programs, maps, constants, types and key fields the objects
 * have; every armhf object, all hook variants included, relocates against the armhf kernel's
 * BTF and against its own minimized BTF with nothing poisoned outside the branches of a CO-RE
 * existence check (the pure CO-RE engine, 4-byte pointers); bitehist's one object picks the
 * block_rq_complete layout of each Debian kernel (5.10, 6.1, 6.12) by its CO-RE flavours; and
 * the objects' BTF decodes keys and records the way the sampler shows them (decl tags, enums).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModules, moduleNames, type BuiltModule } from '../../../bundler/build/modules.ts';
import { ensureArmhfBtf } from '../../../bundler/btf/index.ts';
import { KERNEL_SUITES } from '../../../bundler/btf/debian-suite.ts';
import { Btf } from '../../../agent/src/btf/btf.ts';
import { loadObject, relocate, type BpfObject, type CoreFixup } from '../../../agent/src/object/index.ts';
import { parseManifest } from '../../../agent/src/sample/decode/manifest.ts';
import { selectPrograms } from '../../../agent/src/lifecycle/module-settings.ts';
import { TypeDecoder } from '../../../agent/src/sample/decode/field-format.ts';

let modules: BuiltModule[] = [];
let armhfBtf: Btf;

function objectOf(module: BuiltModule, arch: 'x86_64' | 'armhf'): BpfObject {
  return loadObject(readFileSync(module.objects.find((o) => o.arch === arch)!.path));
}

function withAllPrograms(object: BpfObject): BpfObject {
  for (const program of object.programs) if (!program.isSubprogram) program.autoload = true;
  return object;
}

/** The struct a relocation's local access starts from: `struct foo___old.bar (0:1 @ offset 8)` -> `foo___old`. */
function localType(fixup: CoreFixup): string {
  return /^(?:struct|union|enum|typedef) (\S+?)(?:\.|$| )/.exec(fixup.local)?.[1] ?? fixup.local;
}

/**
 * Poisoned relocations that no existence check explains. A program may touch a type the target
 * lacks only behind bpf_core_type_exists() (or field_exists): the poisoned access is then on the
 * type the check found missing, or on the other flavour of a layout (a `name___suffix` type).
 */
function unguardedPoison(fixups: CoreFixup[]): string[] {
  const missing = new Set(fixups.filter((f) => f.kind === 'type_exists' && f.target === null).map((f) => `${f.program} ${localType(f)}`));
  const checks = new Set(fixups.filter((f) => f.kind === 'type_exists' || f.kind === 'field_exists').map((f) => f.program));
  return fixups
    .filter((f) => f.poisoned && !missing.has(`${f.program} ${localType(f)}`) && !(checks.has(f.program) && localType(f).includes('___')))
    .map((f) => `${f.program}: ${f.kind} ${f.local}`);
}

function moduleNamed(name: string): BuiltModule {
  return modules.find((m) => m.name === name)!;
}

beforeAll(async () => {
  modules = await buildModules(() => {});
  armhfBtf = Btf.parse(readFileSync((await ensureArmhfBtf()).btfPath));
}, 600_000);

describe.each(moduleNames())('module %s', (name) => {
  it('has a manifest that matches its objects', () => {
    const module = moduleNamed(name);
    const manifest = parseManifest(readFileSync(module.manifestPath, 'utf8'));
    expect(manifest.name).toBe(name);
    for (const arch of ['x86_64', 'armhf'] as const) {
      const object = objectOf(module, arch);
      for (const variant of manifest.variants) expect(() => selectPrograms(object, manifest, variant)).not.toThrow();
      expect(object.maps.map((m) => m.name)).toContain(manifest.record.map);
      if (manifest.record.kind === 'events' && manifest.record.perfMap) expect(object.maps.map((m) => m.name)).toContain(manifest.record.perfMap);
      const rodata = object.globals.filter((g) => g.readOnly).flatMap((g) => g.variables.map((v) => v.name));
      for (const constant of manifest.constants) expect(rodata).toContain(constant);
      if (manifest.record.kind === 'events') expect(new TypeDecoder(object.btf!).typeByName(manifest.record.type)).not.toBeNull();
      else if (manifest.record.key) expect(new TypeDecoder(object.btf!).fieldNames(object.maps.find((m) => m.name === manifest.record.map)!.keyTypeId)).toEqual(manifest.record.key);
    }
  });

  it('relocates every armhf program against the armhf kernel BTF and its minimized BTF', () => {
    const module = moduleNamed(name);
    const minimized = Btf.parse(readFileSync(module.btfs[0].path));
    for (const target of [armhfBtf, minimized]) {
      const fixups = relocate(withAllPrograms(objectOf(module, 'armhf')), target, { fallbackPointerSize: 4 });
      expect(unguardedPoison(fixups)).toEqual([]);
    }
  });
});

describe.each(KERNEL_SUITES)("bitehist on Debian %s's armhf kernel BTF", (suite) => {
  it('reads block_rq_complete through the flavour of that kernel, at its offsets', async () => {
    const target = Btf.parse(readFileSync((await ensureArmhfBtf(suite)).btfPath));
    const fixups = relocate(objectOf(moduleNamed('bitehist'), 'armhf'), target, { fallbackPointerSize: 4 });
    const complete = fixups.filter((f) => f.program === 'on_complete');
    // 5.10 names the event trace_event_raw_block_rq_complete; 6.1 and later share block_rq_completion.
    const hasCompletion = suite !== 'bullseye';
    const exists = complete.find((f) => f.kind === 'type_exists')!;
    expect(exists.local).toBe('struct trace_event_raw_block_rq_completion');
    expect(exists.patches.map((p) => p.to)).toEqual([hasCompletion ? 1n : 0n]);
    const reads = (flavour: string) => complete.filter((f) => f.kind === 'byte_off' && localType(f) === flavour);
    const [used, unused] = hasCompletion
      ? ['trace_event_raw_block_rq_completion', 'trace_event_raw_block_rq_complete___old']
      : ['trace_event_raw_block_rq_complete___old', 'trace_event_raw_block_rq_completion'];
    // dev and sector sit at 8 and 16 in both layouts (after the 8-byte trace_entry, sector 8-aligned).
    expect(reads(used).map((f) => [f.target?.replace(/ \(.*/, ''), f.patches.map((p) => p.to)]).sort()).toEqual([
      [`struct ${used.replace('___old', '')}.dev`, [8n]],
      [`struct ${used.replace('___old', '')}.sector`, [16n]],
    ]);
    expect(reads(unused).map((f) => f.poisoned)).toEqual([true, true]);
    expect(unguardedPoison(fixups)).toEqual([]);
  });
});

describe('decoding through the modules\' BTF', () => {
  it('formats tcpconnect addresses by their ipv6 decl tag and the family by its enum', () => {
    const object = objectOf(moduleNamed('tcpconnect'), 'armhf');
    const decoder = new TypeDecoder(object.btf!);
    const typeId = decoder.typeByName('event')!;
    const bytes = new Uint8Array(object.btf!.resolveSize(typeId, 8));
    const view = new DataView(bytes.buffer);
    const offsets = Object.fromEntries((object.btf!.skipModsAndTypedefs(typeId) as { members: { name: string; bitOffset: number }[] }).members.map((m) => [m.name, m.bitOffset / 8]));
    view.setUint32(offsets.pid, 4242, true);
    bytes.set([0x73, 0x68], offsets.comm);
    view.setUint32(offsets.family, 2, true);
    bytes.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1], offsets.saddr);
    bytes.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], offsets.daddr);
    view.setUint16(offsets.dport, 443, true);
    expect(decoder.decode(typeId, bytes)).toMatchObject({ pid: 4242, comm: 'sh', family: 'af_inet', saddr: '10.0.0.1', daddr: '2001:db8::2', dport: 443 });
    expect(decoder.fieldNames(typeId)).toEqual(['ts_ns', 'pid', 'uid', 'comm', 'family', 'saddr', 'daddr', 'dport']);
  });

  it('names sockex1 protocols by their enum and bitehist disks by the dev_t decl tag', () => {
    const sockex1 = objectOf(moduleNamed('sockex1'), 'x86_64');
    const traffic = sockex1.maps.find((m) => m.name === 'traffic')!;
    expect(new TypeDecoder(sockex1.btf!).decode(traffic.keyTypeId, Uint8Array.of(17, 0, 0, 0))).toBe('udp');
    expect(new TypeDecoder(sockex1.btf!).decode(traffic.keyTypeId, Uint8Array.of(99, 0, 0, 0))).toBe(99);
    const bitehist = objectOf(moduleNamed('bitehist'), 'x86_64');
    const hists = bitehist.maps.find((m) => m.name === 'hists')!;
    const key = new Uint8Array(8);
    new DataView(key.buffer).setUint32(0, (7 << 20) | 3, true);
    new DataView(key.buffer).setUint32(4, 2, true);
    expect(new TypeDecoder(bitehist.btf!).decode(hists.keyTypeId, key)).toEqual({ dev: '7:3', metric: 'latency_us' });
  });
});
