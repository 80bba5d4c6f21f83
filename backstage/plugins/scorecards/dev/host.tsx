/**
 * A page that shows the card and the content as an entity page would, for the browser
 * test (tests/backstage/test_frontend_plugin.py) and for looking at the plugin by hand.
 * `?entity=<ref>&theme=light|dark`. Reads the API through `/api/proxy/scorecards`, as in
 * Backstage: the page's server forwards those requests to `scorecards serve`.
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import Box from '@material-ui/core/Box';
import CssBaseline from '@material-ui/core/CssBaseline';
import Grid from '@material-ui/core/Grid';
import type { Entity } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { TestApiProvider, wrapInTestApp } from '@backstage/test-utils';
import { UnifiedThemeProvider, themes } from '@backstage/theme';
import { ScorecardsClient, scorecardsApiRef } from '../src/api/ScorecardsClient';
import { EntityScorecardsCard } from '../src/components/EntityScorecardsCard';
import { EntityScorecardsContent } from '../src/components/EntityScorecardsContent';

const query = new URLSearchParams(window.location.search);
const ref = query.get('entity') ?? 'component:default/notification-service';
const isDark = query.get('theme') === 'dark';
const [, kind, namespace, name] = /^([^:]+):([^/]+)\/(.+)$/.exec(ref) ?? [];
const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: kind.charAt(0).toUpperCase() + kind.slice(1),
  metadata: { name, namespace },
};

// Backstage's discovery of the proxy plugin, and its fetch (which adds the user's token).
const discoveryApi: DiscoveryApi = {
  getBaseUrl: async pluginId => `${window.location.origin}/api/${pluginId}`,
};
const fetchApi: FetchApi = { fetch: (input, init) => window.fetch(input, init) };
const client = new ScorecardsClient({ discoveryApi, fetchApi });

function Page() {
  return (
    <UnifiedThemeProvider theme={isDark ? themes.dark : themes.light}>
      <CssBaseline />
      <TestApiProvider apis={[[scorecardsApiRef, client]]}>
        <EntityProvider entity={entity}>
          <Box p={3}>
            <Grid container spacing={3}>
              <Grid item xs={12} md={5}>
                <div data-testid="card-box">
                  <EntityScorecardsCard />
                </div>
              </Grid>
              <Grid item xs={12} md={7}>
                <div data-testid="content-box">
                  <EntityScorecardsContent />
                </div>
              </Grid>
            </Grid>
          </Box>
        </EntityProvider>
      </TestApiProvider>
    </UnifiedThemeProvider>
  );
}

createRoot(document.getElementById('root')!).render(wrapInTestApp(<Page />));
