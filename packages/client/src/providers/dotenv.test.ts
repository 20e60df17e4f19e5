import { describe, expect, it } from 'vitest';
import { DotenvSyntaxError, parseDotenv } from './dotenv.ts';

describe('parseDotenv', () => {
  it('reads plain assignments, export prefixes, comments and blank lines', () => {
    const text = [
      '# a comment',
      '',
      'A=1',
      'export B=two',
      '  C = spaced value  ',
      'D=',
      'E=x # trailing comment',
      'F=pa#ss',
      'G= # only a comment',
      'dotted.key-name=ok',
    ].join('\n');
    expect({ ...parseDotenv(text) }).toEqual({
      A: '1',
      B: 'two',
      C: 'spaced value',
      D: '',
      E: 'x',
      F: 'pa#ss',
      G: '',
      'dotted.key-name': 'ok',
    });
  });

  it('handles double quotes with escapes and multi-line values', () => {
    const text = 'A="line1\\nline2\\t\\"q\\" \\\\ \\x"\nB="multi\nline" # note\nC=after';
    expect({ ...parseDotenv(text) }).toEqual({
      A: 'line1\nline2\t"q" \\ \\x',
      B: 'multi\nline',
      C: 'after',
    });
  });

  it('keeps single- and backtick-quoted values literal', () => {
    const text = "A='no\\nescape # here'\nB=`back'tick\"`\nC='$NOT_EXPANDED'";
    expect({ ...parseDotenv(text) }).toEqual({
      A: 'no\\nescape # here',
      B: 'back\'tick"',
      C: '$NOT_EXPANDED',
    });
  });

  it('accepts CRLF line endings and lets the last assignment win', () => {
    expect({ ...parseDotenv('A=1\r\nB="x"\r\nA=2\r\n') }).toEqual({ A: '2', B: 'x' });
  });

  it('treats __proto__ as a plain key', () => {
    const parsed = parseDotenv('__proto__=x');
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(parsed.__proto__).toBe('x');
  });

  it.each([
    ['not an assignment', 'hunter2 is the password', 1],
    ['missing =', 'A=1\nB hunter2', 2],
    ['unterminated quote', 'A=1\nB="hunter2\nC=3', 2],
    ['garbage after quote', 'A="hunter2"x', 1],
  ])('reports %s with a line number and never the text', (_name, text, line) => {
    let caught: unknown;
    try {
      parseDotenv(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DotenvSyntaxError);
    const error = caught as DotenvSyntaxError;
    expect(error.line).toBe(line);
    expect(error.message).toContain(`line ${line}`);
    expect(error.message).not.toContain('hunter2');
  });
});
