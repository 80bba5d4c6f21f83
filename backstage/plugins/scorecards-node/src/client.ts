import type { ScorecardsConfig } from './config';

/** One scorecard's result for one entity, as GET /api/v1/entities lists it. */
export interface ScorecardResult {
  id: string;
  name: string;
  score: number | null;
  level: string | null;
}

/** One check's status for one entity: pass, fail, exempt, unknown, error or skip. */
export interface CheckStatus {
  id: string;
  status: string;
}

/** One entity's latest results. `ref` is lower-case `kind:namespace/name`. */
export interface EntityResults {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  evaluated_at: string | null;
  scorecards: ScorecardResult[];
  checks?: CheckStatus[];
}

/** A scorecard as GET /api/v1/scorecards lists it: levels lowest first. */
export interface ScorecardDefinition {
  id: string;
  name: string;
  description?: string | null;
  levels: { name: string }[];
}

/** A check as GET /api/v1/checks lists it. */
export interface CheckDefinition {
  id: string;
  name: string | null;
  description?: string | null;
}

interface EntityPage {
  total: number;
  items: EntityResults[];
}

const PAGE_SIZE = 500; // the most GET /api/v1/entities serves at once

/** The scorecards server could not be read: unreachable, refused the token, or answered garbage. */
export class ScorecardsUnavailableError extends Error {
  override name = 'ScorecardsUnavailableError';
}

/** Reads results and definitions from the scorecards native API (`/api/v1`). */
export class ScorecardsClient {
  constructor(private readonly config: ScorecardsConfig) {}

  get baseUrl(): string {
    return this.config.baseUrl;
  }

  /** Every scored entity's latest results, paged through in bulk (500 a request). */
  async listEntityResults(options: { checks?: boolean } = {}): Promise<EntityResults[]> {
    const results: EntityResults[] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
      if (options.checks) {
        params.set('checks', 'true');
      }
      const page = await this.get<EntityPage>(`/api/v1/entities?${params}`);
      if (!page || !Array.isArray(page.items)) {
        throw new ScorecardsUnavailableError(
          `${this.config.baseUrl}/api/v1/entities answered without 'items' — is scorecards.baseUrl a scorecards server?`,
        );
      }
      results.push(...page.items.filter(item => item.evaluated_at !== null));
      if (page.items.length < PAGE_SIZE || offset + PAGE_SIZE >= page.total) {
        return results;
      }
    }
  }

  async listScorecards(): Promise<ScorecardDefinition[]> {
    return this.get<ScorecardDefinition[]>('/api/v1/scorecards');
  }

  async listChecks(): Promise<CheckDefinition[]> {
    return this.get<CheckDefinition[]>('/api/v1/checks');
  }

  private async get<T>(path: string): Promise<T> {
    const url = `${this.config.baseUrl}${path}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.config.token) {
      headers.Authorization = `Bearer ${this.config.token}`;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(this.config.timeoutSeconds * 1000),
      });
    } catch (error) {
      throw new ScorecardsUnavailableError(`GET ${url} failed: ${describe(error)}`);
    }
    if (!response.ok) {
      const hint =
        response.status === 401 || response.status === 403
          ? ' — check scorecards.token against the server’s SCORECARDS_API_TOKENS'
          : '';
      throw new ScorecardsUnavailableError(
        `GET ${url} answered ${response.status}${hint}: ${(await response.text()).slice(0, 200)}`,
      );
    }
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new ScorecardsUnavailableError(`GET ${url} answered invalid JSON: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
