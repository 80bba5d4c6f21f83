import type { LoggerService } from '@backstage/backend-plugin-api';
import type { FactRetriever, TechInsightFact } from '@backstage-community/plugin-tech-insights-node';
import type { FactSchema } from '@backstage-community/plugin-tech-insights-common';
import {
  type ScorecardDefinition,
  type ScorecardsClient,
} from '@scorecards/backstage-plugin-scorecards-node';
import {
  SCORECARDS_FACT_RETRIEVER_ID,
  buildFactSchema,
  entityFacts,
} from './factSchema';

/**
 * The schema version when scorecards could not be read at start-up: lower than every
 * version read from scorecards, so a schema stored by an earlier start stays in force.
 */
export const FALLBACK_SCHEMA_VERSION = '1.0.0';

/**
 * Builds the fact retriever from the scorecards and checks scorecards defines now.
 *
 * Tech Insights stores a retriever's schema when the backend starts, so the schema is
 * read then; its version grows with each start (`1.0.<unix seconds>`) so the latest
 * stored schema is the one read last. If scorecards cannot be read at start-up the
 * retriever still registers, with a schema of `evaluated_at` alone at version 1.0.0, and
 * its facts still arrive on schedule; checks on facts missing from the schema wait for a
 * restart with scorecards reachable.
 */
export async function createScorecardsFactRetriever(options: {
  client: ScorecardsClient;
  logger: LoggerService;
  now?: () => Date;
}): Promise<FactRetriever> {
  const { client, logger } = options;
  const now = options.now ?? (() => new Date());
  let scorecards: ScorecardDefinition[] = [];
  let schema: FactSchema;
  let version: string;
  try {
    const checks = await client.listChecks();
    scorecards = await client.listScorecards();
    schema = buildFactSchema(scorecards, checks);
    version = `1.0.${Math.floor(now().getTime() / 1000)}`;
  } catch (error) {
    logger.warn(
      `scorecards at ${client.baseUrl} cannot be read, so the scorecards fact schema holds only ` +
        `evaluated_at until Backstage restarts with it reachable (facts are still retrieved): ` +
        `${error instanceof Error ? error.message : String(error)}`,
    );
    schema = buildFactSchema([], []);
    version = FALLBACK_SCHEMA_VERSION;
  }
  const knownLevels = new Map(scorecards.map(card => [card.id, card.levels.map(l => l.name)]));

  return {
    id: SCORECARDS_FACT_RETRIEVER_ID,
    version,
    title: 'Scorecards',
    description: 'Scores, levels and check statuses from scorecards',
    schema,
    async handler(): Promise<TechInsightFact[]> {
      // Throwing lets Tech Insights log the failure and store nothing: the last facts stay latest.
      const listed = await client.listEntityResults({ checks: true });
      const levels = new Map(knownLevels);
      if (listed.some(item => item.scorecards.some(card => !levels.has(card.id)))) {
        for (const card of await client.listScorecards()) {
          levels.set(card.id, card.levels.map(l => l.name));
        }
      }
      return listed.map(item => ({
        entity: { kind: item.kind, namespace: item.namespace, name: item.name },
        // No timestamp: Tech Insights stamps the retrieval, so a lifecycle's time to live
        // counts from the last read, not from an old evaluation.
        facts: entityFacts(item, levels),
      }));
    },
  };
}
