import type { LoggerService } from '@backstage/backend-plugin-api';
import { type Entity, KubernetesValidatorFunctions, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogProcessor } from '@backstage/plugin-catalog-node';
import type { EntityResults } from '@scorecards/backstage-plugin-scorecards-node';
import type { CachedResults } from './CachedResults';

/** The prefix of every label and annotation this module writes. */
export const SCORECARDS_PREFIX = 'scorecards.dev';
/** Annotation: when scorecards last evaluated the entity (ISO 8601). */
export const EVALUATED_AT_ANNOTATION = `${SCORECARDS_PREFIX}/evaluated-at`;
/** The label value of an entity that reached no level of a scorecard. */
export const NO_LEVEL = 'none';

/**
 * Adds each entity's scorecards results as it is processed: per scorecard a label
 * `scorecards.dev/<scorecard-id>: <level>` (lower-case, `none` without a level) that
 * the catalog API and table filter on, an annotation `scorecards.dev/<scorecard-id>-score`,
 * and `scorecards.dev/evaluated-at`. An entity scorecards has not scored is left as it is.
 */
export class ScorecardsEntityProcessor implements CatalogProcessor {
  private readonly refused = new Set<string>();

  constructor(
    private readonly results: CachedResults,
    private readonly logger: LoggerService,
  ) {}

  getProcessorName(): string {
    return 'ScorecardsEntityProcessor';
  }

  async preProcessEntity(entity: Entity): Promise<Entity> {
    const found = await this.results.get(stringifyEntityRef(entity));
    if (!found) {
      return entity;
    }
    const { labels, annotations } = this.describe(found);
    return {
      ...entity,
      metadata: {
        ...entity.metadata,
        labels: { ...entity.metadata.labels, ...labels },
        annotations: { ...entity.metadata.annotations, ...annotations },
      },
    };
  }

  private describe(found: EntityResults): {
    labels: Record<string, string>;
    annotations: Record<string, string>;
  } {
    const labels: Record<string, string> = {};
    const annotations: Record<string, string> = {};
    if (found.evaluated_at) {
      annotations[EVALUATED_AT_ANNOTATION] = found.evaluated_at;
    }
    for (const card of found.scorecards) {
      const labelKey = `${SCORECARDS_PREFIX}/${card.id}`;
      const value = labelValue(card.level);
      if (!KubernetesValidatorFunctions.isValidLabelKey(labelKey)) {
        this.refuseOnce(labelKey, 'is not a valid label key (at most 63 characters of a-z, 0-9, -, _ and . after the prefix)');
      } else if (!KubernetesValidatorFunctions.isValidLabelValue(value)) {
        this.refuseOnce(`${labelKey}=${value}`, `level '${card.level}' makes no valid label value`);
      } else {
        labels[labelKey] = value;
      }
      const scoreKey = `${SCORECARDS_PREFIX}/${card.id}-score`;
      if (card.score === null) {
        continue;
      }
      if (KubernetesValidatorFunctions.isValidAnnotationKey(scoreKey)) {
        annotations[scoreKey] = String(card.score);
      } else {
        this.refuseOnce(scoreKey, 'is not a valid annotation key (the scorecard id is too long)');
      }
    }
    return { labels, annotations };
  }

  private refuseOnce(what: string, why: string): void {
    if (!this.refused.has(what)) {
      this.refused.add(what);
      this.logger.warn(`scorecards: left out ${what}: it ${why}; rename the scorecard or level`);
    }
  }
}

/**
 * A level as a label value: lower-case, characters a label cannot hold become `-`
 * (`Gold Plus` → `gold-plus`), `none` for no level.
 */
export function labelValue(level: string | null): string {
  if (level === null) {
    return NO_LEVEL;
  }
  return level
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 63)
    .replace(/[^a-z0-9]+$/, '');
}
