/**
 * Scores from the scorecards engine on Backstage entity pages, and levels in the catalog table.
 *
 * @packageDocumentation
 */
export { scorecardsPlugin, EntityScorecardsCard, EntityScorecardsContent } from './plugin';
export {
  ScorecardsClient,
  ScorecardsRequestError,
  scorecardsApiRef,
  type ScorecardsApi,
  type ScorecardsClientOptions,
} from './api/ScorecardsClient';
export type * from './api/types';
export {
  createScorecardLevelColumn,
  type EntityRow,
  type ScorecardLevelColumnOptions,
} from './catalog/ScorecardLevelColumn';
export {
  ScorecardLevelFilter,
  ScorecardLevelPicker,
  levelFilterName,
  type ScorecardLevelPickerProps,
} from './catalog/ScorecardLevelFilter';
export { levelLabelKey, scoreAnnotationKey, entityLevel, entityScore } from './catalog/labels';
