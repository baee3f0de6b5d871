/** What the controller may do to the Applications of an ApplicationSet (spec §5.2). */
export const ApplicationsSyncPolicy = {
  CreateOnly: "create-only",
  CreateUpdate: "create-update",
  CreateDelete: "create-delete",
  Sync: "sync",
} as const;
export type ApplicationsSyncPolicy =
  (typeof ApplicationsSyncPolicy)[keyof typeof ApplicationsSyncPolicy];

const policies: ReadonlySet<string> = new Set(Object.values(ApplicationsSyncPolicy));

/**
 * Reads a policy name as Argo CD's `--policy` flag and `applicationsSync` field take it; the
 * empty string means `sync`.
 * @throws Error naming the accepted values
 */
export function parsePolicy(text: string): ApplicationsSyncPolicy {
  if (text === "") return ApplicationsSyncPolicy.Sync;
  if (!policies.has(text))
    throw new Error(
      `invalid policy ${JSON.stringify(text)}: want create-only, create-update, create-delete or sync`,
    );
  return text as ApplicationsSyncPolicy;
}

/** The controller-wide policy settings (`--policy`, `--enable-policy-override`). */
export interface PolicySettings {
  readonly policy: ApplicationsSyncPolicy;
  readonly enablePolicyOverride: boolean;
}

/**
 * Argo CD's DefaultPolicy: the ApplicationSet's own `spec.syncPolicy.applicationsSync` when it
 * is set and overriding is enabled, else the controller's policy.
 * @param ownPolicy the field's value, undefined when the field is absent
 * @throws Error for a value that is not a policy
 */
export function effectivePolicy(
  ownPolicy: string | undefined,
  settings: PolicySettings,
): ApplicationsSyncPolicy {
  if (ownPolicy === undefined || !settings.enablePolicyOverride) return settings.policy;
  return parsePolicy(ownPolicy);
}

/** True when the policy lets the controller update existing Applications. */
export function allowsUpdate(policy: ApplicationsSyncPolicy): boolean {
  return policy === ApplicationsSyncPolicy.Sync || policy === ApplicationsSyncPolicy.CreateUpdate;
}

/** True when the policy lets the controller delete Applications no longer generated. */
export function allowsDelete(policy: ApplicationsSyncPolicy): boolean {
  return policy === ApplicationsSyncPolicy.Sync || policy === ApplicationsSyncPolicy.CreateDelete;
}

/**
 * The default of `--enable-policy-override`: true exactly when the environment variable
 * `ARGOCD_APPLICATIONSET_CONTROLLER_POLICY` is empty (Argo CD computes it from the variable, so a
 * policy given only as a flag leaves overriding enabled; spec §5.2 quirk).
 */
export function defaultPolicyOverride(env: Readonly<Record<string, string | undefined>>): boolean {
  return (env.ARGOCD_APPLICATIONSET_CONTROLLER_POLICY ?? "") === "";
}
