import React from 'react';
import Typography from '@material-ui/core/Typography';
import type { TableColumn } from '@backstage/core-components';
import type { Entity } from '@backstage/catalog-model';
import { displayLevel, entityLevel, entityScore } from './labels';

/** A catalog table row: `CatalogTableRow` of @backstage/plugin-catalog has this shape. */
export interface EntityRow {
  entity: Entity;
}

export interface ScorecardLevelColumnOptions {
  scorecardId: string;
  /** The column's title; the scorecard id by default. */
  title?: string;
}

/**
 * A catalog table column with an entity's level in one scorecard, read from the
 * `scorecards.dev/<scorecard-id>` label: sortable and filterable in the table.
 */
export function createScorecardLevelColumn<T extends EntityRow>({
  scorecardId,
  title,
}: ScorecardLevelColumnOptions): TableColumn<T> {
  const level = (row: T) => entityLevel(row.entity, scorecardId);
  return {
    title: title ?? scorecardId,
    customSort: (a, b) => (level(a) ?? '').localeCompare(level(b) ?? ''),
    customFilterAndSearch: (query, row) =>
      displayLevel(level(row) ?? '').toLowerCase().includes(String(query).toLowerCase()),
    render: row => {
      const label = level(row);
      if (label === undefined) {
        return (
          <Typography variant="body2" color="textSecondary">
            Not scored
          </Typography>
        );
      }
      const score = entityScore(row.entity, scorecardId);
      return (
        <Typography variant="body2" title={score === undefined ? undefined : `Score ${score}`}>
          {displayLevel(label)}
        </Typography>
      );
    },
  };
}
