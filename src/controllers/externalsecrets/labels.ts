/** The label and annotation names upstream writes (spec §3.2); part of the wire contract. */
export const Labels = {
  managed: "reconcile.external-secrets.io/managed",
  managedValue: "true",
  createdBy: "reconcile.external-secrets.io/created-by",
} as const;

export const Annotations = {
  dataHash: "reconcile.external-secrets.io/data-hash",
  /** The key a ClusterExternalSecret mirrors down to its ExternalSecrets. */
  forceSync: "external-secrets.io/force-sync",
  ignoreMaintenanceChecks: "external-secrets.io/ignore-maintenance-checks",
} as const;

export const Finalizers = {
  externalSecret: "externalsecrets.external-secrets.io/externalsecret-cleanup",
  clusterExternalSecret: "externalsecrets.external-secrets.io/clusterexternalsecret-cleanup",
  secretStore: "secretstore.externalsecrets.io/finalizer",
  pushSecret: "pushsecret.externalsecrets.io/finalizer",
} as const;

/** The event source upstream records events as. */
export const eventSource = "external-secrets";
