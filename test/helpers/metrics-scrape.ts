import type { TestContext } from './test-app';

/** One sample of a Prometheus text exposition: name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  text: string;
  samples: Sample[];
  /** The value of the one sample with this name whose labels include `labels`; 0 when there is none (a counter not yet incremented). */
  value: (name: string, labels?: Record<string, string>) => number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format as Prometheus reads it (HELP/TYPE comments skipped). */
export function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) labels[name] = value.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: match[3] === 'Nan' || match[3] === 'NaN' ? NaN : Number(match[3]) });
  }
  const value = (name: string, labels: Record<string, string> = {}) => {
    const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}: name more labels`);
    return found[0]?.value ?? 0;
  };
  return { text, samples, value };
}

/** GET /metrics with the bearer token the test context was configured with; fails on anything but 200. */
export async function scrapeMetrics(t: TestContext): Promise<Scrape> {
  const res = await t.request().get('/metrics').set('Authorization', `Bearer ${t.config.METRICS_TOKEN}`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.text}`);
  if (!/^text\/plain; version=0\.0\.4/.test(res.headers['content-type'])) throw new Error(`/metrics content type ${res.headers['content-type']}`);
  return parseExposition(res.text);
}
