import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EntityResults, ScorecardsClient } from '@scorecards/backstage-plugin-scorecards-node';

/**
 * Every entity's latest results, read in bulk at most once per `refreshSeconds`.
 *
 * Catalog processing must never wait on or fail because of scorecards: only the very
 * first read is awaited (bounded by the request timeout) so a restarted Backstage does
 * not strip the labels for one processing round; after that, reads happen in the
 * background and lookups answer from the last good read. An outage is logged once
 * when it starts and once when it ends, not per entity.
 */
export class CachedResults {
  private results = new Map<string, EntityResults>();
  private firstRead: Promise<void> | undefined;
  private reading: Promise<void> | undefined;
  private lastAttempt = 0;
  private isDown = false;

  constructor(
    private readonly client: ScorecardsClient,
    private readonly logger: LoggerService,
    private readonly refreshSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The latest results of `ref` (lower-case `kind:namespace/name`), if scorecards scored it. */
  async get(ref: string): Promise<EntityResults | undefined> {
    if (!this.firstRead) {
      this.firstRead = this.refresh();
    }
    await this.firstRead;
    if (!this.reading && this.now() - this.lastAttempt >= this.refreshSeconds * 1000) {
      this.reading = this.refresh().finally(() => {
        this.reading = undefined;
      });
    }
    return this.results.get(ref);
  }

  private async refresh(): Promise<void> {
    this.lastAttempt = this.now();
    try {
      const listed = await this.client.listEntityResults();
      this.results = new Map(listed.map(item => [item.ref.toLowerCase(), item]));
      if (this.isDown) {
        this.logger.info(
          `scorecards at ${this.client.baseUrl} answers again: results of ${this.results.size} entities`,
        );
      }
      this.isDown = false;
    } catch (error) {
      if (!this.isDown) {
        this.logger.warn(
          `scorecards at ${this.client.baseUrl} cannot be read, so entities keep their last known ` +
            `scorecards labels (${this.results.size} entities) until it answers; retrying every ` +
            `${this.refreshSeconds}s: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      this.isDown = true;
    }
  }
}
