/**
 * What the system backend needs from the core, narrowly. The core implements it; tests can too.
 */
import type { MountConfig, MountInfo, MountKind } from '../../logical/backend.ts';
import type { RequestAuth } from '../../logical/request.ts';
import type { AuditSystemDeps } from './path-audit.ts';
import type { LeasesDeps } from './path-leases.ts';
import type { PasswordPolicyDeps } from './path-password-policies.ts';
import type { QuotaDeps } from './path-quotas.ts';

export interface SealStatus {
  readonly type: 'shamir';
  readonly initialized: boolean;
  readonly sealed: boolean;
  readonly t: number;
  readonly n: number;
  readonly progress: number;
  readonly nonce: string;
  readonly version: string;
  readonly build_date: string;
  readonly migration: boolean;
  readonly recovery_seal: boolean;
  readonly storage_type: string;
  readonly cluster_name?: string;
  readonly cluster_id?: string;
}

export interface InitResult {
  readonly keys: readonly string[];
  readonly keysBase64: readonly string[];
  readonly rootToken: string;
}

export interface SystemDeps extends AuditSystemDeps, LeasesDeps, QuotaDeps, PasswordPolicyDeps {
  // seal
  sealStatus(): Promise<SealStatus>;
  initialize(input: { secretShares: number; secretThreshold: number }): Promise<InitResult>;
  unseal(input: { key?: string; reset: boolean }): Promise<SealStatus>;
  seal(): Promise<void>;
  keyStatus(): Promise<{ term: number; installTime: string; encryptions: number }>;
  rotate(): Promise<void>;
  serverTime(): number;
  readonly version: string;
  readonly clusterName: string;
  readonly clusterId: string;

  // mounts
  listMounts(kind: MountKind): readonly MountInfo[];
  mountAt(path: string): MountInfo | undefined;
  enableMount(input: {
    kind: MountKind;
    path: string;
    type: string;
    description: string;
    config: Partial<MountConfig>;
    options: Record<string, string>;
    local: boolean;
    sealWrap: boolean;
  }): Promise<MountInfo>;
  disableMount(kind: MountKind, path: string): Promise<void>;
  tuneMount(
    kind: MountKind,
    path: string,
    change: {
      config?: Partial<MountConfig>;
      description?: string;
      options?: Record<string, string>;
    },
  ): Promise<MountInfo>;
  systemTtl(): { defaultTtlMs: number; maxTtlMs: number };
  /** Prometheus exposition of the server's metrics. */
  metrics(): Promise<{ contentType: string; body: string }>;

  // policies
  listPolicies(): Promise<string[]>;
  readPolicy(name: string): Promise<string | undefined>;
  writePolicy(name: string, text: string): Promise<void>;
  deletePolicy(name: string): Promise<void>;
  capabilities(auth: RequestAuth, path: string): Promise<string[]>;
  /** Whether the caller's policies grant anything at all under `prefix` (a mount path). */
  grantsAnyUnder(auth: RequestAuth, prefix: string): Promise<boolean>;
  /** The caller for a token or accessor, for `sys/capabilities`. */
  authFor(input: { token?: string; accessor?: string }): Promise<RequestAuth | undefined>;
}
