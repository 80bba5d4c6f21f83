/**
 * The JSON shapes of the scorecards native API (`/api/v1`), as
 * scorecards/api/native/explanations.py and reports.py write them.
 */

export type CheckStatus = 'pass' | 'fail' | 'exempt' | 'unknown' | 'error' | 'skip';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface NextLevel {
  name: string;
  checks_missing: string[];
  min_score: number | null;
  score_missing: number | null;
}

export interface ScorecardResult {
  id: string;
  name: string;
  /** 0-100; null when no counted check applies */
  score: number | null;
  level: string | null;
  counts: Record<CheckStatus, number>;
  error: string | null;
  levels: string[];
  next_level: NextLevel | null;
}

export interface CheckLink {
  title: string;
  url: string;
}

export interface CheckResult {
  id: string;
  status: CheckStatus;
  message?: string | null;
  name: string | null;
  description?: string | null;
  category?: string | null;
  severity?: Severity | null;
  weight?: number;
  remediation: string | null;
  links: CheckLink[];
  /** Why an exempt check is waived and until when (YYYY-MM-DD); null for other statuses. */
  exemption?: { reason: string; expires: string } | null;
}

export interface EntityScores {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  title: string | null;
  evaluated_at: string | null;
  definitions_changed: boolean;
  scorecards: ScorecardResult[];
  checks: CheckResult[];
}

export interface HistoryPoint {
  evaluated_at: string;
  scorecards: { id: string; score: number | null; level: string | null }[];
}

export interface ScorecardDefinition {
  id: string;
  name: string;
  description: string | null;
  checks: { id: string; weight: number }[];
  levels: { name: string; checks: string[]; min_score: number | null }[];
}

export interface CampaignSummary {
  id: string;
  name: string;
  description: string | null;
  checks: string[];
  deadline: string;
  past_deadline: boolean;
  days_left: number;
}

export interface CampaignEntity {
  entity: string;
  team: string;
  progress: 'done' | 'exempt' | 'remaining';
  outstanding: string[];
}

export interface CampaignReport extends CampaignSummary {
  entities: CampaignEntity[];
}

/** A campaign the entity is in, with where it stands. */
export interface EntityCampaign extends CampaignSummary {
  progress: CampaignEntity['progress'];
  outstanding: string[];
}
