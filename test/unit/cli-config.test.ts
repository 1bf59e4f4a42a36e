import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyConfig, locateConfig, readConfig, stripJsonComments } from '../../bin/config.ts';

const options = {
  window: { type: 'string' },
  'local-net': { type: 'string', multiple: true },
  'no-store': { type: 'boolean' },
  influx: { type: 'string' },
} as const;

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'swcfg-'));
  const path = join(dir, 'spanwatch.jsonc');
  writeFileSync(path, text);
  return path;
}

describe('config precedence', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = { ...saved }; });

  it('strips comments but keeps // inside strings', () => {
    const text = '{ // a comment\n "a": "http://x/y", /* b */ "c": 1, }';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ a: 'http://x/y', c: 1 });
  });

  it('flags beat the environment, which beats the file, which beats common', () => {
    const path = configFile('{ "common": { "influx": "http://common:8086" }, "sensor": { "window": "10s", "local-net": ["10.0.0.0/8", "192.168.0.0/16"] } }');
    const cfg = readConfig(path);
    expect(applyConfig('sensor', [], options, cfg, path)).toEqual([
      '--window', '10s', '--local-net', '10.0.0.0/8', '--local-net', '192.168.0.0/16', '--influx', 'http://common:8086',
    ]);
    process.env.SPANWATCH_WINDOW = '5s';
    process.env.INFLUX_URL = 'http://env:8086';
    expect(applyConfig('sensor', ['--window', '1s'], options, cfg, path)).toEqual([
      '--local-net', '10.0.0.0/8', '--local-net', '192.168.0.0/16', '--influx', 'http://env:8086', '--window', '1s',
    ]);
  });

  it('a command-specific variable beats the shared one, and a text value never lands on a switch', () => {
    process.env.SPANWATCH_WINDOW = '5s';
    process.env.SPANWATCH_SENSOR_WINDOW = '10s';
    expect(applyConfig('sensor', [], options, null, null)).toEqual(['--window', '10s']);
    const serveOptions = { sensor: { type: 'boolean' } } as const;
    process.env.SPANWATCH_SENSOR = 'dc1-core';
    expect(applyConfig('serve', [], serveOptions, null, null)).toEqual([]);
    process.env.SPANWATCH_SENSOR = 'true';
    expect(applyConfig('serve', [], serveOptions, null, null)).toEqual(['--sensor']);
  });

  it('an unknown key names itself, the file and the accepted keys', () => {
    const path = configFile('{ "sensor": { "windw": "1s" } }');
    expect(() => applyConfig('sensor', [], options, readConfig(path), path)).toThrow(/unknown key 'sensor.windw'.*accepts: influx, local-net, no-store, window/);
  });

  it('a switch with a non-boolean value is refused with the key named', () => {
    const path = configFile('{ "sensor": { "no-store": "maybe" } }');
    expect(() => applyConfig('sensor', [], options, readConfig(path), path)).toThrow(/sensor.no-store.*expected true or false/);
  });

  it('--config is taken out of argv, and a missing file is an error', () => {
    const path = configFile('{}');
    expect(locateConfig(['--config', path, '--window', '1s'])).toEqual({ path, argv: ['--window', '1s'] });
    expect(() => locateConfig(['--config', '/nonexistent/x.jsonc'])).toThrow(/does not exist/);
  });

  it('broken JSON is reported with the file name', () => {
    const path = configFile('{ "sensor": ');
    expect(() => readConfig(path)).toThrow(new RegExp(`${path}: not valid JSON`));
  });
});
