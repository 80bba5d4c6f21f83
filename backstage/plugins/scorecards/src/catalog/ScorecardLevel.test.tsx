import React from 'react';
import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { Table } from '@backstage/core-components';
import type { Entity } from '@backstage/catalog-model';
import { createScorecardLevelColumn } from './ScorecardLevelColumn';
import { ScorecardLevelFilter } from './ScorecardLevelFilter';

// Labels and annotations as backstage/plugins/catalog-backend-module-scorecards writes them.
function entity(name: string, level?: string, score?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      labels: level ? { 'scorecards.dev/service-maturity': level } : {},
      annotations: score ? { 'scorecards.dev/service-maturity-score': score } : {},
    },
  };
}

describe('the catalog level column', () => {
  it('shows each entity its level from the scorecards label, and says when it is not scored', async () => {
    const rows = [entity('gold-one', 'gold', '94.44'), entity('none-one', 'none'), entity('unscored')];
    await renderInTestApp(
      <Table
        title="Components"
        columns={[
          { title: 'Name', render: (row: { entity: Entity }) => row.entity.metadata.name },
          createScorecardLevelColumn({ scorecardId: 'service-maturity', title: 'Maturity' }),
        ]}
        data={rows.map(e => ({ entity: e }))}
      />,
    );
    expect(screen.getByText('Maturity')).toBeTruthy();
    expect(screen.getByText('Gold').getAttribute('title')).toBe('Score 94.44');
    expect(screen.getByText('No level')).toBeTruthy();
    expect(screen.getByText('Not scored')).toBeTruthy();
  });
});

describe('the catalog level filter', () => {
  it('asks the catalog for the chosen levels of the scorecard label', () => {
    const filter = new ScorecardLevelFilter('service-maturity', ['gold', 'silver']);
    expect(filter.getCatalogFilters()).toEqual({
      'metadata.labels.scorecards.dev/service-maturity': ['gold', 'silver'],
    });
  });

  it('keeps only entities labelled with a chosen level', () => {
    const filter = new ScorecardLevelFilter('service-maturity', ['gold']);
    expect(filter.filterEntity(entity('a', 'gold'))).toBe(true);
    expect(filter.filterEntity(entity('b', 'silver'))).toBe(false);
    expect(filter.filterEntity(entity('c'))).toBe(false);
  });
});
