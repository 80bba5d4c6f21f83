export interface Config {
  /** Where the scorecards server is, for the scorecards Backstage backend modules. */
  scorecards?: {
    /** The scorecards server, e.g. http://127.0.0.1:8321 */
    baseUrl: string;
    /**
     * A token from the server's SCORECARDS_API_TOKENS, sent as a bearer token
     * (needed when the server sets SCORECARDS_API_READ_REQUIRES_TOKEN).
     * @visibility secret
     */
    token?: string;
    /** Seconds between two bulk reads of the results at most (default 60). */
    refreshSeconds?: number;
    /** Seconds one request to the server may take (default 10). */
    timeoutSeconds?: number;
  };
}
