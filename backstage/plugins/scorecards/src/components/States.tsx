import React from 'react';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { ScorecardsRequestError } from '../api/ScorecardsClient';

export function LoadingState() {
  return (
    <Box role="status" aria-live="polite" py={2}>
      <Typography variant="body2" color="textSecondary" gutterBottom>
        Loading scorecards…
      </Typography>
      <LinearProgress aria-label="Loading scorecards" />
    </Box>
  );
}

export function NoScorecardState({ entityRef }: { entityRef: string }) {
  return (
    <Box role="status" py={1}>
      <Typography variant="body1" gutterBottom>
        No scorecard applies to this entity.
      </Typography>
      <Typography variant="body2" color="textSecondary">
        Scorecards choose their entities with <code>applies</code> (for example by kind or
        lifecycle). To score {entityRef}, widen a scorecard&apos;s <code>applies</code> in the
        definitions, or ask the platform team which scorecard fits it.
      </Typography>
    </Box>
  );
}

export function NotScoredState({ entityRef }: { entityRef: string }) {
  return (
    <Box role="status" py={1}>
      <Typography variant="body1" gutterBottom>
        {entityRef} has not been scored yet.
      </Typography>
      <Typography variant="body2" color="textSecondary">
        Scores appear after the next run: <code>scorecards run</code> (or{' '}
        <code>POST /api/v1/runs</code>). A new entity is scored once the catalog is read again.
      </Typography>
    </Box>
  );
}

/** The advice for a failed read: what is wrong and what the reader can do about it. */
export function ErrorState({ error }: { error: Error }) {
  const kind = error instanceof ScorecardsRequestError ? error.kind : 'server';
  const advice = {
    unreachable:
      'The scorecards server cannot be reached. Check that `scorecards serve` is running and ' +
      "that app-config's proxy.endpoints['/scorecards'].target points at it.",
    unauthorized:
      'The scorecards server refused the token. Set the Authorization header of ' +
      "proxy.endpoints['/scorecards'] in app-config to a token from the server's " +
      'SCORECARDS_API_TOKENS, and sign in to Backstage again.',
    server: 'The scorecards server could not answer. Its log says why; try again in a minute.',
  }[kind];
  const title = {
    unreachable: 'Scorecards server unreachable',
    unauthorized: 'Not allowed to read scorecards',
    server: 'Scorecards could not be loaded',
  }[kind];
  return (
    <Alert severity="error" role="alert">
      <Typography variant="subtitle2" component="p">
        {title}
      </Typography>
      <Typography variant="body2">{advice}</Typography>
      <Typography variant="caption" component="p">
        {error.message}
      </Typography>
    </Alert>
  );
}
