import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { CountingHistogram } from '../../src/metrics/counting-histogram';

/**
 * The request latency histogram counts with plain additions (src/metrics/counting-histogram.ts); a
 * scrape must read exactly what prom-client's own Histogram would give for the same observations.
 */
const BUCKETS = [0.002, 0.01, 0.1, 1];
const observations: Array<[Record<string, string>, number]> = [
  [{ method: 'POST', route: '/validate-pin', status_code: '200' }, 0.0015],
  [{ method: 'POST', route: '/validate-pin', status_code: '200' }, 0.002],
  [{ method: 'POST', route: '/validate-pin', status_code: '200' }, 0.05],
  [{ method: 'POST', route: '/validate-pin', status_code: '422' }, 0.5],
  [{ method: 'GET', route: 'unmatched', status_code: '404' }, 7],
];

function bothRegistries() {
  const reference = new Registry();
  const histogram = new Histogram({ name: 'latency_seconds', help: 'latency', labelNames: ['method', 'route', 'status_code'], buckets: BUCKETS, registers: [reference] });
  const counting = new Registry();
  const ours = new CountingHistogram('latency_seconds', 'latency', BUCKETS);
  counting.registerMetric(ours.asMetric());
  const series = new Map<string, ReturnType<CountingHistogram['seriesFor']>>();
  for (const [labels, value] of observations) {
    histogram.observe(labels, value);
    const key = JSON.stringify(labels);
    if (!series.has(key)) series.set(key, ours.seriesFor(labels));
    ours.record(series.get(key)!, value);
  }
  return { reference, counting, ours, series };
}

describe('CountingHistogram', () => {
  it('scrapes as the same text as prom-client Histogram', async () => {
    const { reference, counting } = bothRegistries();
    const text = await counting.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('latency_seconds_bucket{le="0.002",method="POST",route="/validate-pin",status_code="200"} 2');
    expect(text).toContain('latency_seconds_count{method="GET",route="unmatched",status_code="404"} 1');
  });

  it('sums over cluster workers as prom-client sums its own histograms', async () => {
    const { reference, counting } = bothRegistries();
    const second = bothRegistries();
    const ours = AggregatorRegistry.aggregate([await counting.getMetricsAsJSON(), await second.counting.getMetricsAsJSON()]);
    const theirs = AggregatorRegistry.aggregate([await reference.getMetricsAsJSON(), await second.reference.getMetricsAsJSON()]);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('latency_seconds_count{method="POST",route="/validate-pin",status_code="200"} 6');
  });

  it('hands out one series per label set: two callers asking for the same labels export one line, not a duplicate', async () => {
    const counting = new Registry();
    const ours = new CountingHistogram('latency_seconds', 'latency', BUCKETS);
    counting.registerMetric(ours.asMetric());
    const labels = { method: 'POST', route: '/validate-pin', status_code: '200' };
    ours.record(ours.seriesFor(labels), 0.001);
    ours.record(ours.seriesFor({ status_code: '200', route: '/validate-pin', method: 'POST' }), 0.001);
    const counts = (await counting.metrics()).split('\n').filter((line) => line.startsWith('latency_seconds_count'));
    expect(counts).toEqual(['latency_seconds_count{method="POST",route="/validate-pin",status_code="200"} 2']);
  });

  it('is zeroed by a reset, and the series handed out keep counting', async () => {
    const { counting, ours, series } = bothRegistries();
    counting.resetMetrics();
    expect(await counting.metrics()).toContain('latency_seconds_count{method="POST",route="/validate-pin",status_code="200"} 0');
    ours.record(series.values().next().value!, 0.003);
    expect(await counting.metrics()).toContain('latency_seconds_bucket{le="0.01",method="POST",route="/validate-pin",status_code="200"} 1');
  });
});
