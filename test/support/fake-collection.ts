// An in-memory collection behind a ListerWatcher, with a watch history, scripted failures and
// compaction: drives src/kube's Informer and Controller in unit tests without a server.
import type {
  KubeObject,
  ListerWatcher,
  ObjectList,
  WatchEvent,
  WatchHandle,
  WatchOptions,
} from "../../src/kube/index.js";
import { objectKey } from "../../src/kube/index.js";

interface Stream {
  readonly onEvent: (event: WatchEvent) => void;
  readonly end: (error?: unknown) => void;
}

/** An in-memory collection with a watch history, scripted failures and compaction. */
export class FakeCollection {
  readonly objects = new Map<string, KubeObject>();
  readonly history: { rv: number; event: WatchEvent }[] = [];
  readonly streams = new Set<Stream>();
  readonly watchRequests: WatchOptions[] = [];
  rv = 100;
  /** Oldest version a watch may start from. */
  oldest = 100;
  failLists: Error[] = [];
  failWatches: Error[] = [];

  /** Creates or updates ConfigMap `ns/name` with data.value = `value`; `extra` merges into it. */
  put(name: string, value: string, extra: Partial<KubeObject> = {}): KubeObject {
    this.rv++;
    const obj: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      ...extra,
      metadata: { ...extra.metadata, namespace: "ns", name, resourceVersion: String(this.rv) },
      data: { value },
    };
    const existed = this.objects.has(objectKey(obj));
    this.objects.set(objectKey(obj), obj);
    this.#publish({ type: existed ? "MODIFIED" : "ADDED", object: obj });
    return obj;
  }

  remove(name: string): void {
    const old = this.objects.get(`ns/${name}`);
    if (old === undefined) return;
    this.rv++;
    this.objects.delete(`ns/${name}`);
    this.#publish({
      type: "DELETED",
      object: { ...old, metadata: { ...old.metadata, resourceVersion: String(this.rv) } },
    });
  }

  /** Forgets history (etcd compaction): watches from older versions get 410. */
  compact(): void {
    this.history.length = 0;
    this.oldest = this.rv;
  }

  /** Ends every open stream, cleanly or with `error`. */
  dropStreams(error?: unknown): void {
    for (const stream of [...this.streams]) stream.end(error);
  }

  #publish(event: WatchEvent): void {
    this.history.push({ rv: this.rv, event });
    for (const stream of this.streams) stream.onEvent(event);
  }

  readonly lw: ListerWatcher<KubeObject> = {
    list: () => {
      const failure = this.failLists.shift();
      if (failure !== undefined) return Promise.reject(failure);
      const list: ObjectList<KubeObject> = {
        items: [...this.objects.values()],
        resourceVersion: String(this.rv),
      };
      return Promise.resolve(list);
    },
    watch: (options, onEvent) => {
      this.watchRequests.push(options);
      let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
      const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const stream: Stream = {
        onEvent,
        end: (error) => {
          this.streams.delete(stream);
          if (error === undefined) settle?.resolve();
          else settle?.reject(error);
        },
      };
      const handle: WatchHandle = {
        stop: () => {
          stream.end();
        },
        done,
      };
      const failure = this.failWatches.shift();
      if (failure !== undefined) {
        stream.end(failure);
        return Promise.resolve(handle);
      }
      const from = Number(options.resourceVersion);
      this.streams.add(stream);
      if (from < this.oldest) {
        onEvent({
          type: "ERROR",
          object: {
            kind: "Status",
            code: 410,
            reason: "Expired",
            message: "too old resource version",
          },
        });
        stream.end();
      } else {
        for (const h of this.history) if (h.rv > from) onEvent(h.event);
      }
      return Promise.resolve(handle);
    },
  };
}
