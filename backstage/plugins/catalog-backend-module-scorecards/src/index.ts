/**
 * A catalog backend module that labels and annotates each entity with its scorecards results.
 *
 * @packageDocumentation
 */
export { catalogModuleScorecards as default } from './module';
export { CachedResults } from './CachedResults';
export {
  EVALUATED_AT_ANNOTATION,
  NO_LEVEL,
  SCORECARDS_PREFIX,
  ScorecardsEntityProcessor,
  labelValue,
} from './ScorecardsEntityProcessor';
