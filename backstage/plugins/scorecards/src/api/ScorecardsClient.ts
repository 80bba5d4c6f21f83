import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/core-plugin-api';
import type {
  CampaignReport,
  CampaignSummary,
  EntityCampaign,
  EntityScores,
  HistoryPoint,
  ScorecardDefinition,
} from './types';

/** What the plugin reads from the scorecards native API. */
export interface ScorecardsApi {
  /** The entity's scores and checks; null when the server has no result for it. */
  getEntityScores(entityRef: string): Promise<EntityScores | null>;
  getEntityHistory(entityRef: string): Promise<HistoryPoint[]>;
  getScorecards(): Promise<ScorecardDefinition[]>;
  getEntityCampaigns(entityRef: string): Promise<EntityCampaign[]>;
}

export const scorecardsApiRef = createApiRef<ScorecardsApi>({
  id: 'plugin.scorecards.service',
});

/**
 * Why a read failed, in words a developer can act on: `kind` picks the advice
 * the card shows (server down, token refused, anything else).
 */
export class ScorecardsRequestError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'unauthorized' | 'server',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ScorecardsRequestError';
  }
}

export interface ScorecardsClientOptions {
  discoveryApi: DiscoveryApi;
  fetchApi: FetchApi;
  /**
   * Where the API lives, relative to a discovered plugin: by default the
   * Backstage proxy's `/scorecards` endpoint (`proxy` + `/scorecards`).
   */
  discoveryPluginId?: string;
  pathPrefix?: string;
}

/** Reads `/api/v1` through Backstage's discovery and fetch APIs (so the proxy and its tokens apply). */
export class ScorecardsClient implements ScorecardsApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;
  private readonly pluginId: string;
  private readonly pathPrefix: string;

  constructor(options: ScorecardsClientOptions) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
    this.pluginId = options.discoveryPluginId ?? 'proxy';
    this.pathPrefix = options.pathPrefix ?? (this.pluginId === 'proxy' ? '/scorecards' : '');
  }

  async getEntityScores(entityRef: string): Promise<EntityScores | null> {
    return this.get<EntityScores>(`/api/v1/entities/${entityPath(entityRef)}`, true);
  }

  async getEntityHistory(entityRef: string): Promise<HistoryPoint[]> {
    const body = await this.get<{ points: HistoryPoint[] }>(
      `/api/v1/entities/${entityPath(entityRef)}/history`,
      true,
    );
    return body?.points ?? [];
  }

  async getScorecards(): Promise<ScorecardDefinition[]> {
    return (await this.get<ScorecardDefinition[]>('/api/v1/scorecards')) ?? [];
  }

  async getEntityCampaigns(entityRef: string): Promise<EntityCampaign[]> {
    const wanted = entityRef.toLocaleLowerCase('en-US');
    const campaigns = (await this.get<CampaignSummary[]>('/api/v1/campaigns')) ?? [];
    const reports = await Promise.all(
      campaigns.map(c =>
        this.get<CampaignReport>(`/api/v1/campaigns/${encodeURIComponent(c.id)}`),
      ),
    );
    const found: EntityCampaign[] = [];
    for (const report of reports) {
      const entry = report?.entities.find(e => e.entity === wanted);
      if (report && entry) {
        const { entities: _entities, ...summary } = report;
        found.push({ ...summary, progress: entry.progress, outstanding: entry.outstanding });
      }
    }
    return found;
  }

  private async get<T>(path: string, isNotFoundEmpty = false): Promise<T | null> {
    const base = `${await this.discoveryApi.getBaseUrl(this.pluginId)}${this.pathPrefix}`;
    let response: Response;
    try {
      response = await this.fetchApi.fetch(`${base}${path}`, {
        headers: { Accept: 'application/json' },
      });
    } catch (error) {
      throw new ScorecardsRequestError(
        'unreachable',
        `could not reach the scorecards server at ${base} (${String(error)})`,
      );
    }
    if (response.status === 404 && isNotFoundEmpty) {
      return null;
    }
    if (!response.ok) {
      throw await requestError(response, base);
    }
    return (await response.json()) as T;
  }
}

/** `kind:namespace/name` as the API's path `kind/namespace/name`. */
export function entityPath(entityRef: string): string {
  const match = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(entityRef);
  if (!match) {
    throw new Error(`not an entity ref: '${entityRef}' (expected kind:namespace/name)`);
  }
  const [, kind, namespace, name] = match;
  return [kind, namespace ?? 'default', name].map(encodeURIComponent).join('/');
}

async function requestError(response: Response, base: string): Promise<ScorecardsRequestError> {
  const detail = await response
    .json()
    .then((body: { error?: { message?: unknown } }) =>
      typeof body.error?.message === 'string' ? body.error.message : '',
    )
    .catch(() => '');
  const status = response.status;
  if (status === 401 || status === 403) {
    return new ScorecardsRequestError(
      'unauthorized',
      `the scorecards server refused the request (${status})${detail ? `: ${detail}` : ''}`,
      status,
    );
  }
  // The Backstage proxy answers 502/504 when the server behind it is down.
  const kind = status === 502 || status === 503 || status === 504 ? 'unreachable' : 'server';
  return new ScorecardsRequestError(
    kind,
    `the scorecards server at ${base} answered ${status}${detail ? `: ${detail}` : ''}`,
    status,
  );
}
