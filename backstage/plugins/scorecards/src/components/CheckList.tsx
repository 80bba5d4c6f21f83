import React from 'react';
import Box from '@material-ui/core/Box';
import Link from '@material-ui/core/Link';
import Typography from '@material-ui/core/Typography';
import { darken, getContrastRatio, lighten, makeStyles, Theme } from '@material-ui/core/styles';
import type { PaletteColor } from '@material-ui/core/styles/createPalette';
import type { CheckResult, CheckStatus, Severity } from '../api/types';

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const FAILING: ReadonlySet<CheckStatus> = new Set(['fail', 'error', 'unknown']);

export interface CheckGroups {
  failing: CheckResult[];
  exempt: CheckResult[];
  passing: CheckResult[];
  skipped: CheckResult[];
}

/** Failing checks first, most severe first; then exempt, passing and skipped ones. */
export function groupChecks(checks: CheckResult[]): CheckGroups {
  const bySeverity = (a: CheckResult, b: CheckResult) =>
    (SEVERITY_ORDER[a.severity ?? 'low'] ?? 4) - (SEVERITY_ORDER[b.severity ?? 'low'] ?? 4) ||
    (b.weight ?? 0) - (a.weight ?? 0) ||
    a.id.localeCompare(b.id);
  return {
    failing: checks.filter(c => FAILING.has(c.status)).sort(bySeverity),
    exempt: checks.filter(c => c.status === 'exempt').sort(bySeverity),
    passing: checks.filter(c => c.status === 'pass').sort(bySeverity),
    skipped: checks.filter(c => c.status === 'skip').sort(bySeverity),
  };
}

/**
 * An exempt check's reason and expiry: from the API's `exemption`, or, from a server
 * older than that field, from the message the engine writes (`exempt until <date>: <reason>`).
 */
export function exemption(check: CheckResult): { expires: string; reason: string } | null {
  if (check.exemption) {
    return check.exemption;
  }
  const match = /^exempt until (\d{4}-\d{2}-\d{2}): (.*)$/s.exec(check.message ?? '');
  return match ? { expires: match[1], reason: match[2] } : null;
}

const STATUS_TEXT: Record<CheckStatus, string> = {
  pass: 'Pass',
  fail: 'Fail',
  error: 'Error',
  unknown: 'Unknown',
  exempt: 'Exempt',
  skip: 'Skipped',
};

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', margin: 0, padding: 0 },
  item: {
    display: 'grid',
    gridTemplateColumns: '5.5rem minmax(0, 1fr)',
    gap: theme.spacing(0, 2),
    padding: theme.spacing(1.25, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
    '&:last-child': { borderBottom: 'none' },
  },
  status: {
    alignSelf: 'start',
    textAlign: 'center',
    fontSize: theme.typography.pxToRem(12),
    fontWeight: 700,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(0.25, 0.5),
    border: '1px solid currentColor',
  },
  // The `main` shades are too light for text on white and too dark on the dark theme's grey.
  pass: { color: readable(theme, theme.palette.success) },
  fail: { color: readable(theme, theme.palette.error) },
  error: { color: readable(theme, theme.palette.error) },
  unknown: { color: readable(theme, theme.palette.warning) },
  exempt: { color: readable(theme, theme.palette.info) },
  skip: { color: theme.palette.text.secondary },
  body: { minWidth: 0, overflowWrap: 'anywhere' },
  meta: { color: theme.palette.text.secondary },
}));

export function CheckList({ checks, label }: { checks: CheckResult[]; label: string }) {
  const classes = useStyles();
  if (checks.length === 0) {
    return null;
  }
  return (
    <ul className={classes.list} aria-label={label}>
      {checks.map(check => (
        <CheckItem key={check.id} check={check} />
      ))}
    </ul>
  );
}

function CheckItem({ check }: { check: CheckResult }) {
  const classes = useStyles();
  const waived = check.status === 'exempt' ? exemption(check) : null;
  const isFailing = FAILING.has(check.status);
  return (
    <li className={classes.item} aria-label={`${check.name ?? check.id}: ${STATUS_TEXT[check.status]}`}>
      <span className={`${classes.status} ${classes[check.status]}`}>{STATUS_TEXT[check.status]}</span>
      <Box className={classes.body}>
        <Typography variant="subtitle2" component="h4">
          {check.name ?? check.id}
        </Typography>
        <Typography variant="caption" component="p" className={classes.meta}>
          {[check.id, check.severity, check.category].filter(Boolean).join(' · ')}
        </Typography>
        {waived ? (
          <Typography variant="body2">
            Exempt until <time dateTime={waived.expires}>{waived.expires}</time>: {waived.reason}
          </Typography>
        ) : (
          check.message && <Typography variant="body2">{check.message}</Typography>
        )}
        {isFailing && check.remediation && (
          <Typography variant="body2" component="p">
            <strong>How to fix: </strong>
            {check.remediation}
          </Typography>
        )}
        {isFailing && check.links.length > 0 && (
          <Typography variant="body2" component="p">
            {check.links.map((link, i) => (
              <React.Fragment key={link.url}>
                {i > 0 && ' · '}
                <Link href={link.url} target="_blank" rel="noopener noreferrer">
                  {link.title}
                </Link>
              </React.Fragment>
            ))}
          </Typography>
        )}
      </Box>
    </li>
  );
}

/** The palette colour, darkened on light paper (lightened on dark) until its text reads at 4.5:1 (WCAG AA). */
function readable(theme: Theme, color: PaletteColor): string {
  const isDark = theme.palette.type === 'dark';
  let shade = isDark ? color.light : color.dark;
  for (let step = 0; step < 10; step++) {
    if (getContrastRatio(shade, theme.palette.background.paper) >= 4.5) {
      break;
    }
    shade = isDark ? lighten(shade, 0.15) : darken(shade, 0.15);
  }
  return shade;
}
