import { describe, expect, it } from 'vitest';
import type { Operation } from '../../logical/request.ts';
import { ACL, compileAcl } from './acl.ts';
import { DEFAULT_POLICY_TEXT, ROOT_POLICY } from './builtin.ts';
import { parsePolicy } from './parse.ts';
import type { Policy } from './parse.ts';
import type { PolicyIdentity } from './template.ts';

/**
 * Each case: policy documents (named p0, p1, ... in order; `root` for the root policy and
 * `default` for the built-in default), an operation on a path, and what Vault decides.
 * The cases follow the rules and examples of Vault's policy documentation.
 */
interface Case {
  readonly name: string;
  readonly policies: readonly string[];
  readonly op: Operation;
  readonly path: string;
  readonly data?: Record<string, unknown>;
  readonly wrapTtlMs?: number;
  readonly identity?: PolicyIdentity;
  readonly allowed: boolean;
  readonly sudo?: boolean;
  readonly caps?: readonly string[];
}

const p = (path: string, body: string): string => `path "${path}" {\n  ${body}\n}\n`;
const caps = (...list: string[]): string => `capabilities = ${JSON.stringify(list)}`;
const stanza = (path: string, ...list: string[]): string => p(path, caps(...list));

const CRUDL = ['create', 'read', 'update', 'delete', 'list'];

const cases: Case[] = [
  // --- exact paths and `*` prefix globs -------------------------------------------------
  {
    name: 'exact path allows its capability',
    policies: [stanza('secret/foo', 'read')],
    op: 'read',
    path: 'secret/foo',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'exact path does not match a longer name',
    policies: [stanza('secret/foo', 'read')],
    op: 'read',
    path: 'secret/food',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'exact path does not match a child',
    policies: [stanza('secret/foo', 'read')],
    op: 'read',
    path: 'secret/foo/bar',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'exact path refuses an ungranted operation',
    policies: [stanza('secret/foo', 'read')],
    op: 'update',
    path: 'secret/foo',
    allowed: false,
    caps: ['read'],
  },
  {
    name: 'glob matches a child',
    policies: [stanza('secret/bar/*', 'read')],
    op: 'read',
    path: 'secret/bar/zip',
    allowed: true,
  },
  {
    name: 'glob matches a grandchild',
    policies: [stanza('secret/bar/*', 'read')],
    op: 'read',
    path: 'secret/bar/zip/zap',
    allowed: true,
  },
  {
    name: 'glob is a plain prefix: no sibling with a longer name',
    policies: [stanza('secret/bar/*', 'read')],
    op: 'read',
    path: 'secret/bars/zip',
    allowed: false,
  },
  {
    name: 'glob with a slash does not match the bare parent',
    policies: [stanza('secret/bar/*', 'read')],
    op: 'read',
    path: 'secret/bar',
    allowed: false,
  },
  {
    name: 'glob without a slash matches longer names',
    policies: [stanza('secret/zip-*', 'read')],
    op: 'read',
    path: 'secret/zip-zap',
    allowed: true,
  },
  {
    name: 'glob without a slash matches deeper paths',
    policies: [stanza('secret/zip-*', 'read')],
    op: 'read',
    path: 'secret/zip-zap/zong',
    allowed: true,
  },
  {
    name: 'glob without a slash does not match other names',
    policies: [stanza('secret/zip-*', 'read')],
    op: 'read',
    path: 'secret/zip/zap',
    allowed: false,
  },
  {
    name: 'a bare * matches everything',
    policies: [stanza('*', 'read')],
    op: 'read',
    path: 'sys/mounts',
    allowed: true,
  },
  {
    name: 'exact deny overrides a broader glob',
    policies: [stanza('secret/*', ...CRUDL, 'patch') + stanza('secret/super-secret', 'deny')],
    op: 'read',
    path: 'secret/super-secret',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'the broader glob still covers other paths',
    policies: [stanza('secret/*', ...CRUDL, 'patch') + stanza('secret/super-secret', 'deny')],
    op: 'read',
    path: 'secret/other',
    allowed: true,
    caps: ['create', 'delete', 'list', 'patch', 'read', 'update'],
  },
  {
    name: 'exact wins even when it grants less than the glob',
    policies: [stanza('secret/*', 'read') + stanza('secret/foo', 'list')],
    op: 'read',
    path: 'secret/foo',
    allowed: false,
    caps: ['list'],
  },
  {
    name: 'longest prefix wins (deny on the longer)',
    policies: [stanza('secret/*', 'read') + stanza('secret/foo*', 'deny')],
    op: 'read',
    path: 'secret/foobar',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'shorter prefix applies where the longer does not match',
    policies: [stanza('secret/*', 'read') + stanza('secret/foo*', 'deny')],
    op: 'read',
    path: 'secret/fo',
    allowed: true,
  },
  {
    name: 'longest prefix wins (allow under a broad deny)',
    policies: [stanza('secret/*', 'deny') + stanza('secret/a/*', 'read')],
    op: 'read',
    path: 'secret/a/b',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'leading slash on the request path is ignored',
    policies: [stanza('secret/foo', 'read')],
    op: 'read',
    path: '/secret/foo',
    allowed: true,
  },
  {
    name: 'leading slash on the policy path is ignored',
    policies: [stanza('/secret/foo', 'read')],
    op: 'read',
    path: 'secret/foo',
    allowed: true,
  },

  // --- `+` segment wildcards ----------------------------------------------------------------
  {
    name: '+ matches one segment',
    policies: [stanza('secret/+/teamb', 'read')],
    op: 'read',
    path: 'secret/foo/teamb',
    allowed: true,
  },
  {
    name: '+ does not match two segments',
    policies: [stanza('secret/+/teamb', 'read')],
    op: 'read',
    path: 'secret/foo/bar/teamb',
    allowed: false,
  },
  {
    name: '+ does not match zero segments',
    policies: [stanza('secret/+/teamb', 'read')],
    op: 'read',
    path: 'secret/teamb',
    allowed: false,
  },
  {
    name: 'two + match two segments',
    policies: [stanza('secret/+/+/teamb', 'read')],
    op: 'read',
    path: 'secret/bar/foo/teamb',
    allowed: true,
  },
  {
    name: '+ matches an empty segment',
    policies: [stanza('secret/+/teamb', 'read')],
    op: 'read',
    path: 'secret//teamb',
    allowed: true,
  },
  {
    name: '+ pattern ending in a glob: prefix of the last segment',
    policies: [stanza('secret/+/foo*', 'read')],
    op: 'read',
    path: 'secret/a/foobar',
    allowed: true,
  },
  {
    name: '+ pattern ending in a glob: deeper paths match too',
    policies: [stanza('secret/+/foo*', 'read')],
    op: 'read',
    path: 'secret/a/foo/x',
    allowed: true,
  },
  {
    name: '+ pattern ending in a glob: other names do not',
    policies: [stanza('secret/+/foo*', 'read')],
    op: 'read',
    path: 'secret/a/bar',
    allowed: false,
  },
  {
    name: 'leading + segment',
    policies: [stanza('+/foo', 'read')],
    op: 'read',
    path: 'kv/foo',
    allowed: true,
  },
  {
    name: '+/* needs a segment after the wildcard',
    policies: [stanza('secret/+/*', 'read')],
    op: 'read',
    path: 'secret/a',
    allowed: false,
  },
  {
    name: '+/* matches below the wildcard',
    policies: [stanza('secret/+/*', 'read')],
    op: 'read',
    path: 'secret/a/b',
    allowed: true,
  },
  {
    name: '+ inside a segment is a literal character',
    policies: [stanza('secret/a+b', 'read')],
    op: 'read',
    path: 'secret/a+b',
    allowed: true,
  },
  {
    name: 'literal + does not act as a wildcard',
    policies: [stanza('secret/a+b', 'read')],
    op: 'read',
    path: 'secret/axb',
    allowed: false,
  },

  // --- priority between matching wildcard patterns -------------------------------------------
  {
    name: 'rule 1: later first wildcard wins (foo/a* over foo/+), read',
    policies: [stanza('foo/a*', 'read') + stanza('foo/+', 'update')],
    op: 'read',
    path: 'foo/ab',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 1: later first wildcard wins (foo/a* over foo/+), update',
    policies: [stanza('foo/a*', 'read') + stanza('foo/+', 'update')],
    op: 'update',
    path: 'foo/ab',
    allowed: false,
  },
  {
    name: 'rule 1: foo/bar/+/baz over foo/+/bar/baz',
    policies: [stanza('foo/bar/+/baz', 'read') + stanza('foo/+/bar/baz', 'update')],
    op: 'read',
    path: 'foo/bar/bar/baz',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 1: the earlier wildcard loses',
    policies: [stanza('foo/bar/+/baz', 'read') + stanza('foo/+/bar/baz', 'update')],
    op: 'update',
    path: 'foo/bar/bar/baz',
    allowed: false,
  },
  {
    name: 'rule 1: a long prefix beats a + placed earlier',
    policies: [stanza('secret/data/*', 'read') + stanza('secret/+/foo', 'update')],
    op: 'read',
    path: 'secret/data/foo',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 1: ... so the + pattern does not apply',
    policies: [stanza('secret/data/*', 'read') + stanza('secret/+/foo', 'update')],
    op: 'update',
    path: 'secret/data/foo',
    allowed: false,
  },
  {
    name: 'rule 2: not ending in * wins (foo/+/bar over foo/+/ba*)',
    policies: [stanza('foo/+/bar', 'read') + stanza('foo/+/ba*', 'update')],
    op: 'read',
    path: 'foo/x/bar',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 2: the glob loses',
    policies: [stanza('foo/+/bar', 'read') + stanza('foo/+/ba*', 'update')],
    op: 'update',
    path: 'foo/x/bar',
    allowed: false,
  },
  {
    name: 'rule 2: foo/+ over foo/*',
    policies: [stanza('foo/+', 'read') + stanza('foo/*', 'update')],
    op: 'read',
    path: 'foo/x',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 2: foo/* still covers deeper paths',
    policies: [stanza('foo/+', 'read') + stanza('foo/*', 'update')],
    op: 'update',
    path: 'foo/x/y',
    allowed: true,
    caps: ['update'],
  },
  {
    name: 'rule 3: fewer + wins (secret/* over secret/+/+/foo/*)',
    policies: [stanza('secret/*', 'read') + stanza('secret/+/+/foo/*', 'update')],
    op: 'read',
    path: 'secret/a/b/foo/c',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 3: the many-wildcard pattern loses',
    policies: [stanza('secret/*', 'read') + stanza('secret/+/+/foo/*', 'update')],
    op: 'update',
    path: 'secret/a/b/foo/c',
    allowed: false,
  },
  {
    name: 'rule 3: foo/+/bar/baz over foo/+/+/baz',
    policies: [stanza('foo/+/bar/baz', 'read') + stanza('foo/+/+/baz', 'update')],
    op: 'read',
    path: 'foo/x/bar/baz',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 3: foo/+/+/baz still applies elsewhere',
    policies: [stanza('foo/+/bar/baz', 'read') + stanza('foo/+/+/baz', 'update')],
    op: 'update',
    path: 'foo/x/qux/baz',
    allowed: true,
  },
  {
    name: 'rule 4: longer wins (foo/+/bar/ba* over foo/+/bar/b*)',
    policies: [stanza('foo/+/bar/ba*', 'read') + stanza('foo/+/bar/b*', 'update')],
    op: 'read',
    path: 'foo/x/bar/baz',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 4: the shorter loses',
    policies: [stanza('foo/+/bar/ba*', 'read') + stanza('foo/+/bar/b*', 'update')],
    op: 'update',
    path: 'foo/x/bar/baz',
    allowed: false,
  },
  {
    name: 'rule 5: lexically greater wins (+/a/+ over +/+/b)',
    policies: [stanza('+/a/+', 'read') + stanza('+/+/b', 'update')],
    op: 'read',
    path: 'x/a/b',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'rule 5: the lexically smaller loses',
    policies: [stanza('+/a/+', 'read') + stanza('+/+/b', 'update')],
    op: 'update',
    path: 'x/a/b',
    allowed: false,
  },
  {
    name: 'priority is independent of policy order',
    policies: [stanza('+/+/b', 'update'), stanza('+/a/+', 'read')],
    op: 'read',
    path: 'x/a/b',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'exact beats a + pattern',
    policies: [stanza('secret/+/foo', 'read') + stanza('secret/a/foo', 'update')],
    op: 'read',
    path: 'secret/a/foo',
    allowed: false,
    caps: ['update'],
  },
  {
    name: 'exact beats a + pattern (granted op)',
    policies: [stanza('secret/+/foo', 'read') + stanza('secret/a/foo', 'update')],
    op: 'update',
    path: 'secret/a/foo',
    allowed: true,
  },

  // --- merging and deny ------------------------------------------------------------------------
  {
    name: 'same pattern in two policies: capabilities are unioned (update)',
    policies: [stanza('secret/*', 'read'), stanza('secret/*', 'update')],
    op: 'update',
    path: 'secret/x',
    allowed: true,
    caps: ['read', 'update'],
  },
  {
    name: 'same pattern in two policies: capabilities are unioned (read)',
    policies: [stanza('secret/*', 'read'), stanza('secret/*', 'update')],
    op: 'read',
    path: 'secret/x',
    allowed: true,
    caps: ['read', 'update'],
  },
  {
    name: 'deny in a later policy wins over the same pattern',
    policies: [stanza('secret/foo', 'read', 'update'), stanza('secret/foo', 'deny')],
    op: 'read',
    path: 'secret/foo',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'deny in an earlier policy wins over the same pattern',
    policies: [stanza('secret/foo', 'deny'), stanza('secret/foo', 'read')],
    op: 'read',
    path: 'secret/foo',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'deny beside other capabilities in one stanza',
    policies: [stanza('secret/foo', 'read', 'deny')],
    op: 'read',
    path: 'secret/foo',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'deny in one policy, more specific allow in another: specific wins',
    policies: [stanza('secret/*', 'deny'), stanza('secret/foo', 'read')],
    op: 'read',
    path: 'secret/foo',
    allowed: true,
    caps: ['read'],
  },
  {
    name: 'same + pattern in two policies is merged',
    policies: [stanza('secret/+/x', 'read'), stanza('secret/+/x', 'list')],
    op: 'list',
    path: 'secret/a/x',
    allowed: true,
    caps: ['list', 'read'],
  },
  {
    name: 'the same pattern twice in one policy is merged',
    policies: [stanza('secret/foo', 'read') + stanza('secret/foo', 'delete')],
    op: 'delete',
    path: 'secret/foo',
    allowed: true,
    caps: ['delete', 'read'],
  },
  {
    name: 'a stanza without capabilities still wins and grants nothing',
    policies: [stanza('secret/*', 'read') + p('secret/foo', 'capabilities = []')],
    op: 'read',
    path: 'secret/foo',
    allowed: false,
    caps: ['deny'],
  },

  // --- sudo ---------------------------------------------------------------------------------------
  {
    name: 'sudo with read',
    policies: [stanza('sys/audit', 'read', 'sudo')],
    op: 'read',
    path: 'sys/audit',
    allowed: true,
    sudo: true,
    caps: ['read', 'sudo'],
  },
  {
    name: 'sudo alone grants root privileges but no operation',
    policies: [stanza('sys/audit', 'sudo')],
    op: 'read',
    path: 'sys/audit',
    allowed: false,
    sudo: true,
    caps: ['sudo'],
  },
  {
    name: 'deny removes sudo',
    policies: [stanza('sys/audit', 'read', 'sudo'), stanza('sys/audit', 'deny')],
    op: 'read',
    path: 'sys/audit',
    allowed: false,
    sudo: false,
    caps: ['deny'],
  },
  {
    name: 'no match: no sudo',
    policies: [stanza('sys/audit', 'read', 'sudo')],
    op: 'read',
    path: 'sys/auth',
    allowed: false,
    sudo: false,
    caps: ['deny'],
  },
  {
    name: 'sudo comes from the winning pattern only',
    policies: [stanza('sys/*', 'read', 'sudo') + stanza('sys/mounts', 'read')],
    op: 'read',
    path: 'sys/mounts',
    allowed: true,
    sudo: false,
  },
  {
    name: 'policy = "sudo" shorthand',
    policies: [p('sys/audit/*', 'policy = "sudo"')],
    op: 'delete',
    path: 'sys/audit/file',
    allowed: true,
    sudo: true,
    caps: ['create', 'delete', 'list', 'read', 'sudo', 'update'],
  },
  {
    name: 'policy = "read" shorthand grants read and list',
    policies: [p('secret/*', 'policy = "read"')],
    op: 'update',
    path: 'secret/x',
    allowed: false,
    caps: ['list', 'read'],
  },
  {
    name: 'policy = "write" shorthand',
    policies: [p('secret/*', 'policy = "write"')],
    op: 'update',
    path: 'secret/x',
    allowed: true,
    caps: ['create', 'delete', 'list', 'read', 'update'],
  },
  {
    name: 'policy = "deny" shorthand',
    policies: [p('secret/*', 'policy = "deny"')],
    op: 'read',
    path: 'secret/x',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'shorthand adds to capabilities',
    policies: [p('secret/*', 'policy = "read"\n  capabilities = ["patch"]')],
    op: 'patch',
    path: 'secret/x',
    allowed: true,
    caps: ['list', 'patch', 'read'],
  },

  // --- list and trailing slashes -----------------------------------------------------------------
  {
    name: 'list of a/ uses the exact rule for a',
    policies: [stanza('secret/foo', 'list')],
    op: 'list',
    path: 'secret/foo/',
    allowed: true,
    caps: ['list'],
  },
  {
    name: 'only list drops the trailing slash',
    policies: [stanza('secret/foo', 'read')],
    op: 'read',
    path: 'secret/foo/',
    allowed: false,
  },
  {
    name: 'list tries the path without its slash against globs first',
    policies: [stanza('secret/foo*', 'list') + stanza('secret/foo/*', 'deny')],
    op: 'list',
    path: 'secret/foo/',
    allowed: true,
    caps: ['list'],
  },
  {
    name: '... while reads below use the longer glob',
    policies: [stanza('secret/foo*', 'list') + stanza('secret/foo/*', 'deny')],
    op: 'read',
    path: 'secret/foo/x',
    allowed: false,
  },
  {
    name: 'list of a/ matches a + pattern for a',
    policies: [stanza('secret/+', 'list')],
    op: 'list',
    path: 'secret/a/',
    allowed: true,
  },
  {
    name: 'a read of a/ does not match the + pattern',
    policies: [stanza('secret/+', 'read')],
    op: 'read',
    path: 'secret/a/',
    allowed: false,
  },
  {
    name: 'list of the glob root (secret/metadata/ with secret/metadata/*)',
    policies: [stanza('secret/metadata/*', 'list')],
    op: 'list',
    path: 'secret/metadata/',
    allowed: true,
  },
  {
    name: 'an exact pattern with a trailing slash',
    policies: [stanza('secret/foo/', 'list')],
    op: 'list',
    path: 'secret/foo/',
    allowed: true,
  },
  {
    name: 'list needs the list capability',
    policies: [stanza('secret/*', 'read')],
    op: 'list',
    path: 'secret/',
    allowed: false,
  },

  // --- operations ----------------------------------------------------------------------------------
  {
    name: 'patch needs patch, not update',
    policies: [stanza('secret/foo', 'update')],
    op: 'patch',
    path: 'secret/foo',
    allowed: false,
  },
  {
    name: 'patch allowed by patch',
    policies: [stanza('secret/foo', 'patch')],
    op: 'patch',
    path: 'secret/foo',
    allowed: true,
  },
  {
    name: 'create does not grant update',
    policies: [stanza('secret/foo', 'create')],
    op: 'update',
    path: 'secret/foo',
    allowed: false,
  },
  {
    name: 'update does not grant create',
    policies: [stanza('secret/foo', 'update')],
    op: 'create',
    path: 'secret/foo',
    allowed: false,
  },
  {
    name: 'delete allowed by delete',
    policies: [stanza('secret/foo', 'delete')],
    op: 'delete',
    path: 'secret/foo',
    allowed: true,
  },
  {
    name: 'renew maps to update',
    policies: [stanza('sys/leases/renew', 'update')],
    op: 'renew',
    path: 'sys/leases/renew',
    allowed: true,
  },
  {
    name: 'help is always allowed',
    policies: [stanza('secret/foo', 'read')],
    op: 'help',
    path: 'sys/audit',
    allowed: true,
    sudo: false,
  },
  {
    name: 'no policies deny everything',
    policies: [],
    op: 'read',
    path: 'secret/foo',
    allowed: false,
    caps: ['deny'],
  },
  {
    name: 'subscribe and recover are reported but grant no operation',
    policies: [stanza('sys/events/*', 'subscribe', 'recover')],
    op: 'read',
    path: 'sys/events/x',
    allowed: false,
    caps: ['recover', 'subscribe'],
  },

  // --- parameter constraints --------------------------------------------------------------------------
  ...((): Case[] => {
    const restricted = p(
      'secret/restricted',
      `${caps('create')}\n  allowed_parameters = {\n    "foo" = []\n    "bar" = ["zip", "zap"]\n  }`,
    );
    return [
      {
        name: 'allowed: any value for an empty list, listed value for a list',
        policies: [restricted],
        op: 'create',
        path: 'secret/restricted',
        data: { foo: 'anything', bar: 'zip' },
        allowed: true,
      },
      {
        name: 'allowed: a value not in the list is refused',
        policies: [restricted],
        op: 'create',
        path: 'secret/restricted',
        data: { bar: 'zop' },
        allowed: false,
      },
      {
        name: 'allowed: an unlisted parameter is refused',
        policies: [restricted],
        op: 'create',
        path: 'secret/restricted',
        data: { baz: 1 },
        allowed: false,
      },
      {
        name: 'allowed: no parameters pass',
        policies: [restricted],
        op: 'create',
        path: 'secret/restricted',
        data: {},
        allowed: true,
      },
      {
        name: 'allowed: the capability is still required',
        policies: [restricted],
        op: 'update',
        path: 'secret/restricted',
        data: { foo: 'x' },
        allowed: false,
      },
    ];
  })(),
  {
    name: 'allowed "*" = [] permits other parameters',
    policies: [
      p(
        'secret/foo',
        `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["zip", "zap"]\n    "*" = []\n  }`,
      ),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { other: 1, bar: 'zap' },
    allowed: true,
  },
  {
    name: 'allowed "*" = [] keeps listed values restricted',
    policies: [
      p(
        'secret/foo',
        `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["zip", "zap"]\n    "*" = []\n  }`,
      ),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { other: 1, bar: 'nope' },
    allowed: false,
  },
  {
    name: 'denied: an empty list refuses the parameter',
    policies: [
      p(
        'auth/userpass/users/*',
        `${caps('update')}\n  denied_parameters = {\n    "token_policies" = []\n  }`,
      ),
    ],
    op: 'update',
    path: 'auth/userpass/users/bob',
    data: { token_policies: 'admin' },
    allowed: false,
  },
  {
    name: 'denied: other parameters pass',
    policies: [
      p(
        'auth/userpass/users/*',
        `${caps('update')}\n  denied_parameters = {\n    "token_policies" = []\n  }`,
      ),
    ],
    op: 'update',
    path: 'auth/userpass/users/bob',
    data: { password: 'x' },
    allowed: true,
  },
  {
    name: 'denied "*" refuses any parameter',
    policies: [
      p(
        'transit/keys/*',
        `${caps('create', 'update')}\n  denied_parameters = {\n    "*" = []\n  }`,
      ),
    ],
    op: 'update',
    path: 'transit/keys/k',
    data: { exportable: true },
    allowed: false,
  },
  {
    name: 'denied "*" still allows a request without parameters',
    policies: [
      p(
        'transit/keys/*',
        `${caps('create', 'update')}\n  denied_parameters = {\n    "*" = []\n  }`,
      ),
    ],
    op: 'update',
    path: 'transit/keys/k',
    data: {},
    allowed: true,
  },
  {
    name: 'denied: a listed value is refused',
    policies: [
      p(
        'auth/token/roles/*',
        `${caps('create', 'update')}\n  denied_parameters = {\n    "allowed_policies" = ["admin"]\n  }`,
      ),
    ],
    op: 'update',
    path: 'auth/token/roles/r',
    data: { allowed_policies: 'admin' },
    allowed: false,
  },
  {
    name: 'denied: other values pass',
    policies: [
      p(
        'auth/token/roles/*',
        `${caps('create', 'update')}\n  denied_parameters = {\n    "allowed_policies" = ["admin"]\n  }`,
      ),
    ],
    op: 'update',
    path: 'auth/token/roles/r',
    data: { allowed_policies: 'dev' },
    allowed: true,
  },
  {
    name: 'denied takes precedence over allowed',
    policies: [
      p(
        'secret/foo',
        `${caps('create')}\n  allowed_parameters = {\n    "foo" = []\n  }\n  denied_parameters = {\n    "foo" = ["bad"]\n  }`,
      ),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { foo: 'bad' },
    allowed: false,
  },
  {
    name: 'required: a missing parameter is refused',
    policies: [p('secret/profile', `${caps('create')}\n  required_parameters = ["name", "id"]`)],
    op: 'create',
    path: 'secret/profile',
    data: { name: 'a' },
    allowed: false,
  },
  {
    name: 'required: all present pass',
    policies: [p('secret/profile', `${caps('create')}\n  required_parameters = ["name", "id"]`)],
    op: 'create',
    path: 'secret/profile',
    data: { name: 'a', id: 'b' },
    allowed: true,
  },
  {
    name: 'required: no data is refused',
    policies: [p('secret/profile', `${caps('create')}\n  required_parameters = ["name", "id"]`)],
    op: 'create',
    path: 'secret/profile',
    allowed: false,
  },
  {
    name: 'required: checked on reads too',
    policies: [p('secret/q', `${caps('read')}\n  required_parameters = ["version"]`)],
    op: 'read',
    path: 'secret/q',
    data: {},
    allowed: false,
  },
  {
    name: 'glob value: prefix match',
    policies: [
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["foo-*"]\n  }`),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { bar: 'foo-1' },
    allowed: true,
  },
  {
    name: 'glob value: prefix mismatch',
    policies: [
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["foo-*"]\n  }`),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { bar: 'bar-1' },
    allowed: false,
  },
  {
    name: 'glob value: suffix match',
    policies: [
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["*-prod"]\n  }`),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { bar: 'db-prod' },
    allowed: true,
  },
  {
    name: 'glob value: contains match',
    policies: [
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["*mid*"]\n  }`),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { bar: 'amidb' },
    allowed: true,
  },
  {
    name: 'glob value: a glob on the value side of a denied list',
    policies: [
      p('secret/foo', `${caps('create')}\n  denied_parameters = {\n    "bar" = ["baz/*"]\n  }`),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { bar: 'baz/quux' },
    allowed: false,
  },
  {
    name: 'non-string values compare by value (denied false)',
    policies: [
      p(
        'secret/foo',
        `${caps('create')}\n  denied_parameters = {\n    "no_store" = [false, "false"]\n  }`,
      ),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { no_store: false },
    allowed: false,
  },
  {
    name: 'non-string values compare by value (true passes)',
    policies: [
      p(
        'secret/foo',
        `${caps('create')}\n  denied_parameters = {\n    "no_store" = [false, "false"]\n  }`,
      ),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { no_store: true },
    allowed: true,
  },
  {
    name: 'parameters are not checked for delete',
    policies: [p('secret/foo', `${caps('delete')}\n  denied_parameters = {\n    "*" = []\n  }`)],
    op: 'delete',
    path: 'secret/foo',
    data: { a: 1 },
    allowed: true,
  },
  {
    name: 'parameter names match case-insensitively',
    policies: [p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "Foo" = []\n  }`)],
    op: 'create',
    path: 'secret/foo',
    data: { FOO: 1 },
    allowed: true,
  },
  {
    name: 'allowed values merge across policies (second list)',
    policies: [
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["a"]\n  }`),
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["b"]\n  }`),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { bar: 'b' },
    allowed: true,
  },
  {
    name: 'allowed values merge across policies (neither list)',
    policies: [
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["a"]\n  }`),
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["b"]\n  }`),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { bar: 'c' },
    allowed: false,
  },
  {
    name: 'an empty allowed list absorbs a merged list',
    policies: [
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = ["a"]\n  }`),
      p('secret/foo', `${caps('create')}\n  allowed_parameters = {\n    "bar" = []\n  }`),
    ],
    op: 'create',
    path: 'secret/foo',
    data: { bar: 'z' },
    allowed: true,
  },
  {
    name: 'constraints come from the winning pattern only',
    policies: [
      p('secret/*', `${caps('create')}\n  denied_parameters = {\n    "*" = []\n  }`) +
        stanza('secret/open', 'create'),
    ],
    op: 'create',
    path: 'secret/open',
    data: { a: 1 },
    allowed: true,
  },

  // --- response-wrapping bounds -------------------------------------------------------------------------
  {
    name: 'min_wrapping_ttl makes wrapping mandatory',
    policies: [
      p(
        'auth/approle/role/r/secret-id',
        `${caps('update')}\n  min_wrapping_ttl = "1s"\n  max_wrapping_ttl = "90s"`,
      ),
    ],
    op: 'update',
    path: 'auth/approle/role/r/secret-id',
    allowed: false,
  },
  {
    name: 'a wrap TTL within the bounds passes',
    policies: [
      p(
        'auth/approle/role/r/secret-id',
        `${caps('update')}\n  min_wrapping_ttl = "1s"\n  max_wrapping_ttl = "90s"`,
      ),
    ],
    op: 'update',
    path: 'auth/approle/role/r/secret-id',
    wrapTtlMs: 60_000,
    allowed: true,
  },
  {
    name: 'a wrap TTL above the max is refused',
    policies: [
      p(
        'auth/approle/role/r/secret-id',
        `${caps('update')}\n  min_wrapping_ttl = "1s"\n  max_wrapping_ttl = "90s"`,
      ),
    ],
    op: 'update',
    path: 'auth/approle/role/r/secret-id',
    wrapTtlMs: 120_000,
    allowed: false,
  },
  {
    name: 'merged max wrapping TTLs take the smaller',
    policies: [
      p('secret/w', `${caps('read')}\n  max_wrapping_ttl = 90`),
      p('secret/w', `${caps('read')}\n  max_wrapping_ttl = "60s"`),
    ],
    op: 'read',
    path: 'secret/w',
    wrapTtlMs: 75_000,
    allowed: false,
  },

  // --- root and default ------------------------------------------------------------------------------------
  {
    name: 'root allows anything with sudo',
    policies: ['root'],
    op: 'delete',
    path: 'sys/audit/file',
    allowed: true,
    sudo: true,
    caps: ['root'],
  },
  {
    name: 'root with other policies is still root',
    policies: ['root', stanza('secret/*', 'deny')],
    op: 'read',
    path: 'secret/x',
    allowed: true,
    sudo: true,
    caps: ['root'],
  },
  {
    name: 'default: a token may renew itself',
    policies: ['default'],
    op: 'update',
    path: 'auth/token/renew-self',
    allowed: true,
    caps: ['update'],
  },
  {
    name: "default: cubbyhole is the token's own",
    policies: ['default'],
    op: 'list',
    path: 'cubbyhole/',
    allowed: true,
  },
  {
    name: 'default: nothing else',
    policies: ['default'],
    op: 'read',
    path: 'secret/foo',
    allowed: false,
  },
  {
    name: 'default: oidc authorize through a + pattern',
    policies: ['default'],
    op: 'read',
    path: 'identity/oidc/provider/p1/authorize',
    allowed: true,
  },
  {
    name: 'default: own entity lookup is dropped without an identity',
    policies: ['default'],
    op: 'read',
    path: 'identity/entity/id/e-1',
    allowed: false,
  },
  {
    name: 'default: own entity lookup with an identity',
    policies: ['default'],
    op: 'read',
    path: 'identity/entity/id/e-1',
    identity: { entity: { id: 'e-1', name: 'bob' } },
    allowed: true,
  },
  {
    name: 'default: another entity is not readable',
    policies: ['default'],
    op: 'read',
    path: 'identity/entity/id/e-2',
    identity: { entity: { id: 'e-1', name: 'bob' } },
    allowed: false,
  },
  {
    name: 'templates never widen: a value with * cannot fill',
    policies: [stanza('secret/{{identity.entity.name}}/*', 'read')],
    op: 'read',
    path: 'secret/x/y',
    identity: { entity: { id: 'e', name: '*' } },
    allowed: false,
  },
];

async function policiesFor(texts: readonly string[]): Promise<Policy[]> {
  return Promise.all(
    texts.map(async (text, i) => {
      if (text === 'root') return ROOT_POLICY;
      if (text === 'default') return parsePolicy('default', DEFAULT_POLICY_TEXT);
      return parsePolicy(`p${i}`, text);
    }),
  );
}

describe('ACL table (Vault priority and matching rules)', () => {
  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)('$name', async (c) => {
    const acl = compileAcl(
      await policiesFor(c.policies),
      c.identity === undefined ? {} : { identity: c.identity },
    );
    const result = acl.check(
      c.op,
      c.path,
      c.data,
      c.wrapTtlMs === undefined ? {} : { wrapTtlMs: c.wrapTtlMs },
    );
    expect(result.allowed).toBe(c.allowed);
    if (c.sudo !== undefined) expect(result.rootPrivs).toBe(c.sudo);
    if (c.caps !== undefined) expect(result.capabilities).toEqual(c.caps);
  });
});

describe('ACL.capabilities (sys/capabilities-self)', () => {
  it('reports deny when nothing matches', async () => {
    const acl = new ACL(await policiesFor([stanza('secret/foo', 'read')]));
    expect(acl.capabilities('secret/bar')).toEqual(['deny']);
  });

  it('reports root for the root policy', () => {
    expect(new ACL([ROOT_POLICY]).capabilities('anything')).toEqual(['root']);
  });

  it('reports sorted names of the winning pattern', async () => {
    const acl = new ACL(
      await policiesFor([stanza('secret/*', 'update', 'sudo', 'read', 'list', 'create')]),
    );
    expect(acl.capabilities('secret/x')).toEqual(['create', 'list', 'read', 'sudo', 'update']);
  });

  it('looks paths up as a list would', async () => {
    const acl = new ACL(await policiesFor([stanza('secret/foo', 'list')]));
    expect(acl.capabilities('secret/foo/')).toEqual(['list']);
  });

  it('returns a fresh array each time', async () => {
    const acl = new ACL(await policiesFor([stanza('secret/foo', 'read')]));
    const first = acl.capabilities('secret/foo');
    first.push('mutated');
    expect(acl.capabilities('secret/foo')).toEqual(['read']);
  });
});
