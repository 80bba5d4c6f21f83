import React, { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Paper from '@material-ui/core/Paper';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { InfoCard } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import type {
  CheckResult,
  EntityCampaign,
  EntityScores,
  HistoryPoint,
  ScorecardDefinition,
  ScorecardResult,
} from '../api/types';
import { CheckList, groupChecks } from './CheckList';
import { nextLevelText } from './EntityScorecardsCard';
import { LevelBadge, ScoreHistoryLine, ScoreValue, scorePoints } from './ScoreParts';
import { ErrorState, LoadingState, NoScorecardState, NotScoredState } from './States';
import { useScorecards } from './useScorecards';

const useStyles = makeStyles(theme => ({
  section: { padding: theme.spacing(2), overflow: 'hidden' },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1, 2),
    marginBottom: theme.spacing(1),
  },
  title: { flex: '1 1 auto', minWidth: 0, overflowWrap: 'anywhere' },
  groupTitle: { marginTop: theme.spacing(2) },
  campaigns: { listStyle: 'none', margin: 0, padding: 0 },
  campaign: {
    padding: theme.spacing(1, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
    '&:last-child': { borderBottom: 'none' },
    overflowWrap: 'anywhere',
  },
}));

interface ContentData {
  scores: EntityScores | null;
  history: HistoryPoint[];
  definitions: ScorecardDefinition[];
  campaigns: EntityCampaign[];
}

/** Every scorecard of the entity with all its checks, the history, and the campaigns it is in. */
export function EntityScorecardsContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const [isShowingSkipped, setShowingSkipped] = useState(false);
  const loaded = useScorecards<ContentData>(entityRef, async api => {
    const [scores, history, definitions, campaigns] = await Promise.all([
      api.getEntityScores(entityRef),
      api.getEntityHistory(entityRef),
      api.getScorecards(),
      api.getEntityCampaigns(entityRef),
    ]);
    return { scores, history, definitions, campaigns };
  });
  if (loaded.state !== 'ready') {
    return (
      <InfoCard title="Scorecards">
        {loaded.state === 'loading' ? <LoadingState /> : <ErrorState error={loaded.error} />}
      </InfoCard>
    );
  }
  const { scores, history, definitions, campaigns } = loaded.value;
  if (scores === null || scores.scorecards.length === 0) {
    return (
      <InfoCard title="Scorecards">
        {scores === null ? (
          <NotScoredState entityRef={entityRef} />
        ) : (
          <NoScorecardState entityRef={entityRef} />
        )}
      </InfoCard>
    );
  }
  const skipped = scores.checks.filter(c => c.status === 'skip').length;
  return (
    <Grid container spacing={3} direction="column">
      <Grid item>
        <Box display="flex" justifyContent="flex-end">
          <Button
            variant="outlined"
            size="small"
            aria-pressed={isShowingSkipped}
            onClick={() => setShowingSkipped(!isShowingSkipped)}
          >
            {isShowingSkipped ? 'Hide' : 'Show'} skipped checks ({skipped})
          </Button>
        </Box>
      </Grid>
      {scores.scorecards.map(card => (
        <Grid item key={card.id}>
          <ScorecardSection
            card={card}
            checks={checksOf(card, definitions, scores.checks)}
            allChecks={scores.checks}
            history={history}
            isShowingSkipped={isShowingSkipped}
          />
        </Grid>
      ))}
      <Grid item>
        <CampaignList campaigns={campaigns} checks={scores.checks} />
      </Grid>
    </Grid>
  );
}

/** The results of a scorecard's own checks, in the order the definitions list them. */
function checksOf(
  card: ScorecardResult,
  definitions: ScorecardDefinition[],
  checks: CheckResult[],
): CheckResult[] {
  const ids = definitions.find(d => d.id === card.id)?.checks.map(c => c.id);
  if (!ids) {
    return checks;
  }
  const byId = new Map(checks.map(c => [c.id, c]));
  return ids.flatMap(id => byId.get(id) ?? []);
}

function ScorecardSection({
  card,
  checks,
  allChecks,
  history,
  isShowingSkipped,
}: {
  card: ScorecardResult;
  checks: CheckResult[];
  allChecks: CheckResult[];
  history: HistoryPoint[];
  isShowingSkipped: boolean;
}) {
  const classes = useStyles();
  const groups = groupChecks(checks);
  const headingId = `scorecards-content-${card.id}`;
  const names = new Map(allChecks.map(c => [c.id, c.name ?? c.id]));
  return (
    <Paper component="section" aria-labelledby={headingId} className={classes.section}>
      <Box className={classes.header}>
        <Typography id={headingId} variant="h5" component="h2" className={classes.title}>
          {card.name}
        </Typography>
        <LevelBadge level={card.level} />
        <ScoreValue score={card.score} variant="h4" />
      </Box>
      <Typography variant="body2" color="textSecondary" gutterBottom>
        {nextLevelText(card, names)}
      </Typography>
      <ScoreHistoryLine
        name={card.name}
        points={scorePoints(history, card.id)}
        width={480}
        height={120}
        withAxis
      />
      {groups.failing.length > 0 && (
        <>
          <Typography variant="h6" component="h3" className={classes.groupTitle}>
            Failing ({groups.failing.length})
          </Typography>
          <CheckList checks={groups.failing} label={`${card.name}: failing checks`} />
        </>
      )}
      {groups.exempt.length > 0 && (
        <>
          <Typography variant="h6" component="h3" className={classes.groupTitle}>
            Exempt ({groups.exempt.length})
          </Typography>
          <CheckList checks={groups.exempt} label={`${card.name}: exempt checks`} />
        </>
      )}
      {groups.passing.length > 0 && (
        <>
          <Typography variant="h6" component="h3" className={classes.groupTitle}>
            Passing ({groups.passing.length})
          </Typography>
          <CheckList checks={groups.passing} label={`${card.name}: passing checks`} />
        </>
      )}
      {isShowingSkipped && groups.skipped.length > 0 && (
        <>
          <Typography variant="h6" component="h3" className={classes.groupTitle}>
            Skipped ({groups.skipped.length})
          </Typography>
          <CheckList checks={groups.skipped} label={`${card.name}: skipped checks`} />
        </>
      )}
    </Paper>
  );
}

function CampaignList({ campaigns, checks }: { campaigns: EntityCampaign[]; checks: CheckResult[] }) {
  const classes = useStyles();
  const names = new Map(checks.map(c => [c.id, c.name ?? c.id]));
  return (
    <Paper component="section" aria-labelledby="scorecards-campaigns" className={classes.section}>
      <Typography id="scorecards-campaigns" variant="h5" component="h2" gutterBottom>
        Campaigns
      </Typography>
      {campaigns.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          This entity is in no campaign.
        </Typography>
      ) : (
        <ul className={classes.campaigns} aria-label="Campaigns">
          {campaigns.map(campaign => (
            <li key={campaign.id} className={classes.campaign}>
              <Typography variant="subtitle1" component="h3">
                {campaign.name}
              </Typography>
              <Typography variant="body2">
                Deadline <time dateTime={campaign.deadline}>{campaign.deadline}</time> (
                {campaign.past_deadline
                  ? `${-campaign.days_left} days overdue`
                  : `${campaign.days_left} days left`}
                ) ·{' '}
                {campaign.progress === 'remaining'
                  ? `still to do: ${campaign.outstanding.map(id => names.get(id) ?? id).join(', ')}`
                  : campaign.progress === 'exempt'
                    ? 'done, with an exemption'
                    : 'done'}
              </Typography>
            </li>
          ))}
        </ul>
      )}
    </Paper>
  );
}
