/**
 * The armhf mote-agent under qemu-arm (user mode): the static musl binary starts, runs the
 * x86_64-compiled bytecode, reports uname, and round-trips a CBOR value with cbor-x, whose
 * bytes an independent decoder (python3-cbor2) reads back to the same value, and compiles
 * source at run time (new Function, eval).
 */
import { describe, expect, it } from 'vitest';
import { agentBinary, describeFile, runArmhfAgentUnderQemu } from '../support/agent.ts';
import { decodeWithCbor2 } from '../support/cbor2.ts';

interface Check { name: string; status: string; data?: Record<string, unknown> }

describe('armhf mote-agent under qemu-arm', () => {
  it('is a static 32-bit ARM EABI5 executable', () => {
    const description = describeFile(agentBinary.armhf);
    expect(description).toContain('ELF 32-bit LSB');
    expect(description).toContain('ARM, EABI5');
    expect(description).toContain('statically linked');
  });

  it('starts and reports its version and an ARM machine', () => {
    const run = runArmhfAgentUnderQemu(['version', '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ agent: expect.stringMatching(/^\d+\.\d+\.\d+/), machine: expect.stringMatching(/^armv[78]l$/) });
  });

  it('encodes and decodes CBOR with cbor-x, and python3-cbor2 agrees', () => {
    const run = runArmhfAgentUnderQemu(['doctor', '--json']);
    const checks: Check[] = JSON.parse(run.stdout).checks;
    const uname = checks.find((c) => c.name === 'uname');
    const cbor = checks.find((c) => c.name === 'cbor');
    expect(uname?.status).toBe('pass');
    expect(uname?.data?.machine).toMatch(/^armv[78]l$/);
    expect(cbor?.status).toBe('pass');
    expect(decodeWithCbor2(cbor?.data?.hex as string)).toEqual({
      device: 'mote', seq: 42, big: 2 ** 40, negative: -7, list: [1, 2, 3], bytes: { $bytes: 'dead' },
    });
  });

  it('compiles source at run time with new Function and eval', () => {
    const run = runArmhfAgentUnderQemu(['doctor', '--json']);
    const compiler = (JSON.parse(run.stdout).checks as Check[]).find((c) => c.name === 'js-compiler');
    expect(compiler?.status).toBe('pass');
    expect(compiler?.data).toMatchObject({ record: { pid: 12345, delta: -2 }, evaluated: 42 });
  });
});
