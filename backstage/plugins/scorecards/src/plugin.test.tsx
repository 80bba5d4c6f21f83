import React from 'react';
import { screen } from '@testing-library/react';
import { EntityScorecardsCard, EntityScorecardsContent, scorecardsPlugin } from './plugin';
import { renderForEntity } from './__testUtils__/liveScorecards';

const ENTITY = 'component:default/api-gateway';

describe('the plugin for the legacy frontend system', () => {
  it('is the scorecards plugin and provides its API', () => {
    expect(scorecardsPlugin.getId()).toBe('scorecards');
    expect([...scorecardsPlugin.getApis()].map(f => f.api.id)).toEqual(['plugin.scorecards.service']);
  });

  it('renders the card extension with live scores', async () => {
    await renderForEntity(ENTITY, <EntityScorecardsCard />);
    expect(await screen.findByRole('list', { name: 'Scorecards' })).toBeTruthy();
  });

  it('renders the content extension with live scores', async () => {
    await renderForEntity(ENTITY, <EntityScorecardsContent />);
    expect(await screen.findByRole('heading', { name: 'Campaigns' })).toBeTruthy();
  });
});
