import type { Metric } from 'prom-client';

/** One label set's figures: a count per bucket (not cumulative; the last is above every bound), the sum and the count. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly bucketCounts: number[];
  sum: number;
  count: number;
}

/** One exported figure, as prom-client's metrics give them to the registry (its typings say otherwise). */
interface ExportedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A Prometheus histogram for the request path: recording a value is a few additions on a series the
 * caller resolved once, where prom-client's Histogram#observe validates and hashes the label object
 * and allocates on every call (about a twentieth of a check-in's CPU, measured with bench/ab.ts).
 * The figures are turned into prom-client's export format only when scraped, so the registry, the
 * text format and the cluster's summing (AggregatorRegistry) treat it as one of their own histograms.
 */
export class CountingHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** By the label set, in a fixed order of names: one series per label set, however many callers ask for it. */
  private series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {}

  /** The series of these labels, made on first use; keep it and pass it to record. */
  seriesFor(labels: Record<string, string>): HistogramSeries {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    let series = this.series.get(key);
    if (!series) {
      series = { labels: { ...labels }, bucketCounts: new Array<number>(this.upperBounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  record(series: HistogramSeries, value: number): void {
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > this.upperBounds[bucket]) bucket++;
    series.bucketCounts[bucket]++;
    series.sum += value;
    series.count++;
  }

  /** The figures as prom-client's Histogram#get gives them: cumulative buckets with `le`, then +Inf, _sum and _count. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: ExportedValue[]; aggregator: 'sum' }> {
    const values: ExportedValue[] = [];
    for (const { labels, bucketCounts, sum, count } of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, index) => {
        cumulative += bucketCounts[index];
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...labels }, value: sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...labels }, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Zeroes every series (the registry's resetMetrics); series handed out stay valid. */
  reset(): void {
    for (const series of this.series.values()) {
      series.bucketCounts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** For Registry#registerMetric, which is typed for prom-client's own classes but only calls get, reset and name. */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
