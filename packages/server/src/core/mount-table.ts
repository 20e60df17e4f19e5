/**
 * The mount table: which backend serves which path prefix.
 *
 * Two tables, as in Vault: secret mounts (`core/mounts`) and auth mounts (`core/auth`), both
 * stored inside the barrier. Each mount gets its own storage view (`logical/<uuid>/` or
 * `auth/<uuid>/`), so disabling a mount can delete exactly its data and nothing else.
 */
import { randomUUID } from 'node:crypto';
import type { MountConfig, MountInfo, MountKind } from '../logical/backend.ts';
import { LogicalError } from '../logical/errors.ts';
import { getJson, putJson } from '../logical/storage.ts';
import type { Storage } from '../logical/storage.ts';
import { randomBase62 } from './random.ts';

export const MOUNT_TABLE_KEYS: Readonly<Record<MountKind, string>> = {
  secret: 'core/mounts',
  auth: 'core/auth',
};

/** Storage prefix of a mount's view, by kind. */
export function mountStoragePrefix(mount: Pick<MountInfo, 'kind' | 'uuid'>): string {
  return mount.kind === 'auth' ? `auth/${mount.uuid}/` : `logical/${mount.uuid}/`;
}

/** Paths no user mount may take or shadow. */
const RESERVED_PREFIXES = ['sys/', 'auth/token/', 'audit/', 'identity/', 'cubbyhole/'];

/** Normalises a user-supplied mount path: no leading slash, exactly one trailing slash. */
export function normaliseMountPath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new LogicalError('bad_request', 400, `invalid mount path "${path}"`);
  }
  return `${trimmed}/`;
}

export interface NewMount {
  readonly kind: MountKind;
  readonly path: string;
  readonly type: string;
  readonly description?: string;
  readonly config?: Partial<MountConfig>;
  readonly options?: Readonly<Record<string, string>>;
  readonly local?: boolean;
  readonly sealWrap?: boolean;
}

export class MountTable {
  readonly #storage: Storage;
  #mounts: MountInfo[] = [];

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Loads both tables from storage. */
  async load(): Promise<void> {
    const secret = (await getJson<MountInfo[]>(this.#storage, MOUNT_TABLE_KEYS.secret)) ?? [];
    const auth = (await getJson<MountInfo[]>(this.#storage, MOUNT_TABLE_KEYS.auth)) ?? [];
    this.#mounts = [...secret, ...auth];
  }

  all(kind?: MountKind): readonly MountInfo[] {
    return kind === undefined ? this.#mounts : this.#mounts.filter((m) => m.kind === kind);
  }

  get(path: string): MountInfo | undefined {
    return this.#mounts.find((m) => m.path === path);
  }

  /**
   * The mount serving `path`: the longest mount prefix of it. A path equal to a mount without
   * its trailing slash (`secret`) is served by that mount.
   */
  match(path: string): MountInfo | undefined {
    let best: MountInfo | undefined;
    for (const mount of this.#mounts) {
      if (path.startsWith(mount.path) || `${path}/` === mount.path) {
        if (best === undefined || mount.path.length > best.path.length) best = mount;
      }
    }
    return best;
  }

  /** Adds a mount and persists the table. Refuses overlaps with existing or reserved paths. */
  async add(mount: NewMount, options: { system?: boolean } = {}): Promise<MountInfo> {
    const path = normaliseMountPath(mount.path);
    if (options.system !== true) {
      const reserved = RESERVED_PREFIXES.find((r) => path.startsWith(r) || r.startsWith(path));
      if (reserved !== undefined) {
        throw new LogicalError(
          'mount_conflict',
          400,
          `cannot mount at "${path}": path is reserved`,
        );
      }
    }
    const conflict = this.#mounts.find((m) => m.path.startsWith(path) || path.startsWith(m.path));
    if (conflict !== undefined) {
      throw new LogicalError('mount_conflict', 400, `path is already in use at ${conflict.path}`);
    }
    const info: MountInfo = {
      kind: mount.kind,
      path,
      type: mount.type,
      accessor: `${mount.kind === 'auth' ? `auth_${mount.type}` : mount.type}_${randomBase62(8).toLowerCase()}`,
      uuid: randomUUID(),
      description: mount.description ?? '',
      config: {
        defaultLeaseTtlMs: mount.config?.defaultLeaseTtlMs ?? 0,
        maxLeaseTtlMs: mount.config?.maxLeaseTtlMs ?? 0,
      },
      options: mount.options ?? {},
      local: mount.local ?? false,
      sealWrap: mount.sealWrap ?? false,
    };
    this.#mounts = [...this.#mounts, info];
    await this.#persist(info.kind);
    return info;
  }

  async remove(path: string): Promise<MountInfo | undefined> {
    const mount = this.get(path);
    if (mount === undefined) return undefined;
    this.#mounts = this.#mounts.filter((m) => m !== mount);
    await this.#persist(mount.kind);
    return mount;
  }

  async update(path: string, change: (mount: MountInfo) => MountInfo): Promise<MountInfo> {
    const mount = this.get(path);
    if (mount === undefined) {
      throw new LogicalError('mount_not_found', 400, `no mount at "${path}"`);
    }
    const updated = change(mount);
    this.#mounts = this.#mounts.map((m) => (m === mount ? updated : m));
    await this.#persist(mount.kind);
    return updated;
  }

  async #persist(kind: MountKind): Promise<void> {
    await putJson(this.#storage, MOUNT_TABLE_KEYS[kind], this.all(kind));
  }
}
