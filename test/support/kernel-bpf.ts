/**
 * What the kernel holds and allows, asked of bpftool (libbpf) independently of Mote: the BPF
 * programs and links loaded now, and whether root may load an fentry program here.
 */
import { execFileSync } from 'node:child_process';
import { kernelFixture } from '../../bundler/fixtures/kernel-fixtures.ts';

/** Names of BPF programs and ids of links the kernel holds now (bpftool). */
export function kernelBpfObjects(): { programs: { id: number; name?: string }[]; links: { id: number; prog_id: number }[] } {
  const json = (args: string[]) => JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }) || '[]');
  return { programs: json(['prog', 'show']), links: json(['link', 'show']) };
}

/**
 * Whether this kernel lets root load an fentry program, asked of bpftool (libbpf) on a
 * one-line fixture, independently of Mote. Some kernels with BTF still refuse trampolines.
 */
export async function bpftoolLoadsFentry(): Promise<{ supported: boolean; reason: string }> {
  const object = await kernelFixture('fentry_probe');
  const pin = `/sys/fs/bpf/mote_fentry_probe_${process.pid}`;
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'ignore' });
  } catch {
    // already mounted
  }
  try {
    execFileSync('bpftool', ['prog', 'load', object, pin], { encoding: 'utf8', stdio: 'pipe' });
    return { supported: true, reason: '' };
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '');
    return { supported: false, reason: stderr.split('\n').find((l) => /failed|error/i.test(l)) ?? 'bpftool prog load failed' };
  } finally {
    execFileSync('rm', ['-f', pin]);
  }
}
