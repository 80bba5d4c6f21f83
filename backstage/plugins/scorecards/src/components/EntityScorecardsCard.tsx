import React from 'react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { InfoCard } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import type { CheckResult, HistoryPoint, ScorecardResult } from '../api/types';
import { LevelBadge, ScoreHistoryLine, ScoreValue, formatScore, scorePoints } from './ScoreParts';
import { ErrorState, LoadingState, NoScorecardState, NotScoredState } from './States';
import { useScorecards } from './useScorecards';

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', margin: 0, padding: 0 },
  row: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) auto',
    gap: theme.spacing(0.5, 2),
    alignItems: 'center',
    padding: theme.spacing(1.5, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
    '&:last-child': { borderBottom: 'none' },
  },
  heading: {
    display: 'flex',
    alignItems: 'baseline',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
    minWidth: 0,
  },
  name: { overflowWrap: 'anywhere' },
  blockers: { gridColumn: '1 / -1', overflowWrap: 'anywhere' },
}));

export interface EntityScorecardsCardProps {
  title?: string;
}

/** The entity's scorecards at a glance: score, level, what blocks the next level, and the trend. */
export function EntityScorecardsCard({ title = 'Scorecards' }: EntityScorecardsCardProps) {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const loaded = useScorecards(entityRef, async api => {
    const [scores, history] = await Promise.all([
      api.getEntityScores(entityRef),
      api.getEntityHistory(entityRef),
    ]);
    return { scores, history };
  });
  return (
    <InfoCard title={title}>
      {loaded.state === 'loading' && <LoadingState />}
      {loaded.state === 'error' && <ErrorState error={loaded.error} />}
      {loaded.state === 'ready' && loaded.value.scores === null && (
        <NotScoredState entityRef={entityRef} />
      )}
      {loaded.state === 'ready' && loaded.value.scores?.scorecards.length === 0 && (
        <NoScorecardState entityRef={entityRef} />
      )}
      {loaded.state === 'ready' && loaded.value.scores && loaded.value.scores.scorecards.length > 0 && (
        <ScorecardRows
          scorecards={loaded.value.scores.scorecards}
          checks={loaded.value.scores.checks}
          history={loaded.value.history}
        />
      )}
    </InfoCard>
  );
}

function ScorecardRows({
  scorecards,
  checks,
  history,
}: {
  scorecards: ScorecardResult[];
  checks: CheckResult[];
  history: HistoryPoint[];
}) {
  const classes = useStyles();
  const names = new Map(checks.map(c => [c.id, c.name ?? c.id]));
  return (
    <ul className={classes.list} aria-label="Scorecards">
      {scorecards.map(card => (
        <li key={card.id} className={classes.row} aria-labelledby={`scorecards-card-${card.id}`} role="group">
          <Box className={classes.heading}>
            <Typography
              id={`scorecards-card-${card.id}`}
              variant="subtitle1"
              component="h3"
              className={classes.name}
            >
              {card.name}
            </Typography>
            <LevelBadge level={card.level} />
          </Box>
          <Box display="flex" alignItems="center" gridGap={12}>
            <ScoreHistoryLine name={card.name} points={scorePoints(history, card.id)} width={96} />
            <ScoreValue score={card.score} />
          </Box>
          <Typography variant="body2" color="textSecondary" className={classes.blockers}>
            {nextLevelText(card, names)}
          </Typography>
        </li>
      ))}
    </ul>
  );
}

/** What the next level needs, in one sentence. */
export function nextLevelText(card: ScorecardResult, names: Map<string, string>): string {
  if (card.error) {
    return `Could not be scored: ${card.error}`;
  }
  const next = card.next_level;
  if (!next) {
    return card.levels.length ? 'Highest level reached.' : 'This scorecard has no levels.';
  }
  const needs: string[] = [];
  if (next.checks_missing.length) {
    needs.push(next.checks_missing.map(id => names.get(id) ?? id).join(', '));
  }
  if (next.score_missing) {
    needs.push(`${formatScore(next.score_missing)} more points (score ${formatScore(next.min_score)})`);
  }
  return needs.length
    ? `To reach ${next.name}: ${needs.join('; ')}.`
    : `${next.name} is reached at the next run.`;
}
