/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text exposition strictly: every line is a comment or `name{labels} value`. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  // Values follow Go's ParseFloat, which reads NaN and Inf in any letter case.
  const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|nan|[+-]?inf)( -?\d+)?$/i;
  const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = sampleLine.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(labelPair)) labels[pair[1]!] = pair[2]!;
    const raw = match[4]!.toLowerCase();
    const value = raw === 'nan' ? NaN : raw.endsWith('inf') ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw);
    if (Number.isNaN(value) && raw !== 'nan') throw new Error(`not a number in ${JSON.stringify(line)}`);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** Sum of the samples of one metric whose labels include `labels`. */
export function metricValue(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Fetches and parses an HTTP /metrics endpoint. */
export async function scrapeMetrics(url: string, signal?: AbortSignal): Promise<Sample[]> {
  const response = await fetch(url, { signal });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return parsePrometheusText(await response.text());
}
