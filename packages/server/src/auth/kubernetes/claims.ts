/**
 * The service account a Kubernetes token names, from either claim layout:
 * - legacy secret-based tokens: `kubernetes.io/serviceaccount/namespace`,
 *   `kubernetes.io/serviceaccount/service-account.name`, `.../service-account.uid`,
 *   `kubernetes.io/serviceaccount/secret.name`;
 * - projected (bound) tokens: `kubernetes.io: { namespace, serviceaccount: { name, uid } }`.
 */
export interface ServiceAccount {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** Legacy tokens only; empty for projected tokens. */
  readonly secretName: string;
}

const LEGACY = 'kubernetes.io/serviceaccount/';

export function serviceAccountOf(
  claims: Readonly<Record<string, unknown>>,
): ServiceAccount | undefined {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const projected = claims['kubernetes.io'];
  if (typeof projected === 'object' && projected !== null) {
    const p = projected as Record<string, unknown>;
    const sa = (
      typeof p['serviceaccount'] === 'object' && p['serviceaccount'] !== null
        ? p['serviceaccount']
        : {}
    ) as Record<string, unknown>;
    const account = {
      name: text(sa['name']),
      namespace: text(p['namespace']),
      uid: text(sa['uid']),
      secretName: '',
    };
    return account.name !== '' && account.namespace !== '' ? account : undefined;
  }
  const account = {
    name: text(claims[`${LEGACY}service-account.name`]),
    namespace: text(claims[`${LEGACY}namespace`]),
    uid: text(claims[`${LEGACY}service-account.uid`]),
    secretName: text(claims[`${LEGACY}secret.name`]),
  };
  return account.name !== '' && account.namespace !== '' ? account : undefined;
}

/** The username the TokenReview API reports for a service account. */
export function serviceAccountUsername(
  account: Pick<ServiceAccount, 'name' | 'namespace'>,
): string {
  return `system:serviceaccount:${account.namespace}:${account.name}`;
}
