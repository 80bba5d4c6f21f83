import React from 'react';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { HistoryPoint } from '../api/types';

/** A score as the API gives it (up to two decimals), or a dash when nothing is counted. */
export function formatScore(score: number | null): string {
  return score === null ? '–' : String(Math.round(score * 100) / 100);
}

const useStyles = makeStyles(theme => ({
  badge: {
    display: 'inline-block',
    padding: theme.spacing(0.25, 1),
    borderRadius: theme.shape.borderRadius * 3,
    fontSize: theme.typography.pxToRem(12),
    fontWeight: 600,
    lineHeight: 1.6,
    whiteSpace: 'nowrap',
    border: `1px solid ${theme.palette.divider}`,
  },
  reached: {
    // Text and background from the theme's primary pair, which Backstage keeps readable in light and dark.
    color: theme.palette.primary.contrastText,
    backgroundColor: theme.palette.primary.main,
    borderColor: theme.palette.primary.main,
  },
  none: {
    color: theme.palette.text.primary,
    backgroundColor: theme.palette.background.default,
  },
  score: {
    fontVariantNumeric: 'tabular-nums',
    fontWeight: 700,
  },
  line: {
    stroke: theme.palette.primary.main,
    fill: 'none',
    strokeWidth: 2,
  },
  dot: { fill: theme.palette.primary.main },
  grid: { stroke: theme.palette.divider, strokeWidth: 1 },
  axis: { fill: theme.palette.text.secondary, fontSize: 10 },
}));

export function LevelBadge({ level }: { level: string | null }) {
  const classes = useStyles();
  return (
    <span
      className={`${classes.badge} ${level ? classes.reached : classes.none}`}
      aria-label={level ? `Level ${level}` : 'No level reached'}
    >
      {level ?? 'No level'}
    </span>
  );
}

export function ScoreValue({ score, variant = 'h5' }: { score: number | null; variant?: 'h5' | 'h4' }) {
  const classes = useStyles();
  const text = formatScore(score);
  return (
    <Typography
      component="span"
      variant={variant}
      className={classes.score}
      aria-label={score === null ? 'No score: no counted check applies' : `Score ${text} of 100`}
    >
      {text}
    </Typography>
  );
}

export interface ScorePoint {
  at: Date;
  score: number;
}

/** The points of one scorecard, oldest first, leaving out runs where it had no score. */
export function scorePoints(history: HistoryPoint[], scorecardId: string): ScorePoint[] {
  const points: ScorePoint[] = [];
  for (const point of history) {
    const card = point.scorecards.find(c => c.id === scorecardId);
    if (card && card.score !== null) {
      points.push({ at: new Date(point.evaluated_at), score: card.score });
    }
  }
  return points;
}

function describeHistory(name: string, points: ScorePoint[]): string {
  if (points.length === 0) {
    return `${name}: no score history yet`;
  }
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length === 1) {
    return `${name}: one score so far, ${formatScore(last.score)}`;
  }
  return (
    `${name} score history: ${points.length} changes, from ${formatScore(first.score)} on ` +
    `${first.at.toISOString().slice(0, 10)} to ${formatScore(last.score)} on ${last.at
      .toISOString()
      .slice(0, 10)}`
  );
}

/**
 * Scores over time as a line, 0 at the bottom and 100 at the top. Evenly spaced
 * per change: history records changes, so the time between them says little.
 */
export function ScoreHistoryLine({
  name,
  points,
  width = 120,
  height = 28,
  withAxis = false,
}: {
  name: string;
  points: ScorePoint[];
  width?: number;
  height?: number;
  withAxis?: boolean;
}) {
  const classes = useStyles();
  const left = withAxis ? 28 : 2;
  const top = withAxis ? 8 : 2; // room for the top tick's label
  const bottom = withAxis ? 16 : 2;
  const plotWidth = width - left - 4;
  const plotHeight = height - top - bottom;
  const x = (i: number) =>
    left + (points.length <= 1 ? plotWidth : (i / (points.length - 1)) * plotWidth);
  const y = (score: number) => top + plotHeight - (score / 100) * plotHeight;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.score).toFixed(1)}`);
  return (
    <svg
      role="img"
      aria-label={describeHistory(name, points)}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      style={{ display: 'block', maxWidth: '100%' }}
    >
      {withAxis &&
        [0, 50, 100].map(tick => (
          <g key={tick}>
            <line className={classes.grid} x1={left} x2={width - 4} y1={y(tick)} y2={y(tick)} />
            <text className={classes.axis} x={left - 4} y={y(tick) + 3} textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
      {withAxis && points.length > 0 && (
        <>
          <text className={classes.axis} x={left} y={height - 3}>
            {points[0].at.toISOString().slice(0, 10)}
          </text>
          {points.length > 1 && (
            <text className={classes.axis} x={width - 4} y={height - 3} textAnchor="end">
              {points[points.length - 1].at.toISOString().slice(0, 10)}
            </text>
          )}
        </>
      )}
      {points.length > 1 && <path className={classes.line} d={path.join(' ')} />}
      {points.map((p, i) => (
        <circle key={p.at.toISOString()} className={classes.dot} cx={x(i)} cy={y(p.score)} r={withAxis ? 3 : 2}>
          <title>{`${p.at.toISOString().slice(0, 10)}: ${formatScore(p.score)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
