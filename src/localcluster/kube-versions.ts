const pattern = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Orders API versions as Kubernetes does (`v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1` >
 * names that do not look like versions, alphabetically). Negative when `a` comes first.
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const match = pattern.exec(v);
    if (match === null) return undefined;
    const stage = match[2] === undefined ? 3 : match[2] === "beta" ? 2 : 1;
    return [stage, Number(match[1]), Number(match[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra === undefined || rb === undefined) {
    if (ra !== undefined) return -1;
    if (rb !== undefined) return 1;
    return a.localeCompare(b);
  }
  // GA before beta before alpha; then higher major; then higher minor stage number.
  if (ra[0] === 3 && rb[0] === 3) return rb[1] - ra[1];
  if (ra[0] === 3 || rb[0] === 3) return rb[0] - ra[0];
  return rb[1] - ra[1] || rb[0] - ra[0] || rb[2] - ra[2];
}
