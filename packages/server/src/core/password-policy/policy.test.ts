import { describe, expect, it } from 'vitest';
import { expectInvalidPolicy } from '../../test-support.ts';
import { generatePassword, parsePasswordPolicy } from './policy.ts';
import type { PasswordPolicy } from './policy.ts';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

const STRICT_HCL = `
length = 20
rule "charset" {
  charset = "${LOWER}"
  min-chars = 1
}
rule "charset" {
  charset = "${UPPER}"
  min-chars = 1
}
rule "charset" {
  charset = "${DIGITS}"
  min-chars = 1
}
rule "charset" {
  charset = "!@#$"
  min-chars = 2
}
`;

/** Parses and expects an invalid_policy 400 whose one-line message matches `pattern`. */
function expectInvalid(text: string, pattern: RegExp): Promise<void> {
  return expectInvalidPolicy(parsePasswordPolicy(text), pattern);
}

function count(password: string, charset: string): number {
  return Array.from(password).filter((char) => charset.includes(char)).length;
}

describe('parsePasswordPolicy', () => {
  it('parses HCL with several charset rules', async () => {
    const policy = await parsePasswordPolicy(STRICT_HCL);
    expect(policy.length).toBe(20);
    expect(policy.rules.map((rule) => [rule.charset.join(''), rule.minChars])).toEqual([
      [LOWER, 1],
      [UPPER, 1],
      [DIGITS, 1],
      ['!@#$', 2],
    ]);
    expect(policy.charset.join('')).toBe(`${LOWER}${UPPER}${DIGITS}!@#$`);
    expect(policy.raw).toBe(STRICT_HCL);
  });

  it('defaults min-chars to 0 and de-duplicates overlapping charsets', async () => {
    const policy = await parsePasswordPolicy(
      'length = 8\nrule "charset" {\n  charset = "abcde"\n}\nrule "charset" {\n  charset = "cdefgg"\n  min-chars = 1\n}\n',
    );
    expect(policy.rules.map((rule) => rule.minChars)).toEqual([0, 1]);
    expect(policy.rules[1]?.charset.join('')).toBe('cdefg');
    expect(policy.charset.join('')).toBe('abcdefg');
  });

  it('parses JSON in both rule shapes', async () => {
    const hclShape = await parsePasswordPolicy(
      JSON.stringify({ length: 12, rule: { charset: [{ charset: 'ab', 'min-chars': 2 }] } }),
    );
    const listShape = await parsePasswordPolicy(
      JSON.stringify({
        length: 12,
        rule: [{ charset: { charset: 'ab', 'min-chars': 2 } }, { charset: { charset: '01' } }],
      }),
    );
    expect(hclShape.rules).toEqual([{ charset: ['a', 'b'], minChars: 2 }]);
    expect(listShape.rules).toEqual([
      { charset: ['a', 'b'], minChars: 2 },
      { charset: ['0', '1'], minChars: 0 },
    ]);
  });

  it('accepts a base64-encoded document and keeps the decoded text', async () => {
    const text = 'length = 10\nrule "charset" {\n  charset = "xyz"\n}\n';
    const policy = await parsePasswordPolicy(Buffer.from(text).toString('base64'));
    expect(policy.raw).toBe(text);
    expect(policy.length).toBe(10);
  });

  it('accepts a quoted length and multi-byte characters', async () => {
    const policy = await parsePasswordPolicy(
      'length = "6"\nrule "charset" {\n  charset = "äöü"\n}\n',
    );
    expect(policy.length).toBe(6);
    expect(policy.charset).toEqual(['ä', 'ö', 'ü']);
  });

  it.each([
    ['an empty document', '   ', /empty/],
    ['an HCL syntax error', 'length = \n', /line 1, column \d+/],
    ['invalid JSON', '{"length": ', /invalid JSON/],
    ['a missing length', 'rule "charset" {\n  charset = "abc"\n}\n', /missing "length"/],
    [
      'a length below 4',
      'length = 3\nrule "charset" {\n  charset = "abc"\n}\n',
      /between 4 and 100, got 3/,
    ],
    [
      'a length above 100',
      'length = 101\nrule "charset" {\n  charset = "abc"\n}\n',
      /between 4 and 100, got 101/,
    ],
    [
      'a fractional length',
      'length = 8.5\nrule "charset" {\n  charset = "abc"\n}\n',
      /"length" must be an integer/,
    ],
    ['no rule', 'length = 20\n', /at least one rule "charset"/],
    [
      'an empty charset',
      'length = 20\nrule "charset" {\n  charset = ""\n}\n',
      /rule "charset" #1 has an empty charset/,
    ],
    [
      'a missing charset',
      'length = 20\nrule "charset" {\n  min-chars = 1\n}\n',
      /needs a "charset" string/,
    ],
    [
      'a non-printable character',
      JSON.stringify({ length: 8, rule: { charset: [{ charset: 'ab\u0007' }] } }),
      /non-printable character U\+0007/,
    ],
    [
      'a negative min-chars',
      'length = 8\nrule "charset" {\n  charset = "ab"\n  min-chars = -1\n}\n',
      /must not be negative/,
    ],
    [
      'min-chars adding up past the length',
      'length = 4\nrule "charset" {\n  charset = "ab"\n  min-chars = 3\n}\nrule "charset" {\n  charset = "01"\n  min-chars = 2\n}\n',
      /add up to 5, more than the password length 4/,
    ],
    [
      'an unknown rule type',
      'length = 8\nrule "symbols" {\n  charset = "ab"\n}\n',
      /unknown rule type "symbols"/,
    ],
    [
      'an unknown key in a rule',
      'length = 8\nrule "charset" {\n  charset = "ab"\n  min_chars = 1\n}\n',
      /unknown key "min_chars"/,
    ],
    [
      'an unknown top-level key',
      'length = 8\nsize = 2\nrule "charset" {\n  charset = "ab"\n}\n',
      /unknown key "size"/,
    ],
  ])('refuses %s', async (_name, text, pattern) => {
    await expectInvalid(text, pattern);
  });

  it('refuses a combined charset over 256 characters', async () => {
    const wide = Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    await expectInvalid(
      JSON.stringify({ length: 8, rule: { charset: [{ charset: wide }] } }),
      /300 characters, more than 256/,
    );
  });
});

describe('generatePassword', () => {
  it('has the policy length and honours every min-chars over 200 generations', async () => {
    const policy = await parsePasswordPolicy(STRICT_HCL);
    const allowed = new Set(policy.charset);
    for (let i = 0; i < 200; i++) {
      const password = generatePassword(policy);
      expect(Array.from(password)).toHaveLength(20);
      expect(Array.from(password).every((char) => allowed.has(char))).toBe(true);
      expect(count(password, LOWER)).toBeGreaterThanOrEqual(1);
      expect(count(password, UPPER)).toBeGreaterThanOrEqual(1);
      expect(count(password, DIGITS)).toBeGreaterThanOrEqual(1);
      expect(count(password, '!@#$')).toBeGreaterThanOrEqual(2);
    }
  });

  it('satisfies a policy whose min-chars fill the whole length', async () => {
    // Overlapping charsets: a character claimed for one rule must not be reused for the other.
    const policy = await parsePasswordPolicy(
      'length = 6\nrule "charset" {\n  charset = "abc"\n  min-chars = 3\n}\nrule "charset" {\n  charset = "abcxyz"\n  min-chars = 3\n}\nrule "charset" {\n  charset = "0"\n}\n',
    );
    for (let i = 0; i < 200; i++) {
      const password = generatePassword(policy);
      expect(password).toHaveLength(6);
      expect(count(password, 'abc')).toBeGreaterThanOrEqual(3);
      // Every position is claimed by a rule, so the unrequired '0' can never appear.
      expect(password).toMatch(/^[abcxyz]+$/);
    }
  });

  it('draws only from the allowed characters, including multi-byte ones', () => {
    const policy: PasswordPolicy = {
      raw: '',
      length: 50,
      rules: [
        { charset: ['ä', 'ö'], minChars: 5 },
        { charset: ['q'], minChars: 0 },
      ],
      charset: ['ä', 'ö', 'q'],
    };
    const password = generatePassword(policy);
    expect(Array.from(password)).toHaveLength(50);
    expect(password).toMatch(/^[äöq]+$/u);
    expect(count(password, 'äö')).toBeGreaterThanOrEqual(5);
  });

  it('uses the injected random source', async () => {
    const policy = await parsePasswordPolicy('length = 4\nrule "charset" {\n  charset = "ab"\n}\n');
    expect(generatePassword(policy, () => 0)).toBe('aaaa');
  });
});
