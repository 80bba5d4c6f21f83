/**
 * A Tech Insights backend module: a fact retriever bringing scorecards results in as facts.
 *
 * @packageDocumentation
 */
export { techInsightsModuleScorecards as default, SCORECARDS_FACT_RETRIEVER_KEY } from './module';
export { FALLBACK_SCHEMA_VERSION, createScorecardsFactRetriever } from './ScorecardsFactRetriever';
export {
  NO_LEVEL,
  SCORECARDS_FACT_RETRIEVER_ID,
  buildFactSchema,
  checkFact,
  entityFacts,
  levelFact,
  rankFact,
  scoreFact,
} from './factSchema';
