import { describe, expect, it } from 'vitest';
import { parseByteSize, parsePositiveInt, parseTime, parseWorkers, splitList } from '../../bin/options.ts';
import { automaticWorkers } from '../../capture/shards/index.ts';

describe('option parsers shared by the sub-commands', () => {
  it('reads byte sizes with binary multiples up to T, for --buffer and --spool-max alike', () => {
    expect(parseByteSize('65536', '--buffer')).toBe(65536);
    expect(parseByteSize('512KiB', '--buffer')).toBe(512 * 1024);
    expect(parseByteSize('64MB', '--buffer')).toBe(64 * 1024 ** 2);
    expect(parseByteSize('1g', '--spool-max')).toBe(1024 ** 3);
    expect(parseByteSize('2T', '--spool-max')).toBe(2 * 1024 ** 4);
    expect(parseByteSize('1.5 TiB', '--spool-max')).toBe(1.5 * 1024 ** 4);
  });

  it('refuses a size it cannot read, naming the flag', () => {
    expect(() => parseByteSize('2P', '--spool-max')).toThrow(/--spool-max: '2P' is not a size/);
    expect(() => parseByteSize('lots', '--buffer')).toThrow(/--buffer/);
  });

  it('reads whole numbers, times and lists', () => {
    expect(parsePositiveInt('96', '--snaplen')).toBe(96);
    expect(() => parsePositiveInt('0', '--snaplen')).toThrow(/--snaplen: '0' is not a positive whole number/);
    expect(parseTime('2026-11-20T08:00:00Z', '--from')).toBe(Date.UTC(2026, 10, 20, 8));
    expect(parseTime('1000', '--from')).toBe(1000);
    expect(() => parseTime('yesterday', '--from')).toThrow(/--from/);
    expect(splitList(['10.0.0.0/8, 192.168.0.0/16', '', 'fc00::/7'])).toEqual(['10.0.0.0/8', '192.168.0.0/16', 'fc00::/7']);
  });

  it('reads --workers as a count or auto: 1 up to 2 cores, then one per core besides the reader', () => {
    expect(parseWorkers('3')).toBe(3);
    expect(parseWorkers('auto')).toBe(automaticWorkers());
    expect(parseWorkers(undefined)).toBe(automaticWorkers());
    expect(automaticWorkers(1)).toBe(1);
    expect(automaticWorkers(2)).toBe(1);
    expect(automaticWorkers(4)).toBe(3);
    expect(automaticWorkers(64)).toBe(8);
    expect(() => parseWorkers('0')).toThrow(/--workers: '0'/);
    expect(() => parseWorkers('two')).toThrow(/--workers/);
  });
});
