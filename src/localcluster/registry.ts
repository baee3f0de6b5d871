import { customResourceDefinitions } from "./kinds/crd.js";
import { coreEvents, eventsV1 } from "./kinds/events.js";
import { namespaces } from "./kinds/namespace.js";
import { selfSubjectAccessReviews, tokenReviews } from "./kinds/reviews.js";
import { configMaps, secrets } from "./kinds/secret.js";
import { serviceAccounts, services } from "./kinds/service.js";
import { daemonSets, deployments, leases, statefulSets } from "./kinds/workloads.js";
import { apiVersionOf } from "./resource-type.js";
import type { ResourceType } from "./resource-type.js";

/** The kinds every local cluster serves from the start (custom resources come from CRDs). */
export const builtinResourceTypes: readonly ResourceType[] = [
  namespaces,
  secrets,
  configMaps,
  serviceAccounts,
  services,
  coreEvents,
  eventsV1,
  leases,
  deployments,
  statefulSets,
  daemonSets,
  customResourceDefinitions,
  selfSubjectAccessReviews,
  tokenReviews,
];

/**
 * Every served resource, built-in and from CRDs, looked up by group/version/resource, by kind,
 * or by storage key. CRD-backed entries are replaced as a whole whenever their CRD changes.
 */
export class Registry {
  #builtin: ResourceType[];
  #dynamic = new Map<string, ResourceType[]>();
  #index = new Map<string, ResourceType>();

  constructor(builtin: readonly ResourceType[]) {
    this.#builtin = [...builtin];
    this.#reindex();
  }

  /** Replaces the resources served for one CRD (empty removes them). */
  setDynamic(owner: string, types: readonly ResourceType[]): void {
    if (types.length === 0) this.#dynamic.delete(owner);
    else this.#dynamic.set(owner, [...types]);
    this.#reindex();
  }

  #reindex(): void {
    this.#index.clear();
    for (const type of this.all())
      this.#index.set(`${type.group}/${type.version}/${type.resource}`, type);
  }

  /** Every served resource, built-ins first. */
  all(): ResourceType[] {
    return [...this.#builtin, ...[...this.#dynamic.values()].flat()];
  }

  /** The resource at /apis/GROUP/VERSION/RESOURCE (group "" for /api/v1). */
  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.#index.get(`${group}/${version}/${resource}`);
  }

  /** The served resource for an apiVersion + kind (owner references, GC). */
  findKind(apiVersion: string, kind: string): ResourceType | undefined {
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    return this.all().find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  /** One served resource per storage key (the storage version's, for CRs). */
  byStorage(): Map<string, ResourceType> {
    const out = new Map<string, ResourceType>();
    for (const type of this.all()) {
      const current = out.get(type.storageKey);
      if (current === undefined || type.storageApiVersion === apiVersionOf(type)) {
        out.set(type.storageKey, type);
      }
    }
    return out;
  }
}
