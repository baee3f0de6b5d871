import { defineResource } from "../define-resource.js";
import { arrayAt, ensureObject, objectAt, stringAt } from "../json.js";
import type { JsonObject } from "../json.js";
import { metadataOf, nameOf } from "../object-meta.js";
import type { ResourceType } from "../resource-type.js";
import { forbidden } from "../status.js";
import { builtinTable, column } from "../tables.js";

/** The finalizer the namespace controller removes once the namespace is empty. */
export const kubernetesFinalizer = "kubernetes";

/** Namespaces the apiserver refuses to delete. */
const protectedNamespaces = new Set(["default", "kube-system", "kube-public"]);

/** Label kube-apiserver keeps equal to the namespace's name. */
const nameLabel = "kubernetes.io/metadata.name";

function canonicalize(obj: JsonObject): void {
  const meta = metadataOf(obj);
  const labels = ensureObject(meta, "labels");
  labels[nameLabel] = nameOf(obj);
}

/** The phase of a namespace (`Active` or `Terminating`). */
export function namespacePhase(obj: JsonObject): string {
  return stringAt(objectAt(obj, "status"), "phase") ?? "";
}

/** `spec.finalizers` of a namespace. */
export function namespaceSpecFinalizers(obj: JsonObject): string[] {
  return (arrayAt(objectAt(obj, "spec"), "finalizers") ?? []).filter(
    (f): f is string => typeof f === "string",
  );
}

/** core/v1 namespaces, with `status` and `finalize` subresources. */
export const namespaces: ResourceType = defineResource({
  group: "",
  version: "v1",
  resource: "namespaces",
  kind: "Namespace",
  namespaced: false,
  shortNames: ["ns"],
  subresources: ["finalize", "status"],
  verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  statusSubresource: true,
  returnsDeletedObject: true,
  nameRule: "label",
  fieldLabels: { "status.phase": namespacePhase },
  checkDelete(obj) {
    const name = nameOf(obj);
    if (protectedNamespaces.has(name)) {
      throw forbidden(
        { group: "", resource: "namespaces" },
        name,
        "this namespace may not be deleted",
      );
    }
  },
  holdsDeletion: (obj) => namespaceSpecFinalizers(obj).length > 0,
  beginDeletion(obj) {
    obj.status = { ...(objectAt(obj, "status") ?? {}), phase: "Terminating" };
  },
  prepareCreate(obj) {
    const spec = ensureObject(obj, "spec");
    const finalizers = namespaceSpecFinalizers(obj);
    if (!finalizers.includes(kubernetesFinalizer)) finalizers.push(kubernetesFinalizer);
    spec.finalizers = finalizers;
    obj.status = { phase: "Active" };
    canonicalize(obj);
  },
  prepareUpdate(obj, old, ctx) {
    // /finalize may change metadata and spec.finalizers but never status; the main resource may
    // not change spec.finalizers (only the namespace controller does, through /finalize).
    if (ctx.subresource === "finalize") {
      obj.status = old.status ?? {};
    } else if (ctx.subresource === "") {
      const spec = ensureObject(obj, "spec");
      const oldFinalizers = arrayAt(objectAt(old, "spec"), "finalizers");
      if (oldFinalizers === undefined) delete spec.finalizers;
      else spec.finalizers = oldFinalizers;
    }
    canonicalize(obj);
  },
  table: builtinTable([column("Status", "string", "The status of the namespace")], (obj) => [
    namespacePhase(obj),
  ]),
});
