import type { FactSchema } from '@backstage-community/plugin-tech-insights-common';
import type {
  CheckDefinition,
  EntityResults,
  ScorecardDefinition,
} from '@scorecards/backstage-plugin-scorecards-node';

/** The fact retriever's id: the `factIds` entry of a JSON rules check, `ids[]` of /facts/latest. */
export const SCORECARDS_FACT_RETRIEVER_ID = 'scorecards';
/** The `level` fact of an entity that reached no level of a scorecard. */
export const NO_LEVEL = 'none';

type FactValue = number | string;

/** `<scorecard-id>_score`: 0-100. */
export const scoreFact = (scorecardId: string) => `${scorecardId}_score`;
/** `<scorecard-id>_level`: the level's name as scorecards names it, `none` without one. */
export const levelFact = (scorecardId: string) => `${scorecardId}_level`;
/** `<scorecard-id>_rank`: 0 without a level, 1 for the lowest level, and so on up. */
export const rankFact = (scorecardId: string) => `${scorecardId}_rank`;
/** `check_<check-id>`: pass, fail, exempt, unknown, error or skip (does not apply). */
export const checkFact = (checkId: string) => `check_${checkId}`;

/**
 * The fact schema: per scorecard its score (float), level (string) and rank (integer,
 * so a JSON rule can ask for "Silver or better"), per check its status (string).
 */
export function buildFactSchema(
  scorecards: ScorecardDefinition[],
  checks: CheckDefinition[],
): FactSchema {
  const schema: FactSchema = {
    evaluated_at: { type: 'datetime', description: 'When scorecards last evaluated the entity' },
  };
  for (const card of scorecards) {
    const levels = card.levels.map(level => level.name);
    schema[scoreFact(card.id)] = {
      type: 'float',
      description: `${card.name}: score, 0-100`,
    };
    schema[levelFact(card.id)] = {
      type: 'string',
      description: `${card.name}: level reached (${[NO_LEVEL, ...levels].join(', ')})`,
    };
    schema[rankFact(card.id)] = {
      type: 'integer',
      description: `${card.name}: level as a number, ${levels
        .map((name, index) => `${index + 1} = ${name}`)
        .join(', ')}, 0 = none`,
    };
  }
  for (const check of checks) {
    schema[checkFact(check.id)] = {
      type: 'string',
      description: `${check.name ?? check.id}: pass, fail, exempt, unknown, error or skip (does not apply)`,
    };
  }
  return schema;
}

/** One entity's facts, in the schema's names. */
export function entityFacts(
  results: EntityResults,
  levelsByScorecard: ReadonlyMap<string, readonly string[]>,
): Record<string, FactValue> {
  const facts: Record<string, FactValue> = {};
  if (results.evaluated_at) {
    facts.evaluated_at = results.evaluated_at;
  }
  for (const card of results.scorecards) {
    if (card.score !== null) {
      facts[scoreFact(card.id)] = card.score;
    }
    facts[levelFact(card.id)] = card.level ?? NO_LEVEL;
    const levels = levelsByScorecard.get(card.id) ?? [];
    facts[rankFact(card.id)] = card.level === null ? 0 : levels.indexOf(card.level) + 1;
  }
  for (const check of results.checks ?? []) {
    facts[checkFact(check.id)] = check.status;
  }
  return facts;
}
