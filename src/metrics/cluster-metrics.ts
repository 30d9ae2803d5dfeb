import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * With WEB_CONCURRENCY workers behind one port, a scrape reaches one worker, chosen in turn; its own
 * counters alone would go up and down from scrape to scrape (Prometheus would read every drop as a
 * counter reset). So the worker that gets the scrape asks the primary, which collects every worker's
 * figures (prom-client's AggregatorRegistry: counters and histograms summed, gauges as each metric
 * says) and hands the sum back.
 */

const REQUEST = 'iba:cluster-metrics-request';
const RESPONSE = 'iba:cluster-metrics-response';
const TIMEOUT_MS = 6000;

interface ClusterMetricsMessage {
  type: typeof REQUEST | typeof RESPONSE;
  requestId: number;
  metrics?: string;
  error?: string;
}

/** True in a worker process of the cluster primary (WEB_CONCURRENCY > 1). */
export const inClusterWorker = (): boolean => cluster.isWorker;

/** In a worker: the registries whose figures this process contributes when the primary collects. */
export function contributeToClusterMetrics(registries: Registry[]): void {
  // constructing one makes prom-client answer the primary's collection requests in this worker
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries(registries);
}

let nextRequestId = 0;
const pending = new Map<number, { resolve: (metrics: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
let listening = false;

/** In a worker: every worker's figures together, in the Prometheus text format, through the primary. */
export function clusterMetrics(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (message: ClusterMetricsMessage) => {
      if (message?.type !== RESPONSE) return;
      const request = pending.get(message.requestId);
      if (!request) return;
      pending.delete(message.requestId);
      clearTimeout(request.timer);
      if (message.error !== undefined) request.reject(new Error(message.error));
      else request.resolve(message.metrics ?? '');
    });
  }
  const requestId = nextRequestId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(requestId);
      reject(new Error(`the primary did not answer within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    pending.set(requestId, { resolve, reject, timer });
    process.send?.({ type: REQUEST, requestId } satisfies ClusterMetricsMessage);
  });
}

/** In the primary: collects every worker's figures when a worker asks for them. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: ClusterMetricsMessage) => {
    if (message?.type !== REQUEST) return;
    const reply = (answer: Omit<ClusterMetricsMessage, 'type' | 'requestId'>) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, requestId: message.requestId, ...answer } satisfies ClusterMetricsMessage);
    };
    aggregator.clusterMetrics().then(
      (metrics) => reply({ metrics }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}
