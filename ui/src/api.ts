// The JSON API of `lathe ui` (src/lathe/server/ui_api.h). Errors carry the server's message.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | boolean | undefined>;

export function apiUrl(path: string, params?: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return `/api/v1/${path}${qs ? "?" + qs : ""}`;
}

export async function api<T>(path: string, params?: Params): Promise<T> {
  const res = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `the server answered ${res.status} with no JSON`);
  }
  if (!res.ok) {
    const msg = (body as { error?: string }).error ?? `HTTP ${res.status}`;
    throw new ApiError(res.status, msg);
  }
  return body as T;
}

export type Value = string | number | boolean | Record<string, unknown> | unknown[];

export interface MlmdNode {
  id: number;
  type_id: number;
  type: string;
  name: string;
  properties: Record<string, Value>;
  custom_properties: Record<string, Value>;
  create_time_ms: number;
  update_time_ms: number;
  revision: number;
}
export interface Artifact extends MlmdNode {
  uri: string;
  external_id: string;
  state: string;
  fingerprint: string;
}
export interface Execution extends MlmdNode {
  state: string;
}
export type Context = MlmdNode;
export interface MlmdEvent {
  id: number;
  artifact_id: number;
  execution_id: number;
  type: string;
  path: (string | number)[];
  time_ms: number;
}
export interface Page<T> {
  items: T[];
  next_page_token: string;
}
export interface RunNode {
  node: string;
  execution_id: number;
  state: string;
  duration_ms: number;
  attempts: number;
  cache_key: string;
  cached_from: number;
  parameters: Record<string, Value>;
  inputs: { name: string; artifact_id: number }[];
  outputs: { name: string; artifact_id: number }[];
  log: string;
  error: string;
}
export interface Run extends Context {
  nodes: RunNode[];
}
export interface LineageNode extends MlmdNode {
  kind: "artifact" | "execution";
  hops: number;
  state: string;
  uri?: string;
  cache_hits?: number;
}
export interface LineageEdge {
  from: string;
  to: string;
  artifact_id: number;
  execution_id: number;
  type: string;
  path: (string | number)[];
}
export interface Lineage {
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
}
export interface Info {
  store: string;
  writable: boolean;
  serving: string; // the lathe serve the serving monitor reads ("" for none)
  request_log: string; // the lathe serve request log read for training against serving ("" for none)
}

// A version's training statistics against the rows it served.
export interface ServedStatistics {
  model: string;
  version: number;
  request_log: string;
  log_lines: number;
  served_rows: number;
  baseline_rows: number;
  current_rows: number;
  training: DatasetStats;
  served: DatasetStats;
  drift: FeatureDrift[];
  exceeded: number;
  too_few_rows: number;
  one_sided: number;
}
// Statistics (lathe stats compute URI --json) with the anomalies found in them.
export interface NumericFeature {
  name: string;
  type: string;
  missing: number;
  count: number;
  non_finite: number;
  mean: number | null;
  stddev: number | null;
  min: number | null;
  max: number | null;
  median: number | null;
  zeros: number;
  quantiles: Record<string, number | null>; // "0.01" .. "0.99"
  quantile_edges: (number | null)[];
  histogram: { low: number; count: number }[];
}
export interface CategoricalFeature {
  name: string;
  type: string;
  missing: number;
  count: number;
  unique: number;
  unique_exact: boolean;
  top: { value: string; count: number }[];
  length: { min: number; max: number; mean: number };
}
export type FeatureStats = NumericFeature | CategoricalFeature;
export interface DatasetStats {
  rows: number;
  features: FeatureStats[];
}
export interface Anomaly {
  feature: string;
  kind: string;
  description: string;
  severity?: string;
}
export interface StatisticsReport {
  artifact_id: number;
  uri: string;
  span: number | null;
  splits: Record<string, DatasetStats>;
  anomalies: null | { artifact_id: number; count: number; splits: Record<string, Anomaly[]> };
}
export interface FeatureDrift {
  feature: string;
  status: string;
  baseline_values: number;
  current_values: number;
  measure?: string;
  value?: number;
  threshold?: number;
  exceeded?: boolean;
  test?: string;
  statistic?: number | null;
  p_value?: number | null;
}
export interface DriftReport {
  baseline_id: number;
  current_id: number;
  baseline_split: string;
  current_split: string;
  baseline_rows: number;
  current_rows: number;
  min_rows: number;
  drift: FeatureDrift[];
  exceeded: number;
  too_few_rows: number;
  one_sided: number;
}

// Evaluations (lathe eval show ID --json).
export interface SliceMetrics {
  slice: string;
  rows: number;
  skipped?: boolean;
  metrics: Record<string, number>;
  intervals?: Record<string, [number, number]>;
}
export interface ModelMetrics {
  task: string;
  rows_without_label: number;
  slices: SliceMetrics[];
  slices_omitted?: number;
}
export interface Blessing {
  blessed: boolean;
  had_baseline?: boolean;
  checks: { check: string; passed: boolean }[];
}
export interface Evaluation {
  evaluation_id: number;
  model_id: number;
  baseline_id?: number;
  split: string;
  candidate: ModelMetrics;
  baseline?: ModelMetrics;
  blessing?: Blessing;
}
export interface EvaluationComparison {
  a: string;
  b: string;
  rows: { slice: string; metric: string; a: number | null; b: number | null; change?: string }[];
}

// Run comparison (lathe runs compare --json).
export interface ComparedRun {
  run: string;
  pipeline: string;
  state: string;
  start_time_ms: number;
  end_time_ms: number;
  duration_ms: number | null;
  repro_of: string;
  parameters: Record<string, Value>;
  metrics: Record<string, number>;
  evaluation_id: number;
  model_id: number;
  blessed: boolean | null;
}
export interface RunComparison {
  runs: ComparedRun[];
  parameters: string[];
  metrics: string[];
}

// The model registry (lathe models list|show --json) and deployments.
export interface ModelVersion {
  name: string;
  version: number;
  destination: string;
  pushed_model_id: number;
  model_id: number;
  run: string;
  pushed_at: string;
  pushed_at_ms: number;
  spans: { examples_id: number; span: number | null }[];
  evaluation_id?: number;
  metrics?: Record<string, number>;
  blessing_id?: number;
}
export interface Comparison {
  outcome: string;
  binary?: boolean; // 0/1 outcomes: rates, shown as percentages
  stable_version: number;
  canary_version: number;
  stable: { n: number; mean: number; ci95: [number, number] };
  canary: { n: number; mean: number; ci95: [number, number] };
  difference: number;
  difference_ci95: [number, number];
  lift: number;
  lift_ci95: [number, number];
  welch_p_value: number;
  always_valid_p_value: number;
  line: string;
}
export interface BusinessFigures {
  role: string;
  deployment: string;
  experiment: number;
  stable_version: number;
  canary_version: number;
  comparisons: Comparison[];
  outcomes: string[];
}
export interface ModelVersionDetail extends ModelVersion {
  manifest?: Record<string, unknown>;
  manifest_error?: string;
  business_metrics: Record<string, BusinessFigures>;
  warm_start_from?: number;
  blessing_reasons?: string;
  baseline_model_id?: number;
}
export interface Deployment {
  name: string;
  model: string;
  stable: number;
  canary: number;
  canary_share: number;
  shadow: number;
  shadow_share: number;
  previous_stable: number;
  sticky_header: string;
  sticky_feature: string;
  last_action: string;
  last_reason: string;
  changed_ms: number;
  comparisons: Comparison[];
  guardrails?: Record<string, Value>;
  history?: { execution: number; time_ms: number; action: string; reason: string }[];
  last_experiment: unknown;
}

// The serving monitor: a lathe serve's /metrics, parsed.
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number | string | null;
}
export interface ServingMetrics {
  server: string;
  time_ms: number;
  samples: MetricSample[];
}
