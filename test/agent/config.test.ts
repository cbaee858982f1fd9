/** The run command's config file and flags: parsing, checking, overlaying, and the module plan. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../agent/src/run/config.ts';
import { planModules, sameSettings } from '../../agent/src/run/module-plan.ts';
import { parseRunFlags } from '../../agent/src/commands/run-flags.ts';
import { restartOnly } from '../../agent/src/run/settings.ts';
import { overlay } from '../../agent/src/run/config-overlay.ts';

const SAMPLE = new URL('../../agent/mote.sample.json', import.meta.url);

describe('config file', () => {
  it('reads the sample config shipped with the agent', () => {
    const config = parseConfig(readFileSync(SAMPLE, 'utf8'), 'sample');
    expect(config.broker).toMatch(/^mqtts?:\/\//);
    expect(config.modules).toBeTypeOf('object');
  });

  it.each([
    ['{', /not valid JSON/],
    ['[]', /'\(top level\)' must be a JSON object/],
    ['{"brokr": "mqtt://x"}', /unknown key 'brokr'; known keys: broker,/],
    ['{"intervalMs": 0}', /'intervalMs' must be an integer >= 10 \(milliseconds\)/],
    ['{"qos": 2}', /'qos' must be one of 0, 1/],
    ['{"outbox": {"capacity": -1}}', /'outbox.capacity' must be an integer >= 1/],
    ['{"outbox": {"file": "/o"}}', /'outbox' has unknown key 'file'; known keys: capacity, dir, maxBytes, fsync/],
    ['{"outbox": {"maxBytes": 100}}', /'outbox.maxBytes' must be an integer >= 4096 \(bytes\)/],
    ['{"outbox": {"fsync": "sometimes"}}', /'outbox.fsync' must be an integer >= 1 \(milliseconds, or "always"\)/],
    ['{"modules": {"syscount": {"enabled": "yes"}}}', /'modules.syscount.enabled' must be true or false/],
    ['{"modules": {"syscount": {"constants": {"pid": [1]}}}}', /'modules.syscount.constants.pid' must be a number or a string/],
    ['{"modules": {"syscount": {"intervalMs": 5, "x": 1}}}', /'modules.syscount' has unknown key 'x'/],
    ['{"tls": {"ca": ""}}', /'tls.ca' must be a non-empty string/],
  ])('rejects %s naming the field', (text, message) => {
    expect(() => parseConfig(text, 'config c.json')).toThrowError(ConfigError);
    expect(() => parseConfig(text, 'config c.json')).toThrowError(message);
  });

  it('lays flags over the file, TLS and outbox field by field', () => {
    const file = parseConfig('{"broker": "mqtts://b:8883", "tls": {"ca": "/ca.pem", "serverName": "b"}, "outbox": {"capacity": 50, "dir": "/o", "fsync": "always"}, "qos": 1}', 'c');
    const flags = parseRunFlags(['--config', 'c', '--cert', '/c.pem', '--key', '/k.pem', '--outbox', '7', '--qos', '0', '--device', 'd1']);
    expect(overlay(file, flags)).toEqual({
      broker: 'mqtts://b:8883', device: 'd1', qos: 0,
      tls: { ca: '/ca.pem', serverName: 'b', cert: '/c.pem', key: '/k.pem' },
      outbox: { capacity: 7, dir: '/o', fsync: 'always' },
    });
    expect(overlay(file, parseRunFlags(['--outbox-dir', '/p', '--outbox-bytes', '65536', '--outbox-fsync', '250'])).outbox).toEqual({ capacity: 50, dir: '/p', maxBytes: 65536, fsync: 250 });
  });

  it('takes one broker or several, from the file or the repeated flag, the flags winning', () => {
    expect(parseConfig('{"brokers": ["mqtt://a", "mqtts://b:8883"]}', 'c').brokers).toEqual(['mqtt://a', 'mqtts://b:8883']);
    expect(overlay(parseConfig('{"broker": "mqtt://a"}', 'c'), parseRunFlags(['--broker', 'mqtt://b', '--broker', 'mqtt://c']))).toEqual({ brokers: ['mqtt://b', 'mqtt://c'] });
    expect(overlay(parseConfig('{"broker": "mqtt://a"}', 'c'), parseRunFlags([]))).toEqual({ broker: 'mqtt://a' });
    expect(() => parseConfig('{"broker": "mqtt://a", "brokers": ["mqtt://b"]}', 'c')).toThrowError(/'brokers' and 'broker' are both given: list every broker under 'brokers'/);
    expect(() => parseConfig('{"brokers": []}', 'c')).toThrowError(/'brokers' must be a non-empty array of broker URLs/);
  });

  it('takes OTA keys and store from the file or the flags', () => {
    const file = parseConfig('{"ota": {"keys": ["/a.pub"], "store": "/s"}}', 'c');
    expect(overlay(file, parseRunFlags(['--ota-key', '/b.pub', '--ota-key', '/c.pub']))).toEqual({ ota: { keys: ['/b.pub', '/c.pub'], store: '/s' } });
    expect(() => parseConfig('{"ota": {"keys": "/a.pub"}}', 'c')).toThrowError(/'ota.keys' must be an array of public key file paths/);
    expect(() => parseConfig('{"ota": {"keys": [""]}}', 'c')).toThrowError(/'ota.keys\[0\]' must be a non-empty string/);
  });

  it.each([
    [['--qos', '2'], /--qos must be 0 or 1/],
    [['--interval-ms', 'soon'], /--interval-ms must be an integer >= 10/],
    [['--outbox', '0'], /--outbox must be an integer >= 1/],
    [['--outbox-fsync', 'never'], /--outbox-fsync must be 'always' or a number of milliseconds >= 1, not 'never'/],
    [['--bogus'], /unknown option --bogus/],
    [['stray'], /unexpected argument 'stray'/],
  ])('rejects the flags %j', (args, message) => {
    expect(() => parseRunFlags(args)).toThrowError(message);
  });

  it('tells module changes, which apply live, from those that need a restart', () => {
    const a = parseConfig('{"broker": "mqtt://a", "tls": {"ca": "x"}, "modules": {"m": {}}}', 'a');
    expect(restartOnly(a)).toBe(restartOnly({ ...a, intervalMs: 50, modules: {} }));
    expect(restartOnly(a)).toBe(restartOnly({ tls: { ca: 'x' }, broker: 'mqtt://a' }));
    expect(restartOnly(a)).not.toBe(restartOnly({ ...a, tls: { ca: 'y' } }));
  });
});

describe('module plan', () => {
  const available = ['syscount', 'runqlat', 'execsnoop'];

  it('runs every available module at 1 s without a config', () => {
    const plan = planModules({ config: {}, available });
    expect(plan.modules).toEqual(available.map((name) => ({ name, settings: { intervalMs: 1000 } })));
    expect(plan.defaults).toEqual({ intervalMs: 1000 });
    expect(plan.unknown).toEqual([]);
  });

  it('runs only the modules the config lists and enables, with their settings', () => {
    const config = parseConfig('{"intervalMs": 2000, "modules": {"syscount": {"topN": 5}, "runqlat": {"enabled": false}, "execsnoop": {"intervalMs": 100}}}', 'c');
    expect(planModules({ config, available }).modules).toEqual([
      { name: 'syscount', settings: { topN: 5, intervalMs: 2000 } },
      { name: 'execsnoop', settings: { intervalMs: 100 } },
    ]);
  });

  it('lets --modules and --interval-ms override the config, and names unknown modules', () => {
    const config = parseConfig('{"modules": {"syscount": {"intervalMs": 5000, "topN": 3}}}', 'c');
    const plan = planModules({ config, available, only: ['syscount', 'nosuch'], intervalMs: 250 });
    expect(plan.modules).toEqual([{ name: 'syscount', settings: { topN: 3, intervalMs: 250 } }]);
    expect(plan.unknown).toEqual([{ name: 'nosuch', reason: expect.stringMatching(/no module named 'nosuch' in this agent \(available: syscount, runqlat, execsnoop\)/) }]);
  });

  it('compares settings regardless of the order of constants', () => {
    expect(sameSettings({ intervalMs: 1, constants: { a: 1, b: 'x' } }, { constants: { b: 'x', a: 1 }, intervalMs: 1 })).toBe(true);
    expect(sameSettings({ intervalMs: 1 }, { intervalMs: 2 })).toBe(false);
  });
});
