/**
 * What the component tests share: a client of the live `scorecards serve` that
 * tests/backstage/test_frontend_plugin.py started, and the CLI's answers to compare with.
 *
 * SCORECARDS_TEST_URL: the server; SCORECARDS_TEST_TOKEN: the bearer token it wants
 * for reads (standing in for the Backstage proxy's header); SCORECARDS_TEST_EXPECTED:
 * a JSON file of `scorecards score --format json` per entity ref.
 */
import fs from 'fs';
import http from 'http';
import React from 'react';
import nodeFetch from 'node-fetch';
import type { Entity } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { ScorecardsClient, scorecardsApiRef } from '../api/ScorecardsClient';

export interface CliScorecard {
  scorecard: string;
  score: number | null;
  level: string | null;
}

export interface CliScore {
  entity: string;
  scorecards: CliScorecard[];
  checks: { check: string; status: string; message?: string }[];
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run these tests through pytest tests/backstage/test_frontend_plugin.py, ` +
        'which starts the server they read',
    );
  }
  return value;
}

export function expectedScores(): Record<string, CliScore> {
  return JSON.parse(fs.readFileSync(required('SCORECARDS_TEST_EXPECTED'), 'utf8'));
}

// Node 20 keeps sockets alive by default, and a socket uvicorn closes after its 5 s idle
// timeout can be picked for the next request ("socket hang up"); browsers retry those.
const agent = new http.Agent({ keepAlive: false });

/** A real FetchApi over Node's HTTP stack that sends `token` the way the proxy would. */
export function nodeFetchApi(token: string | undefined): FetchApi {
  return {
    fetch: (input, init) =>
      nodeFetch(String(input), {
        ...(init as object),
        agent,
        headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      }) as unknown as Promise<Response>,
  };
}

export function liveClient(options: { url?: string; token?: string | null } = {}): ScorecardsClient {
  const url = options.url ?? required('SCORECARDS_TEST_URL');
  const token = options.token === null ? undefined : (options.token ?? required('SCORECARDS_TEST_TOKEN'));
  const discoveryApi: DiscoveryApi = { getBaseUrl: async () => url };
  return new ScorecardsClient({ discoveryApi, fetchApi: nodeFetchApi(token), discoveryPluginId: 'scorecards' });
}

/** The catalog entity of a ref, as much of it as the plugin reads. */
export function entityOf(ref: string): Entity {
  const match = /^([^:]+):([^/]+)\/(.+)$/.exec(ref);
  if (!match) {
    throw new Error(`not a full entity ref: ${ref}`);
  }
  const kind = match[1].charAt(0).toUpperCase() + match[1].slice(1);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name: match[3], namespace: match[2] },
  };
}

export async function renderForEntity(
  ref: string,
  element: React.ReactElement,
  client: ScorecardsClient = liveClient(),
) {
  return renderInTestApp(
    <TestApiProvider apis={[[scorecardsApiRef, client]]}>
      <EntityProvider entity={entityOf(ref)}>{element}</EntityProvider>
    </TestApiProvider>,
  );
}
