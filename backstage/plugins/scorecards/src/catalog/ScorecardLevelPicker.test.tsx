import React from 'react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { CatalogClient } from '@backstage/catalog-client';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { EntityListProvider, catalogApiRef, useEntityList } from '@backstage/plugin-catalog-react';
import { ScorecardLevelPicker, levelFilterName } from './ScorecardLevelFilter';
import { nodeFetchApi } from '../__testUtils__/liveScorecards';

/**
 * Against a real Backstage catalog backend (SCORECARDS_TEST_CATALOG_URL) serving components
 * labelled as the catalog module labels them: tests/backstage/test_frontend_plugin.py starts it.
 */
function catalogApi() {
  const url = process.env.SCORECARDS_TEST_CATALOG_URL;
  if (!url) {
    throw new Error('SCORECARDS_TEST_CATALOG_URL is not set: run through tests/backstage/test_frontend_plugin.py');
  }
  return new CatalogClient({
    discoveryApi: { getBaseUrl: async () => `${url}/api/catalog` },
    fetchApi: nodeFetchApi(process.env.SCORECARDS_TEST_CATALOG_TOKEN),
  });
}

function ListedNames() {
  const { entities, loading } = useEntityList();
  if (loading) {
    return null;
  }
  return (
    <ul aria-label="Listed">
      {entities.map(e => (
        <li key={e.metadata.name}>{e.metadata.name}</li>
      ))}
    </ul>
  );
}

async function renderCatalogPage(query = '') {
  await renderInTestApp(
    <TestApiProvider apis={[[catalogApiRef, catalogApi()]]}>
      <EntityListProvider>
        <ScorecardLevelPicker scorecardId="service-maturity" label="Maturity" />
        <ListedNames />
      </EntityListProvider>
    </TestApiProvider>,
    { routeEntries: [`/catalog${query}`] },
  );
}

describe('the level filter against a real catalog backend', () => {
  it('offers the levels the catalog has for the scorecard, with counts', async () => {
    await renderCatalogPage();
    fireEvent.mouseDown(await screen.findByRole('textbox'));
    const options = (await screen.findAllByRole('option')).map(o => o.textContent);
    expect(options).toEqual(['gold (2)', 'none (1)', 'silver (1)']);
  });

  it('lists only the entities at a chosen level', async () => {
    await renderCatalogPage(`?filters[${levelFilterName('service-maturity')}]=gold`);
    const listedNames = () =>
      within(screen.getByRole('list', { name: 'Listed' }))
        .queryAllByRole('listitem')
        .map(item => item.textContent)
        .sort();
    await waitFor(() => expect(listedNames()).toEqual(['gold-one', 'gold-two']));
  });
});
