import React, { useMemo } from 'react';
import type { Entity } from '@backstage/catalog-model';
import {
  EntityAutocompletePicker,
  type DefaultEntityFilters,
  type EntityFilter,
} from '@backstage/plugin-catalog-react';
import { displayLevel, levelLabelKey } from './labels';

/**
 * Keeps the entities whose `scorecards.dev/<scorecard-id>` label is one of the chosen
 * levels. The catalog backend filters on the label, so paging stays right.
 */
export class ScorecardLevelFilter implements EntityFilter {
  constructor(
    readonly scorecardId: string,
    readonly values: string[],
  ) {}

  getCatalogFilters(): Record<string, string[]> {
    return { [`metadata.labels.${levelLabelKey(this.scorecardId)}`]: this.values };
  }

  filterEntity(entity: Entity): boolean {
    const level = entity.metadata.labels?.[levelLabelKey(this.scorecardId)];
    return level !== undefined && this.values.includes(level);
  }

  toQueryValue(): string[] {
    return this.values;
  }
}

/** The catalog page's filter key for a scorecard's level picker (also its URL query parameter). */
export function levelFilterName(scorecardId: string): string {
  return `scorecard-${scorecardId}`;
}

export interface ScorecardLevelPickerProps {
  scorecardId: string;
  /** The picker's label; "<scorecard-id> level" by default. */
  label?: string;
}

type LevelFilters = DefaultEntityFilters & Record<string, ScorecardLevelFilter | undefined>;

/**
 * A catalog sidebar filter: the levels of one scorecard that the listed entities have,
 * with counts, from the catalog's facets of the level label.
 */
export function ScorecardLevelPicker({ scorecardId, label }: ScorecardLevelPickerProps) {
  // One class per scorecard, made once: the picker builds filters from a constructor of values.
  const Filter = useMemo(
    () =>
      class extends ScorecardLevelFilter {
        constructor(values: string[]) {
          super(scorecardId, values);
        }
      },
    [scorecardId],
  );
  return (
    <EntityAutocompletePicker<LevelFilters, string>
      label={label ?? `${scorecardId} level`}
      name={levelFilterName(scorecardId)}
      path={`metadata.labels.${levelLabelKey(scorecardId)}`}
      Filter={Filter}
      showCounts
      getOptionLabel={displayLevel}
    />
  );
}
