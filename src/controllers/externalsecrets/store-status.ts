import { setCondition, StoreMessage, StoreReason } from "./conditions.js";
import type { SecretStore, SecretStoreStatus } from "./types.js";

/** What validating a store found: no client could be built, or the provider's verdict. */
export type StoreValidation =
  | { readonly outcome: "clientError"; readonly message: string }
  | { readonly outcome: "invalid"; readonly message: string }
  | { readonly outcome: "unknownWithError"; readonly message: string }
  | { readonly outcome: "valid"; readonly capabilities: "ReadOnly" | "WriteOnly" | "ReadWrite" };

/** A store's new status and the event to record, after one validation (spec §7.3). */
export interface StoreStatusUpdate {
  readonly status: SecretStoreStatus;
  readonly event: {
    readonly type: "Normal" | "Warning";
    readonly reason: string;
    readonly message: string;
  };
  /** Retry with backoff (true) or requeue after the store's interval (false). */
  readonly backoff: boolean;
}

/**
 * The store reconciler's status for a validation outcome: Ready=False `InvalidProviderConfig`
 * ("unable to create client" / "unable to validate store") with the error as a Warning event;
 * Ready=True `ValidationUnknown` for an unknown verdict that carries an error; Ready=True `Valid`
 * ("store validated") with capabilities otherwise. A provider's unknown verdict without an error
 * (a referent ClusterSecretStore) is `valid`.
 * @param now RFC 3339 time for a condition transition
 */
export function storeStatusAfter(
  store: SecretStore,
  validation: StoreValidation,
  now: string,
): StoreStatusUpdate {
  const conditions = store.status?.conditions;
  switch (validation.outcome) {
    case "clientError":
    case "invalid": {
      const message =
        validation.outcome === "clientError"
          ? StoreMessage.unableCreateClient
          : StoreMessage.unableValidate;
      return {
        status: {
          ...store.status,
          conditions: setCondition(
            conditions,
            { type: "Ready", status: "False", reason: StoreReason.invalidProviderConfig, message },
            now,
          ),
        },
        event: {
          type: "Warning",
          reason: StoreReason.invalidProviderConfig,
          message: validation.message,
        },
        backoff: true,
      };
    }
    case "unknownWithError":
      return {
        status: {
          ...store.status,
          conditions: setCondition(
            conditions,
            {
              type: "Ready",
              status: "True",
              reason: StoreReason.validationUnknown,
              message: StoreMessage.validationUnknown,
            },
            now,
          ),
        },
        event: {
          type: "Warning",
          reason: StoreReason.validationUnknown,
          message: validation.message,
        },
        backoff: false,
      };
    case "valid":
      return {
        status: {
          capabilities: validation.capabilities,
          conditions: setCondition(
            conditions,
            {
              type: "Ready",
              status: "True",
              reason: StoreReason.valid,
              message: StoreMessage.validated,
            },
            now,
          ),
        },
        event: { type: "Normal", reason: StoreReason.valid, message: StoreMessage.validated },
        backoff: false,
      };
  }
}
