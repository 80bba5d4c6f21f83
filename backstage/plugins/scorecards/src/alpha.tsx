/**
 * The plugin for Backstage's new frontend system: `import scorecardsPlugin from
 * '@scorecards/backstage-plugin-scorecards/alpha'` and add it to `createApp({ features })`.
 */
import React from 'react';
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  CatalogFilterBlueprint,
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { z } from 'zod';
import { ScorecardsClient, scorecardsApiRef } from './api/ScorecardsClient';

const scorecardsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: scorecardsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new ScorecardsClient({ discoveryApi, fetchApi }),
    }),
});

/** Scores on the overview tab (`entity-card:scorecards/overview`). */
export const entityScorecardsCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    type: 'content',
    loader: () =>
      import('./components/EntityScorecardsCard').then(m => <m.EntityScorecardsCard />),
  },
});

/** Its own tab at /scorecards (`entity-content:scorecards/entity`). */
export const entityScorecardsContent = EntityContentBlueprint.make({
  name: 'entity',
  params: {
    path: '/scorecards',
    title: 'Scorecards',
    group: 'observability',
    loader: () =>
      import('./components/EntityScorecardsContent').then(m => <m.EntityScorecardsContent />),
  },
});

/**
 * A level filter for the catalog index page; off until configured with the scorecard,
 * e.g. `- catalog-filter:scorecards/level: { config: { scorecardId: service-maturity } }`.
 */
export const catalogScorecardLevelFilter = CatalogFilterBlueprint.makeWithOverrides({
  name: 'level',
  configSchema: {
    scorecardId: z.string().optional(),
    label: z.string().optional(),
  },
  factory(originalFactory, { config }) {
    return originalFactory({
      loader: async () => {
        if (!config.scorecardId) {
          return <></>;
        }
        const { ScorecardLevelPicker } = await import('./catalog/ScorecardLevelFilter');
        return <ScorecardLevelPicker scorecardId={config.scorecardId} label={config.label} />;
      },
    });
  },
});

export default createFrontendPlugin({
  pluginId: 'scorecards',
  title: 'Scorecards',
  extensions: [scorecardsApi, entityScorecardsCard, entityScorecardsContent, catalogScorecardLevelFilter],
});
