import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { ScorecardsClient, scorecardsApiRef } from './api/ScorecardsClient';

/** The plugin for Backstage's legacy frontend system (`packages/app/src/App.tsx`). */
export const scorecardsPlugin = createPlugin({
  id: 'scorecards',
  apis: [
    createApiFactory({
      api: scorecardsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new ScorecardsClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/** The overview card: per scorecard the score, level, what blocks the next level, and the trend. */
export const EntityScorecardsCard = scorecardsPlugin.provide(
  createComponentExtension({
    name: 'EntityScorecardsCard',
    component: {
      lazy: () => import('./components/EntityScorecardsCard').then(m => m.EntityScorecardsCard),
    },
  }),
);

/** The tab: every scorecard with its checks, history and the entity's campaigns. */
export const EntityScorecardsContent = scorecardsPlugin.provide(
  createComponentExtension({
    name: 'EntityScorecardsContent',
    component: {
      lazy: () =>
        import('./components/EntityScorecardsContent').then(m => m.EntityScorecardsContent),
    },
  }),
);
