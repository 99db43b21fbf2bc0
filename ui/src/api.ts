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
}
