import React from 'react';
import { screen } from '@testing-library/react';
import { createExtensionTester, renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import plugin, { entityScorecardsCard, entityScorecardsContent } from './alpha';
import { scorecardsApiRef } from './api/ScorecardsClient';
import { entityOf, liveClient } from './__testUtils__/liveScorecards';

const ENTITY = 'component:default/api-gateway';

describe('the plugin for the new frontend system', () => {
  it('is the scorecards plugin', () => {
    expect(plugin.$$type).toBe('@backstage/FrontendPlugin');
    expect(plugin.pluginId).toBe('scorecards');
  });

  it.each([
    'api:scorecards',
    'entity-card:scorecards/overview',
    'entity-content:scorecards/entity',
    'catalog-filter:scorecards/level',
  ])('provides the extension %s', id => {
    expect(plugin.getExtension(id as never)).toBeDefined();
  });

  it('renders the entity card extension with live scores', async () => {
    const apis = [[scorecardsApiRef, liveClient()]] as const;
    const tester = createExtensionTester(entityScorecardsCard, { apis });
    renderInTestApp(<EntityProvider entity={entityOf(ENTITY)}>{tester.reactElement()}</EntityProvider>, {
      apis,
    });
    expect(await screen.findByRole('list', { name: 'Scorecards' })).toBeTruthy();
  });

  it('renders the entity content extension with live scores', async () => {
    const apis = [[scorecardsApiRef, liveClient()]] as const;
    const tester = createExtensionTester(entityScorecardsContent, { apis });
    renderInTestApp(<EntityProvider entity={entityOf(ENTITY)}>{tester.reactElement()}</EntityProvider>, {
      apis,
    });
    expect(await screen.findByRole('heading', { name: 'Campaigns' })).toBeTruthy();
  });
});
