/**
 * Shared by the scorecards Backstage backend modules: the `scorecards` app-config
 * section and a client reading results in bulk from the scorecards native API.
 *
 * @packageDocumentation
 */
export { readScorecardsConfig } from './config';
export type { ScorecardsConfig } from './config';
export { ScorecardsClient, ScorecardsUnavailableError } from './client';
export type {
  CheckDefinition,
  CheckStatus,
  EntityResults,
  ScorecardDefinition,
  ScorecardResult,
} from './client';
