/**
 * Glob matching as Vault's auth methods use it (`bound_claims` with `bound_claims_type=glob`,
 * Kubernetes' bound service account names and namespaces): `*` matches any run of characters,
 * including none; every other character matches itself. A pattern of `*` alone matches all.
 */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!value.startsWith(first)) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const found = value.indexOf(part, at);
    if (found === -1) return false;
    at = found + part.length;
  }
  return value.length - last.length >= at && value.endsWith(last);
}
