import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { techInsightsFactRetrieversExtensionPoint } from '@backstage-community/plugin-tech-insights-node';
import { ScorecardsClient, readScorecardsConfig } from '@scorecards/backstage-plugin-scorecards-node';
import { createScorecardsFactRetriever } from './ScorecardsFactRetriever';

/** The key of the retriever's schedule in app-config: `techInsights.factRetrievers.scorecardsFactRetriever`. */
export const SCORECARDS_FACT_RETRIEVER_KEY = 'scorecardsFactRetriever';

/**
 * The Tech Insights module: `backend.add(import('@scorecards/backstage-plugin-tech-insights-backend-module-scorecards'))`,
 * the `scorecards` section of app-config, and a schedule under
 * `techInsights.factRetrievers.scorecardsFactRetriever` (`cadence`, optional `lifecycle`).
 */
export const techInsightsModuleScorecards = createBackendModule({
  pluginId: 'tech-insights',
  moduleId: 'scorecards',
  register(reg) {
    reg.registerInit({
      deps: {
        retrievers: techInsightsFactRetrieversExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ retrievers, config, logger }) {
        if (!config.has(`techInsights.factRetrievers.${SCORECARDS_FACT_RETRIEVER_KEY}`)) {
          logger.warn(
            `scorecards: no techInsights.factRetrievers.${SCORECARDS_FACT_RETRIEVER_KEY}.cadence in app-config, ` +
              "so Tech Insights will not schedule the scorecards facts — e.g. cadence: '*/15 * * * *'",
          );
        }
        const client = new ScorecardsClient(readScorecardsConfig(config));
        retrievers.addFactRetrievers({
          [SCORECARDS_FACT_RETRIEVER_KEY]: await createScorecardsFactRetriever({ client, logger }),
        });
      },
    });
  },
});
