/**
 * The compiled ACL: Vault's path matching and priority rules over a set of policies.
 *
 * Compiled once per policy set (the PolicyStore caches it) and consulted on every request, so
 * `check` does no parsing and allocates little: exact patterns live in a Map, `*` prefix
 * patterns in a Map probed only at the distinct prefix lengths that exist (longest first), and
 * `+` patterns are pre-split into segments.
 *
 * Semantics, as Vault:
 * - An exact pattern wins outright. Otherwise the longest `*` prefix and every matching `+`
 *   pattern compete, and the highest priority wins: the later first wildcard, then not ending
 *   in `*`, then fewer `+` segments, then longer, then lexically greater.
 * - Only the winning pattern's rules apply; patterns do not combine. The same pattern in several
 *   policies is merged: capabilities are unioned, except that `deny` in any of them makes the
 *   pattern deny everything.
 * - A list of `a/b/` also tries `a/b` (exact, then wildcard rules) before `a/b/` itself.
 * - The `root` policy allows everything with sudo; `help` is always allowed.
 */
import type { Operation } from '../../logical/request.ts';
import type { Capability, ParameterValue, PathRule, Policy } from './parse.ts';
import { renderTemplate } from './template.ts';
import type { PolicyIdentity } from './template.ts';

export const ROOT_POLICY_NAME = 'root';

/** What `check` decided. `capabilities` are those of the deciding pattern, sorted. */
export interface AclResult {
  readonly allowed: boolean;
  /** The deciding pattern grants `sudo` (or the token is root): root-protected paths may pass. */
  readonly rootPrivs: boolean;
  /** Sorted; `['deny']` when nothing matched or the match denies; `['root']` for root. */
  readonly capabilities: readonly string[];
}

export interface CheckOptions {
  /** The TTL the caller asked to wrap the response with (`X-Vault-Wrap-TTL`), in ms. */
  readonly wrapTtlMs?: number;
}

export interface AclOptions {
  /** Fills `{{identity...}}` templates; templated stanzas that cannot be filled are dropped. */
  readonly identity?: PolicyIdentity;
}

const BIT: Readonly<Record<Capability, number>> = {
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
  subscribe: 1 << 8,
  recover: 1 << 9,
};

const SORTED_CAPABILITIES = (Object.keys(BIT) as Capability[]).sort();

const DENY_ONLY: readonly string[] = Object.freeze(['deny']);
const ROOT_ONLY: readonly string[] = Object.freeze(['root']);

/** The merged rules of one pattern. Mutable while compiling, frozen in spirit afterwards. */
interface Permissions {
  bits: number;
  allowed: Map<string, ParameterValue[]> | undefined;
  denied: Map<string, ParameterValue[]> | undefined;
  required: string[];
  minWrapMs: number;
  maxWrapMs: number;
  /** Sorted capability names, computed once after merging. */
  names: readonly string[];
}

/** A `+` pattern, pre-split. `isPrefix` when it ends in `*` (stripped from `segments`). */
interface SegmentRule {
  readonly segments: readonly string[];
  readonly isPrefix: boolean;
  /** Priority keys: index of the first `+`, count of `+` segments, the pattern without `*`. */
  readonly firstWildcard: number;
  readonly wildcards: number;
  readonly key: string;
  readonly perms: Permissions;
}

interface Candidate {
  readonly firstWildcard: number;
  readonly isPrefix: boolean;
  readonly wildcards: number;
  readonly key: string;
  readonly perms: Permissions;
}

const ROOT_RESULT: AclResult = Object.freeze({
  allowed: true,
  rootPrivs: true,
  capabilities: ROOT_ONLY,
});

export class ACL {
  /** True when the `root` policy is in the set: everything is allowed, with sudo. */
  readonly root: boolean;
  readonly #exact = new Map<string, Permissions>();
  readonly #prefix = new Map<string, Permissions>();
  /** Distinct lengths of the keys of `#prefix`, longest first. */
  readonly #prefixLengths: number[];
  readonly #segments: SegmentRule[] = [];

  constructor(policies: readonly Policy[], options: AclOptions = {}) {
    this.root = policies.some((policy) => policy.name === ROOT_POLICY_NAME);
    const segmentPerms = new Map<string, Permissions>();
    for (const policy of policies) {
      if (policy.name === ROOT_POLICY_NAME) continue;
      for (const rule of policy.paths) {
        const path = rule.templated ? renderTemplate(rule.path, options.identity) : rule.path;
        if (path === undefined) continue; // cannot be filled for this caller: grants nothing
        if (hasSegmentWildcards(path)) {
          mergeInto(segmentPerms, path, rule);
        } else if (path.endsWith('*')) {
          mergeInto(this.#prefix, path.slice(0, -1), rule);
        } else {
          mergeInto(this.#exact, path, rule);
        }
      }
    }
    for (const perms of [
      ...this.#exact.values(),
      ...this.#prefix.values(),
      ...segmentPerms.values(),
    ]) {
      perms.names = capabilityNames(perms.bits);
    }
    this.#prefixLengths = [...new Set([...this.#prefix.keys()].map((key) => key.length))].sort(
      (a, b) => b - a,
    );
    for (const [pattern, perms] of segmentPerms) {
      const isPrefix = pattern.endsWith('*');
      const key = isPrefix ? pattern.slice(0, -1) : pattern;
      const segments = key.split('/');
      this.#segments.push({
        segments,
        isPrefix,
        firstWildcard: pattern.indexOf('+'),
        wildcards: segments.filter((segment) => segment === '+').length,
        key,
        perms,
      });
    }
  }

  /**
   * Decides whether `operation` on `path` is allowed. `data` is the request's parameters; when
   * given, the deciding pattern's parameter constraints are enforced for read, create, update
   * and patch (as Vault does). Wrapping bounds are enforced against `options.wrapTtlMs`.
   */
  check(
    operation: Operation,
    path: string,
    data?: Readonly<Record<string, unknown>>,
    options: CheckOptions = {},
  ): AclResult {
    if (this.root) return ROOT_RESULT;
    const perms = this.#lookup(stripLeadingSlashes(path), operation === 'list');
    if (operation === 'help') {
      return { allowed: true, rootPrivs: false, capabilities: perms?.names ?? DENY_ONLY };
    }
    if (perms === undefined) {
      return { allowed: false, rootPrivs: false, capabilities: DENY_ONLY };
    }
    const rootPrivs = (perms.bits & BIT.sudo) !== 0;
    const result = (allowed: boolean): AclResult => ({
      allowed,
      rootPrivs,
      capabilities: perms.names,
    });
    if ((perms.bits & requiredBit(operation)) === 0) return result(false);
    if (!wrappingAllowed(perms, options.wrapTtlMs)) return result(false);
    if (
      operation === 'read' ||
      operation === 'create' ||
      operation === 'update' ||
      operation === 'patch'
    ) {
      return result(parametersAllowed(perms, data ?? {}));
    }
    return result(true);
  }

  /**
   * The capabilities on `path`, as `sys/capabilities-self` reports them: sorted names,
   * `['deny']` when nothing matches (or the match denies or grants nothing), `['root']` for
   * root. Looked up as a list would be, so `a/b/` also considers rules for `a/b`.
   */
  capabilities(path: string): string[] {
    if (this.root) return [...ROOT_ONLY];
    const perms = this.#lookup(stripLeadingSlashes(path), true);
    return [...(perms?.names ?? DENY_ONLY)];
  }

  /**
   * Whether any rule grants something other than `deny` on some path under `prefix` (a mount
   * path ending in `/`). Vault uses this to decide whether a token may learn a mount's type
   * (`sys/internal/ui/mounts/<path>`): a token allowed only `secret/data/app/*` may still learn
   * that `secret/` is KV v2.
   */
  grantsAnyUnder(prefix: string): boolean {
    if (this.root) return true;
    const grants = (perms: Permissions): boolean =>
      (perms.bits & ~BIT.deny) !== 0 && (perms.bits & BIT.deny) === 0;
    // A rule reaches under `prefix` when its path starts with it, or when it is a glob whose
    // prefix is a prefix of `prefix` (`*` or `sec*` covers `secret/`).
    const reaches = (path: string, glob: boolean): boolean =>
      path.startsWith(prefix) || (glob && prefix.startsWith(path));
    for (const [path, perms] of this.#exact) if (reaches(path, false) && grants(perms)) return true;
    for (const [path, perms] of this.#prefix) if (reaches(path, true) && grants(perms)) return true;
    const mountSegments = prefix.split('/').filter((segment) => segment !== '');
    for (const rule of this.#segments) {
      if (!grants(rule.perms)) continue;
      const fits = mountSegments.every((segment, i) =>
        rule.segments[i] === undefined
          ? rule.isPrefix
          : rule.segments[i] === '+' || rule.segments[i] === segment,
      );
      if (fits) return true;
    }
    return false;
  }

  /** Vault's lookup order; undefined when no pattern matches. */
  #lookup(path: string, isList: boolean): Permissions | undefined {
    const exact = this.#exact.get(path);
    if (exact !== undefined) return exact;
    if (isList && path.endsWith('/')) {
      const trimmed = path.slice(0, -1);
      const exactTrimmed = this.#exact.get(trimmed);
      if (exactTrimmed !== undefined) return exactTrimmed;
      const wildcard = this.#nonExact(trimmed);
      if (wildcard !== undefined) return wildcard;
    }
    return this.#nonExact(path);
  }

  /** The highest-priority `*` or `+` pattern matching `path`. */
  #nonExact(path: string): Permissions | undefined {
    let best: Candidate | undefined;
    for (const length of this.#prefixLengths) {
      if (length > path.length) continue;
      const key = path.slice(0, length);
      const perms = this.#prefix.get(key);
      if (perms !== undefined) {
        // Only the longest prefix competes with the `+` patterns, as in Vault.
        best = { firstWildcard: length, isPrefix: true, wildcards: 0, key, perms };
        break;
      }
    }
    if (this.#segments.length === 0) return best?.perms;
    const parts = path.split('/');
    for (const rule of this.#segments) {
      if (!segmentsMatch(rule, parts)) continue;
      if (best === undefined || higherPriority(rule, best)) best = rule;
    }
    return best?.perms;
  }
}

/** Builds an ACL; the same as `new ACL(policies, options)`. */
export function compileAcl(policies: readonly Policy[], options: AclOptions = {}): ACL {
  return new ACL(policies, options);
}

/** Vault's test for a `+` pattern: a whole `+` segment at the start, or `/+` anywhere. */
function hasSegmentWildcards(path: string): boolean {
  return path === '+' || path.startsWith('+/') || path.includes('/+');
}

function stripLeadingSlashes(path: string): string {
  let start = 0;
  while (start < path.length && path.charCodeAt(start) === 47) start++;
  return start === 0 ? path : path.slice(start);
}

function segmentsMatch(rule: SegmentRule, parts: readonly string[]): boolean {
  const segments = rule.segments;
  if (parts.length < segments.length) return false;
  if (!rule.isPrefix && parts.length !== segments.length) return false;
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const want = segments[i] ?? '';
    const got = parts[i] ?? '';
    if (want === '+' || want === got) continue;
    // In a prefix pattern the last segment is a prefix of the path's segment (`foo/+/ba*`).
    if (rule.isPrefix && i === last && got.startsWith(want)) continue;
    return false;
  }
  return true;
}

/** True when `a` outranks `b` under Vault's documented ordering. */
function higherPriority(a: Candidate, b: Candidate): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard > b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return !a.isPrefix;
  if (a.wildcards !== b.wildcards) return a.wildcards < b.wildcards;
  if (a.key.length !== b.key.length) return a.key.length > b.key.length;
  return a.key > b.key;
}

function requiredBit(operation: Exclude<Operation, 'help'>): number {
  switch (operation) {
    case 'read':
      return BIT.read;
    case 'list':
      return BIT.list;
    case 'create':
      return BIT.create;
    case 'patch':
      return BIT.patch;
    case 'delete':
      return BIT.delete;
    // Renew and revoke of a lease are writes to the path, as in Vault.
    case 'update':
    case 'renew':
    case 'revoke':
      return BIT.update;
  }
}

function capabilityNames(bits: number): readonly string[] {
  if ((bits & BIT.deny) !== 0 || bits === 0) return DENY_ONLY;
  return Object.freeze(SORTED_CAPABILITIES.filter((name) => (bits & BIT[name]) !== 0));
}

function bitsOf(capabilities: readonly Capability[]): number {
  let bits = 0;
  for (const capability of capabilities) bits |= BIT[capability];
  return bits;
}

function cloneParameters(
  source: ReadonlyMap<string, readonly ParameterValue[]> | undefined,
): Map<string, ParameterValue[]> | undefined {
  if (source === undefined) return undefined;
  return new Map([...source].map(([key, values]) => [key, [...values]]));
}

/** Merges `rule` into the permissions stored under `key`, with Vault's merge rules. */
function mergeInto(table: Map<string, Permissions>, key: string, rule: PathRule): void {
  const bits = bitsOf(rule.capabilities);
  const existing = table.get(key);
  if (existing === undefined) {
    table.set(key, {
      bits,
      allowed: cloneParameters(rule.allowedParameters),
      denied: cloneParameters(rule.deniedParameters),
      required: [...(rule.requiredParameters ?? [])],
      minWrapMs: rule.minWrappingTtlMs ?? 0,
      maxWrapMs: rule.maxWrappingTtlMs ?? 0,
      names: DENY_ONLY,
    });
    return;
  }
  if ((existing.bits & BIT.deny) !== 0) return; // already denied: nothing can add to it
  if ((bits & BIT.deny) !== 0) {
    existing.bits = BIT.deny;
    existing.allowed = undefined;
    existing.denied = undefined;
    return;
  }
  existing.bits |= bits;
  // Wrapping bounds: the smaller of two set values wins, keeping wrapped lifetimes short.
  const min = rule.minWrappingTtlMs ?? 0;
  const max = rule.maxWrappingTtlMs ?? 0;
  if (min > 0 && (existing.minWrapMs === 0 || min < existing.minWrapMs)) existing.minWrapMs = min;
  if (max > 0 && (existing.maxWrapMs === 0 || max < existing.maxWrapMs)) existing.maxWrapMs = max;
  existing.allowed = mergeParameters(existing.allowed, rule.allowedParameters);
  existing.denied = mergeParameters(existing.denied, rule.deniedParameters);
  for (const name of rule.requiredParameters ?? []) {
    if (!existing.required.includes(name)) existing.required.push(name);
  }
}

/** Union of value lists per key; an empty list ("any value") absorbs any other list. */
function mergeParameters(
  existing: Map<string, ParameterValue[]> | undefined,
  incoming: ReadonlyMap<string, readonly ParameterValue[]> | undefined,
): Map<string, ParameterValue[]> | undefined {
  if (incoming === undefined || incoming.size === 0) return existing;
  if (existing === undefined) return cloneParameters(incoming);
  for (const [key, values] of incoming) {
    const current = existing.get(key);
    if (values.length === 0 || (current !== undefined && current.length === 0)) {
      existing.set(key, []);
    } else {
      existing.set(key, [...values, ...(current ?? [])]);
    }
  }
  return existing;
}

function wrappingAllowed(perms: Permissions, wrapTtlMs: number | undefined): boolean {
  if (perms.maxWrapMs > 0 && (wrapTtlMs === undefined || wrapTtlMs > perms.maxWrapMs)) {
    return false;
  }
  if (perms.minWrapMs > 0 && (wrapTtlMs === undefined || wrapTtlMs < perms.minWrapMs)) {
    return false;
  }
  // Merging can produce max < min even though each stanza was checked: nothing fits then.
  return !(perms.minWrapMs > 0 && perms.maxWrapMs > 0 && perms.maxWrapMs < perms.minWrapMs);
}

/**
 * Vault's parameter rules: every required parameter present; no parameter with a denied value
 * (`"*"` in denied refuses any parameter at all); with allowed parameters set, every parameter
 * listed (or `"*"` set) and its value among the allowed ones. Policy keys are lowercase; the
 * request's keys are lowercased before looking them up.
 */
function parametersAllowed(perms: Permissions, data: Readonly<Record<string, unknown>>): boolean {
  for (const name of perms.required) {
    if (!Object.hasOwn(data, name.toLowerCase())) return false;
  }
  const keys = Object.keys(data);
  if (keys.length === 0) return true;
  const denied = perms.denied;
  if (denied !== undefined && denied.size > 0) {
    if (denied.has('*')) return false;
    for (const key of keys) {
      const values = denied.get(key.toLowerCase());
      if (values !== undefined && valueInList(data[key], values)) return false;
    }
  }
  const allowed = perms.allowed;
  if (allowed === undefined || allowed.size === 0) return true;
  const allowAll = allowed.has('*');
  if (allowAll && allowed.size === 1) return true;
  for (const key of keys) {
    const values = allowed.get(key.toLowerCase());
    if (values === undefined) {
      if (!allowAll) return false;
    } else if (!valueInList(data[key], values)) {
      return false;
    }
  }
  return true;
}

/** An empty list holds every value; strings match as globs, numbers and booleans by equality. */
function valueInList(value: unknown, list: readonly ParameterValue[]): boolean {
  if (list.length === 0) return true;
  for (const item of list) {
    if (typeof item === 'string' && typeof value === 'string') {
      if (globMatch(item, value)) return true;
    } else if (item === value) {
      return true;
    }
  }
  return false;
}

/** `*` alone matches anything; `*x*` contains, `*x` suffix, `x*` prefix; otherwise equality. */
function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const leading = pattern.startsWith('*');
  const trailing = pattern.length > 1 && pattern.endsWith('*');
  if (leading && trailing) return value.includes(pattern.slice(1, -1));
  if (leading) return value.endsWith(pattern.slice(1));
  if (trailing) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}
