/** A request under /api or /apis, split the way kube-apiserver's RequestInfoFactory splits it. */
export interface ResourcePath {
  group: string;
  version: string;
  /** "" for the group/version root (discovery). */
  resource: string;
  namespace: string;
  name: string;
  subresource: string;
  /** The rest of the path after a subresource (proxy targets). */
  rest: string;
  /** True for the legacy `/watch/` prefix. */
  watchPrefix: boolean;
}

const namespaceSubresources = new Set(["status", "finalize"]);

/**
 * Parses `/api/v1/...` and `/apis/GROUP/VERSION/...` into its parts; undefined for any other path
 * (or a bare /api, /apis, /apis/GROUP, which are discovery).
 */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segments = pathname.split("/").slice(1);
  if (segments.at(-1) === "" && segments.length > 1) segments.pop();
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 2) {
    group = "";
    version = segments[1] ?? "";
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments.length >= 3) {
    group = segments[1] ?? "";
    version = segments[2] ?? "";
    rest = segments.slice(3);
  } else return undefined;
  const info: ResourcePath = {
    group,
    version,
    resource: "",
    namespace: "",
    name: "",
    subresource: "",
    rest: "",
    watchPrefix: false,
  };
  if (rest[0] === "watch") {
    info.watchPrefix = true;
    rest = rest.slice(1);
  }
  if (rest[0] === "namespaces" && rest.length > 1) {
    info.namespace = decodeURIComponent(rest[1] ?? "");
    if (rest.length > 2 && !namespaceSubresources.has(rest[2] ?? "")) rest = rest.slice(2);
    else {
      // /namespaces/{name}[/status|/finalize] is the Namespace object itself.
      info.resource = "namespaces";
      info.name = info.namespace;
      info.namespace = "";
      info.subresource = rest[2] ?? "";
      return info;
    }
  }
  info.resource = rest[0] ?? "";
  info.name = decodeURIComponent(rest[1] ?? "");
  info.subresource = rest[2] ?? "";
  info.rest = rest.length > 3 ? `/${rest.slice(3).join("/")}` : "";
  return info;
}
