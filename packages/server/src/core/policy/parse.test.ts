import { describe, expect, it } from 'vitest';
import { expectInvalidPolicy } from '../../test-support.ts';
import { DEFAULT_POLICY_TEXT } from './builtin.ts';
import { normalizePolicyName, parsePolicy } from './parse.ts';

/** Parses and expects an invalid_policy 400 whose one-line message matches `pattern`. */
function expectInvalid(text: string, pattern: RegExp, name = 'p'): Promise<void> {
  return expectInvalidPolicy(parsePolicy(name, text), pattern);
}

describe('parsePolicy: HCL', () => {
  it('parses stanzas with every supported key', async () => {
    const policy = await parsePolicy(
      'Dev-Team',
      `
# comment
name = "ignored"
path "secret/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}
path "secret/restricted" {
  comment = "only foo and bar"
  capabilities = ["create", "sudo"]
  allowed_parameters = {
    "foo" = []
    "Bar" = ["zip", "zap", 1, true]
  }
  denied_parameters = {
    "baz" = []
  }
  required_parameters = ["foo"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = 90
}
`,
    );
    expect(policy.name).toBe('dev-team');
    expect(policy.templated).toBe(false);
    expect(policy.paths).toHaveLength(2);
    expect(policy.paths[0]).toEqual({
      path: 'secret/*',
      capabilities: ['create', 'read', 'update', 'patch', 'delete', 'list'],
      templated: false,
    });
    const restricted = policy.paths[1]!;
    expect(restricted.capabilities).toEqual(['create', 'sudo']);
    expect(restricted.allowedParameters).toEqual(
      new Map<string, unknown[]>([
        ['foo', []],
        ['bar', ['zip', 'zap', 1, true]],
      ]),
    );
    expect(restricted.deniedParameters).toEqual(new Map([['baz', []]]));
    expect(restricted.requiredParameters).toEqual(['foo']);
    expect(restricted.minWrappingTtlMs).toBe(1000);
    expect(restricted.maxWrappingTtlMs).toBe(90_000);
  });

  it('keeps the raw text', async () => {
    const text = 'path "a" { capabilities = ["read"] }';
    expect((await parsePolicy('p', text)).raw).toBe(text);
  });

  it('keeps repeated stanzas for the same path', async () => {
    const policy = await parsePolicy(
      'p',
      'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }',
    );
    expect(policy.paths.map((rule) => rule.capabilities)).toEqual([['read'], ['list']]);
  });

  it('maps the policy shorthand as Vault does', async () => {
    const text = ['deny', 'read', 'write', 'sudo']
      .map((level) => `path "${level}" {\n  policy = "${level}"\n}`)
      .join('\n');
    const policy = await parsePolicy('p', text);
    // HCL hands back stanzas grouped by label, so compare by path rather than by position.
    expect(Object.fromEntries(policy.paths.map((rule) => [rule.path, rule.capabilities]))).toEqual({
      deny: ['deny'],
      read: ['read', 'list'],
      write: ['create', 'read', 'update', 'delete', 'list'],
      sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
    });
  });

  it('reduces a stanza containing deny to deny alone', async () => {
    const policy = await parsePolicy('p', 'path "a" {\n  capabilities = ["read", "deny"]\n}');
    expect(policy.paths[0]!.capabilities).toEqual(['deny']);
  });

  it('accepts every capability, including subscribe and recover', async () => {
    const all = [
      'create',
      'read',
      'update',
      'patch',
      'delete',
      'list',
      'sudo',
      'subscribe',
      'recover',
    ];
    const policy = await parsePolicy('p', `path "a" {\n  capabilities = ${JSON.stringify(all)}\n}`);
    expect(policy.paths[0]!.capabilities).toEqual(all);
  });

  it('strips one leading slash from paths', async () => {
    const policy = await parsePolicy('p', 'path "/secret/a" {\n  capabilities = ["read"]\n}');
    expect(policy.paths[0]!.path).toBe('secret/a');
  });

  it('marks templated paths', async () => {
    const policy = await parsePolicy(
      'p',
      'path "secret/{{identity.entity.id}}/*" {\n  capabilities = ["read"]\n}',
    );
    expect(policy.templated).toBe(true);
    expect(policy.paths[0]!.templated).toBe(true);
  });

  it('parses the built-in default policy', async () => {
    const policy = await parsePolicy('default', DEFAULT_POLICY_TEXT);
    expect(policy.paths.length).toBeGreaterThan(10);
    expect(policy.templated).toBe(true);
  });
});

describe('parsePolicy: JSON', () => {
  it('parses the object form', async () => {
    const policy = await parsePolicy(
      'p',
      JSON.stringify({
        path: {
          'secret/*': { capabilities: ['read'] },
          'secret/foo': {
            capabilities: ['create'],
            allowed_parameters: { bar: ['zip'] },
            max_wrapping_ttl: '1h',
          },
        },
      }),
    );
    expect(policy.paths.map((rule) => rule.path)).toEqual(['secret/*', 'secret/foo']);
    expect(policy.paths[1]!.allowedParameters).toEqual(new Map([['bar', ['zip']]]));
    expect(policy.paths[1]!.maxWrappingTtlMs).toBe(3_600_000);
  });

  it('parses list forms (stanza lists and path lists)', async () => {
    const policy = await parsePolicy(
      'p',
      JSON.stringify({
        path: [
          { a: [{ capabilities: ['read'] }, { capabilities: ['list'] }] },
          { b: { policy: 'write' } },
        ],
      }),
    );
    expect(policy.paths.map((rule) => [rule.path, rule.capabilities])).toEqual([
      ['a', ['read']],
      ['a', ['list']],
      ['b', ['create', 'read', 'update', 'delete', 'list']],
    ]);
  });

  it('reports JSON syntax errors with a line and column', async () => {
    await expectInvalid(
      '{\n  "path": {\n    "a": { "capabilities": ["read"] },,\n  }\n}',
      /invalid JSON at line 3, column \d+/,
    );
  });

  it('refuses a non-object document', async () => {
    await expectInvalid('{"path": "secret/*"}', /write each stanza as path/);
  });

  it('refuses a stanza that is not an object', async () => {
    await expectInvalid(
      '{"path": {"secret/*": "read"}}',
      /path "secret\/\*" \(line 1\): expected a block/,
    );
  });

  it('refuses a non-string capability', async () => {
    await expectInvalid(
      '{"path": {"a": {"capabilities": [1]}}}',
      /"capabilities" must be a list of quoted strings, found number 1/,
    );
  });
});

describe('parsePolicy: invalid input', () => {
  it('reports HCL syntax errors with line and column', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = ["read"\n}',
      /^failed to parse policy: line 3, column 1: /,
    );
  });

  it('refuses an unknown capability, naming the path and line', async () => {
    await expectInvalid(
      'path "ok" {\n  capabilities = ["read"]\n}\npath "secret/*" {\n  capabilities = ["reed"]\n}',
      /^path "secret\/\*" \(line 4\): invalid capability "reed"/,
    );
  });

  it('refuses capabilities in the wrong case', async () => {
    await expectInvalid('path "a" {\n  capabilities = ["Read"]\n}', /invalid capability "Read"/);
  });

  it('refuses an unquoted capability', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = [read]\n}',
      /must be a list of quoted strings, found string "\$\{read\}"/,
    );
  });

  it('refuses capabilities that are not a list', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = "read"\n}',
      /"capabilities" must be a list of strings, got string "read"/,
    );
  });

  it('refuses a path block without a label', async () => {
    await expectInvalid(
      'path {\n  capabilities = ["read"]\n}',
      /write each stanza as path "<pattern>"/,
    );
  });

  it('refuses a path block with two labels', async () => {
    await expectInvalid(
      'path "a" "b" {\n  capabilities = ["read"]\n}',
      /path "a" \(line 1\): a path block takes exactly one label/,
    );
  });

  it('refuses path as an attribute', async () => {
    await expectInvalid('path = "secret/*"', /write each stanza as path/);
  });

  it('refuses an unknown top-level key', async () => {
    await expectInvalid(
      'paths "a" {\n  capabilities = ["read"]\n}',
      /unknown top-level key "paths"/,
    );
  });

  it('refuses an unknown stanza key', async () => {
    await expectInvalid(
      'path "a" {\n  capabilites = ["read"]\n}',
      /path "a" \(line 1\): unknown key "capabilites"/,
    );
  });

  it('refuses an unsupported control group rather than ignoring it', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = ["read"]\n  control_group = {}\n}',
      /unknown key "control_group"/,
    );
  });

  it('refuses an unknown policy shorthand', async () => {
    await expectInvalid('path "a" {\n  policy = "admin"\n}', /invalid policy "admin"/);
  });

  it('refuses "+*"', async () => {
    await expectInvalid(
      'path "secret/+*" {\n  capabilities = ["read"]\n}',
      /invalid use of wildcards: "\+\*"/,
    );
  });

  it('refuses "*" anywhere but the end', async () => {
    await expectInvalid(
      'path "secret/*/foo" {\n  capabilities = ["read"]\n}',
      /"\*" is only allowed as the last character/,
    );
  });

  it('refuses an unknown template parameter', async () => {
    await expectInvalid(
      'path "secret/{{identity.entity.nope}}" {\n  capabilities = ["read"]\n}',
      /unknown template parameter/,
    );
  });

  it('refuses an unbalanced template', async () => {
    await expectInvalid(
      'path "secret/{{identity.entity.id" {\n  capabilities = ["read"]\n}',
      /unbalanced/,
    );
  });

  it('refuses an invalid wrapping TTL', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "soon"\n}',
      /"min_wrapping_ttl": invalid duration "soon"/,
    );
  });

  it('refuses max_wrapping_ttl below min_wrapping_ttl', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = ["read"]\n  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = "30s"\n}',
      /max_wrapping_ttl cannot be less than min_wrapping_ttl/,
    );
  });

  it('refuses values for the "*" parameter', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = ["create"]\n  allowed_parameters = {\n    "*" = ["x"]\n  }\n}',
      /"allowed_parameters\.\*" only accepts an empty list/,
    );
  });

  it('refuses a parameter value list that is not a list', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = ["create"]\n  denied_parameters = {\n    "x" = "y"\n  }\n}',
      /"denied_parameters\.x" must be a list of values/,
    );
  });

  it('refuses nested parameter values', async () => {
    await expectInvalid(
      '{"path": {"a": {"allowed_parameters": {"x": [{"y": 1}]}}}}',
      /values must be strings, numbers or booleans, found an object/,
    );
  });

  it('refuses required_parameters that are not strings', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = ["create"]\n  required_parameters = [1]\n}',
      /"required_parameters" must be a list of quoted strings/,
    );
  });

  it('refuses an empty document', async () => {
    await expectInvalid('   \n', /policy document is empty/);
  });

  it('refuses an empty name', async () => {
    await expectInvalid('path "a" {\n  capabilities = ["read"]\n}', /policy name is empty/, '  ');
  });

  it('refuses names with invalid characters', async () => {
    await expectInvalid(
      'path "a" {\n  capabilities = ["read"]\n}',
      /policy name "a\/b" is invalid/,
      'a/b',
    );
    await expectInvalid('path "a" {\n  capabilities = ["read"]\n}', /is invalid/, 'has space');
    await expectInvalid('path "a" {\n  capabilities = ["read"]\n}', /is invalid/, '..');
  });
});

describe('normalizePolicyName', () => {
  it('trims and lowercases as Vault does', () => {
    expect(normalizePolicyName('  Ops-Admins ')).toBe('ops-admins');
    expect(normalizePolicyName('team_a.read@x+y')).toBe('team_a.read@x+y');
  });

  it('refuses over-long names', () => {
    expect(() => normalizePolicyName('a'.repeat(129))).toThrow(/longer than 128/);
  });
});
