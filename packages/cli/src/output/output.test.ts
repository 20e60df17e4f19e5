import { describe, expect, it } from 'vitest';
import { toEnvelope } from '@strongroom/client';
import { columns, sectionHeader } from './table.ts';
import { responsePairs, selectField } from './secret.ts';
import { formatValue, humanDuration, quotedList } from './values.ts';

describe('tables', () => {
  it('pads columns with four spaces and underlines headers', () => {
    expect(
      columns(
        ['Key', 'Value'],
        [
          ['token_policies', '["a"]'],
          ['x', 'y'],
        ],
      ),
    ).toEqual([
      'Key               Value',
      '---               -----',
      'token_policies    ["a"]',
      'x                 y',
    ]);
  });

  it('centres section headers over the table width', () => {
    expect(sectionHeader('Data')).toBe('== Data ==');
    expect(sectionHeader('Metadata', 24)).toBe('======= Metadata =======');
  });
});

describe('values', () => {
  it.each([
    [null, '<nil>'],
    ['s', 's'],
    [3, '3'],
    [true, 'true'],
    [['a', 'b'], '[a b]'],
    [{ b: 1, a: 'x' }, 'map[a:x b:1]'],
  ])('formats %j as %s', (value, expected) => {
    expect(formatValue(value)).toBe(expected);
  });

  it.each([
    [0, '∞'],
    [45, '45s'],
    [90, '1m30s'],
    [3600, '1h'],
    [5400, '1h30m'],
    [2_764_800, '768h'],
    [3601, '1h0m1s'],
  ])('shows %i seconds as %s', (seconds, expected) => {
    expect(humanDuration(seconds)).toBe(expected);
  });

  it('quotes policy lists', () => {
    expect(quotedList(['default', 'web'])).toBe('["default" "web"]');
  });
});

describe('responses', () => {
  const response = toEnvelope({
    lease_id: 'db/creds/x/1',
    lease_duration: 3600,
    renewable: true,
    data: { password: 'p', username: 'u' },
  })!;

  it('lists the lease, then data in key order', () => {
    expect(responsePairs(response)).toEqual([
      ['lease_id', 'db/creds/x/1'],
      ['lease_duration', '1h'],
      ['lease_renewable', 'true'],
      ['password', 'p'],
      ['username', 'u'],
    ]);
  });

  it('selects a data or lease field, and fails for a missing one', () => {
    expect(selectField(response, 'username')).toBe('u');
    expect(selectField(response, 'lease_duration')).toBe('3600');
    expect(() => selectField(response, 'nope')).toThrow('field "nope" not present in secret');
  });
});
