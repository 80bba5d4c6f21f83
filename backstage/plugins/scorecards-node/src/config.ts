import type { Config } from '@backstage/config';

/** The `scorecards` section of app-config, checked. */
export interface ScorecardsConfig {
  baseUrl: string;
  token?: string;
  refreshSeconds: number;
  timeoutSeconds: number;
}

const DEFAULT_REFRESH_SECONDS = 60;
const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * Reads and checks the `scorecards` section of app-config; a bad value throws an
 * error naming the key, what is wrong and an example, so Backstage stops at start-up
 * rather than scoring nothing later.
 */
export function readScorecardsConfig(config: Config): ScorecardsConfig {
  const section = config.getOptionalConfig('scorecards');
  if (!section) {
    throw new Error(
      "app-config: the 'scorecards' section is missing — add scorecards: { baseUrl: http://127.0.0.1:8321, token: ${SCORECARDS_API_TOKEN} }",
    );
  }
  const baseUrl = section.getString('baseUrl');
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new Error(
      `app-config: scorecards.baseUrl '${baseUrl}' is not a URL — e.g. http://127.0.0.1:8321`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(
      `app-config: scorecards.baseUrl '${baseUrl}' must be http or https — e.g. http://127.0.0.1:8321`,
    );
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    token: section.getOptionalString('token') || undefined,
    refreshSeconds: positive(section, 'refreshSeconds', DEFAULT_REFRESH_SECONDS),
    timeoutSeconds: positive(section, 'timeoutSeconds', DEFAULT_TIMEOUT_SECONDS),
  };
}

function positive(section: Config, key: string, fallback: number): number {
  const value = section.getOptionalNumber(key) ?? fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(
      `app-config: scorecards.${key} must be a positive number of seconds, got ${value} — e.g. ${fallback}`,
    );
  }
  return value;
}
