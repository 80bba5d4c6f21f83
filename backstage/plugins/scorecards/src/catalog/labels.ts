import type { Entity } from '@backstage/catalog-model';

/**
 * The catalog module (backstage/plugins/catalog-backend-module-scorecards) labels each
 * scored entity `scorecards.dev/<scorecard-id>: <level>`, the level lower-cased with
 * characters a label cannot hold as `-`, and `none` without a level; and annotates it
 * `scorecards.dev/<scorecard-id>-score`.
 */
export const SCORECARDS_PREFIX = 'scorecards.dev';
export const NO_LEVEL = 'none';

export function levelLabelKey(scorecardId: string): string {
  return `${SCORECARDS_PREFIX}/${scorecardId}`;
}

export function scoreAnnotationKey(scorecardId: string): string {
  return `${SCORECARDS_PREFIX}/${scorecardId}-score`;
}

/** The level label of an entity; undefined when scorecards has not labelled it. */
export function entityLevel(entity: Entity, scorecardId: string): string | undefined {
  return entity.metadata.labels?.[levelLabelKey(scorecardId)];
}

export function entityScore(entity: Entity, scorecardId: string): number | undefined {
  const text = entity.metadata.annotations?.[scoreAnnotationKey(scorecardId)];
  const score = text === undefined ? NaN : Number(text);
  return Number.isFinite(score) ? score : undefined;
}

/** `gold-plus` → `Gold plus`, `none` → `No level`. */
export function displayLevel(label: string): string {
  if (label === NO_LEVEL) {
    return 'No level';
  }
  const words = label.replace(/[-_.]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
