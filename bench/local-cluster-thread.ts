// A local cluster in a worker thread, for `npm run bench -- external-secrets --api-server=thread`:
// the API server on its own thread (as in production, where it is another process), so that the
// controller's own CPU time can be read with process.threadCpuUsage() on the main thread.
import { parentPort } from "node:worker_threads";
import { startLocalCluster } from "../src/localcluster/index.js";

if (parentPort === null) throw new Error("local-cluster-thread.js runs as a worker thread");
const port = parentPort;
const cluster = await startLocalCluster();
port.on("message", (message: unknown) => {
  if (message !== "close") return;
  void cluster.close().then(() => {
    port.postMessage("closed");
    port.close();
  });
});
port.postMessage({ kubeconfig: cluster.kubeconfig() });
