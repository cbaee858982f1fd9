/**
 * The checks behind `mote-agent doctor`: can this device run Mote? Each check exercises one
 * real path (the kernel's uname, the CBOR codec, the engine's compiler, BPF maps through bpf(2),
 * error reporting of the binding) and reports pass, fail or skip with the reason and what to do.
 */
import { decode, encode } from 'cbor-x';
import type { Sys } from '../sys/types.ts';
import { BpfMap } from '../kernel/map.ts';
import { MapType } from '../abi/map-types.ts';
import { isSysError } from '../errors.ts';

export interface CheckResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  data?: Record<string, unknown>;
}

type Check = (sys: Sys) => CheckResult;

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

function u64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}

function readU64(bytes: Uint8Array | null): bigint | null {
  return bytes ? new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true) : null;
}

const unameCheck: Check = (sys) => {
  const names = sys.uname();
  return { name: 'uname', status: 'pass', detail: `${names.sysname} ${names.release} ${names.machine}`, data: { ...names } };
};

const cborCheck: Check = () => {
  const sample = { device: 'mote', seq: 42, big: 2 ** 40, negative: -7, list: [1, 2, 3], bytes: new Uint8Array([0xde, 0xad]) };
  const encoded = encode(sample) as Uint8Array;
  const decoded = decode(encoded) as typeof sample;
  const same = JSON.stringify({ ...decoded, bytes: Array.from(decoded.bytes) }) === JSON.stringify({ ...sample, bytes: Array.from(sample.bytes) });
  const hex = Array.from(encoded, (b) => b.toString(16).padStart(2, '0')).join('');
  return same
    ? { name: 'cbor', status: 'pass', detail: `round trip of ${encoded.length} bytes`, data: { hex } }
    : { name: 'cbor', status: 'fail', detail: 'decoded value differs from the encoded one', data: { hex } };
};

/**
 * The engine must compile source at run time (eval and new Function): decoders are generated as
 * JavaScript on the device. Compiles a field reader built from a layout, as those decoders are,
 * and checks what it reads against DataView.
 */
const compilerCheck: Check = () => {
  const layout = [{ name: 'pid', offset: 0, read: 'getUint32' }, { name: 'delta', offset: 4, read: 'getInt16' }];
  const source = `return { ${layout.map((f) => `${f.name}: view.${f.read}(${f.offset}, true)`).join(', ')} };`;
  const bytes = Uint8Array.of(0x39, 0x30, 0, 0, 0xfe, 0xff);
  const view = new DataView(bytes.buffer);
  try {
    const read = new Function('view', source) as (view: DataView) => { pid: number; delta: number };
    const record = read(view);
    const evaluated: unknown = (0, eval)('6 * 7');
    const data = { source, record, evaluated };
    return record.pid === 12345 && record.delta === -2 && evaluated === 42
      ? { name: 'js-compiler', status: 'pass', detail: 'new Function and eval compile source at run time', data }
      : { name: 'js-compiler', status: 'fail', detail: 'code compiled at run time computed wrong values', data };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    return { name: 'js-compiler', status: 'fail', detail: `this engine cannot compile source (${error.message}): rebuild mote-agent with QuickJS's eval intrinsic` };
  }
};

const MAP_VALUES = [0x1122334455667788n, 7n, 0xffffffffffffffffn];

const mapsCheck: Check = (sys) => {
  const maps: BpfMap[] = [];
  try {
    const array = BpfMap.create(sys, { mapType: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4, name: 'mote_doctor_a' });
    maps.push(array);
    const hash = BpfMap.create(sys, { mapType: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16, name: 'mote_doctor_h' });
    maps.push(hash);
    MAP_VALUES.forEach((value, index) => {
      array.update(u32(index + 1), u64(value));
      hash.update(u32(1000 + index), u64(value));
    });
    const arrayRead = MAP_VALUES.map((_, index) => readU64(array.lookup(u32(index + 1))));
    const hashRead = MAP_VALUES.map((_, index) => readU64(hash.lookup(u32(1000 + index))));
    const absent = hash.lookup(u32(999));
    const ok = MAP_VALUES.every((value, i) => arrayRead[i] === value && hashRead[i] === value) && absent === null;
    const data = { array: arrayRead.map(String), hash: hashRead.map(String), absentKey: absent === null ? 'absent' : 'present' };
    return ok
      ? { name: 'bpf-maps', status: 'pass', detail: 'array and hash maps created, updated and read back', data }
      : { name: 'bpf-maps', status: 'fail', detail: 'values read back differ from those written', data };
  } catch (error) {
    if (isSysError(error, 'EPERM')) return { name: 'bpf-maps', status: 'fail', detail: `${error.message}: run as root (or with CAP_BPF)` };
    if (isSysError(error, 'ENOSYS')) return { name: 'bpf-maps', status: 'skip', detail: `${error.message}: this kernel (or emulator) has no bpf(2); enable CONFIG_BPF_SYSCALL` };
    throw error;
  } finally {
    for (const map of maps) map.close();
  }
};

/** The binding must report kernel refusals as SysError with the errno name: ask for map type 0xffff. */
const errorReportingCheck: Check = (sys) => {
  try {
    BpfMap.create(sys, { mapType: 0xffff, keySize: 4, valueSize: 4, maxEntries: 1 }).close();
    return { name: 'error-reporting', status: 'fail', detail: 'the kernel accepted an invalid map type' };
  } catch (error) {
    if (!isSysError(error)) throw error;
    const data = { class: error.name, errno: error.errno, code: error.code, call: error.call, message: error.message };
    if (error.code === 'ENOSYS') return { name: 'error-reporting', status: 'skip', detail: `${error.message}: no bpf(2) here`, data };
    return error.code === 'EINVAL'
      ? { name: 'error-reporting', status: 'pass', detail: `invalid map type refused: ${error.message}`, data }
      : { name: 'error-reporting', status: 'fail', detail: `expected EINVAL, got ${error.message}`, data };
  }
};

export const doctorChecks: Check[] = [unameCheck, cborCheck, compilerCheck, mapsCheck, errorReportingCheck];
