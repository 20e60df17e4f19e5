/**
 * Identity templating in policy paths (`secret/data/{{identity.entity.id}}/*`), as Vault does.
 *
 * Contract: a parsed policy keeps its templated paths verbatim; they are rendered only when an
 * ACL is compiled for a caller with an identity. A template that cannot be filled for this
 * caller (no entity, a missing metadata key, an unknown group) drops that one path stanza, so
 * the caller simply gets no access through it. It never widens access: a value that is empty or
 * contains `*` or `+` (which would become a glob or wildcard once compiled) cannot fill one.
 */

/** The identity facts a templated path may refer to. All optional: absent means "cannot fill". */
export interface PolicyIdentity {
  readonly entity?: {
    readonly id: string;
    readonly name: string;
    readonly metadata?: Readonly<Record<string, string>>;
    readonly aliases?: readonly {
      readonly mountAccessor: string;
      readonly id: string;
      readonly name: string;
      readonly metadata?: Readonly<Record<string, string>>;
      readonly customMetadata?: Readonly<Record<string, string>>;
    }[];
  };
  readonly groups?: readonly {
    readonly id: string;
    readonly name: string;
    readonly metadata?: Readonly<Record<string, string>>;
  }[];
}

const TEMPLATE = /\{\{([^{}]*)\}\}/g;

/** True when `path` contains a `{{...}}` template. */
export function hasTemplate(path: string): boolean {
  return path.includes('{{');
}

/**
 * Checks that every `{{...}}` in `path` is closed and names a parameter Vault documents.
 * Returns undefined when valid, or a one-line reason.
 */
export function templateProblem(path: string): string | undefined {
  for (const match of path.matchAll(TEMPLATE)) {
    const inner = match[1] ?? '';
    if (!parameterShape(inner.trim())) {
      return `unknown template parameter "{{${inner}}}"`;
    }
  }
  const rest = path.replace(TEMPLATE, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    return 'unbalanced "{{" or "}}" in template';
  }
  return undefined;
}

/** Renders `path` for `identity`; undefined when some parameter has no value for this caller. */
export function renderTemplate(
  path: string,
  identity: PolicyIdentity | undefined,
): string | undefined {
  if (identity === undefined) return undefined;
  let out = '';
  let last = 0;
  for (const match of path.matchAll(TEMPLATE)) {
    const value = lookup((match[1] ?? '').trim(), identity);
    // A value that is empty or holds a glob or wildcard character would match more than the
    // caller's own path once the rendered pattern is compiled, so it cannot fill a template.
    if (value === undefined || value === '' || value.includes('*') || value.includes('+')) {
      return undefined;
    }
    out += path.slice(last, match.index) + value;
    last = match.index + match[0].length;
  }
  return out + path.slice(last);
}

// The documented parameters, split into dot-separated parts. `<x>` is a caller-chosen name
// (a metadata key, a mount accessor, a group id or name), which may itself contain no dots.
const SHAPES: readonly (readonly string[])[] = [
  ['identity', 'entity', 'id'],
  ['identity', 'entity', 'name'],
  ['identity', 'entity', 'metadata', '<x>'],
  ['identity', 'entity', 'aliases', '<x>', 'id'],
  ['identity', 'entity', 'aliases', '<x>', 'name'],
  ['identity', 'entity', 'aliases', '<x>', 'metadata', '<x>'],
  ['identity', 'entity', 'aliases', '<x>', 'custom_metadata', '<x>'],
  ['identity', 'groups', 'ids', '<x>', 'name'],
  ['identity', 'groups', 'ids', '<x>', 'metadata', '<x>'],
  ['identity', 'groups', 'names', '<x>', 'id'],
  ['identity', 'groups', 'names', '<x>', 'metadata', '<x>'],
];

function parameterShape(inner: string): boolean {
  const parts = inner.split('.');
  return SHAPES.some(
    (shape) =>
      shape.length === parts.length &&
      shape.every((want, i) => {
        const got = parts[i] ?? '';
        return want === '<x>' ? got !== '' : want === got;
      }),
  );
}

function own(
  record: Readonly<Record<string, string>> | undefined,
  key: string,
): string | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function lookup(inner: string, identity: PolicyIdentity): string | undefined {
  const parts = inner.split('.');
  if (!parameterShape(inner)) return undefined;
  const [, kind, a, b, c, d] = parts;
  if (kind === 'entity') {
    const entity = identity.entity;
    if (entity === undefined) return undefined;
    if (a === 'id') return entity.id;
    if (a === 'name') return entity.name;
    if (a === 'metadata') return own(entity.metadata, b ?? '');
    const alias = entity.aliases?.find((candidate) => candidate.mountAccessor === b);
    if (alias === undefined) return undefined;
    if (c === 'id') return alias.id;
    if (c === 'name') return alias.name;
    if (c === 'metadata') return own(alias.metadata, d ?? '');
    return own(alias.customMetadata, d ?? '');
  }
  const group = identity.groups?.find((candidate) =>
    a === 'ids' ? candidate.id === b : candidate.name === b,
  );
  if (group === undefined) return undefined;
  if (c === 'name') return group.name;
  if (c === 'id') return group.id;
  return own(group.metadata, d ?? '');
}
