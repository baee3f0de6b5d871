/** The three sealing scopes, ordered from the narrowest (strict) to the widest (cluster-wide). */
export const Scope = {
  strict: "strict",
  namespaceWide: "namespace-wide",
  clusterWide: "cluster-wide",
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** Annotation that marks a namespace-wide SealedSecret (value must be exactly "true"). */
export const namespaceWideAnnotation = "sealedsecrets.bitnami.com/namespace-wide";
/** Annotation that marks a cluster-wide SealedSecret (value must be exactly "true"). */
export const clusterWideAnnotation = "sealedsecrets.bitnami.com/cluster-wide";

const ORDER: readonly Scope[] = [Scope.strict, Scope.namespaceWide, Scope.clusterWide];

/** The scope's rank: strict 0 < namespace-wide 1 < cluster-wide 2 (kubeseal compares ranks). */
export function scopeRank(scope: Scope): number {
  return ORDER.indexOf(scope);
}

/**
 * Parses a `--scope` value: `strict`, `namespace-wide`, `cluster-wide`, or "" for strict.
 * @throws Error `must be one of: strict, namespace-wide, cluster-wide` for anything else
 */
export function parseScope(value: string): Scope {
  if (value === "") return Scope.strict;
  const scope = ORDER.find((candidate) => candidate === value);
  if (scope === undefined) throw new Error("must be one of: strict, namespace-wide, cluster-wide");
  return scope;
}

/**
 * The scope that annotations select: cluster-wide wins over namespace-wide, only the exact
 * string "true" counts, and no annotation means strict.
 */
export function scopeOf(annotations: Readonly<Record<string, string>> | undefined): Scope {
  if (annotations?.[clusterWideAnnotation] === "true") return Scope.clusterWide;
  if (annotations?.[namespaceWideAnnotation] === "true") return Scope.namespaceWide;
  return Scope.strict;
}

/**
 * Returns a copy of `annotations` rewritten for `scope`: both scope annotations removed, then the
 * chosen one (if not strict) set to "true". Other annotations are kept.
 */
export function withScopeAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  scope: Scope,
): Record<string, string> {
  const result = Object.fromEntries(
    Object.entries(annotations ?? {}).filter(
      ([key]) => key !== namespaceWideAnnotation && key !== clusterWideAnnotation,
    ),
  );
  if (scope === Scope.namespaceWide) result[namespaceWideAnnotation] = "true";
  if (scope === Scope.clusterWide) result[clusterWideAnnotation] = "true";
  return result;
}

/**
 * The RSA-OAEP label that binds a ciphertext to its scope: `namespace/name` (strict),
 * `namespace` (namespace-wide) or empty (cluster-wide), as UTF-8 bytes.
 */
export function labelFor(namespace: string, name: string, scope: Scope): Buffer {
  switch (scope) {
    case Scope.clusterWide:
      return Buffer.alloc(0);
    case Scope.namespaceWide:
      return Buffer.from(namespace, "utf8");
    case Scope.strict:
      return Buffer.from(`${namespace}/${name}`, "utf8");
  }
}
