import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { ScorecardsClient, readScorecardsConfig } from '@scorecards/backstage-plugin-scorecards-node';
import { CachedResults } from './CachedResults';
import { ScorecardsEntityProcessor } from './ScorecardsEntityProcessor';

/**
 * The catalog module: `backend.add(import('@scorecards/backstage-plugin-catalog-backend-module-scorecards'))`
 * and the `scorecards` section of app-config (`baseUrl`, `token`, `refreshSeconds`).
 */
export const catalogModuleScorecards = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'scorecards',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ catalog, config, logger }) {
        const settings = readScorecardsConfig(config);
        const results = new CachedResults(new ScorecardsClient(settings), logger, settings.refreshSeconds);
        catalog.addProcessor(new ScorecardsEntityProcessor(results, logger));
      },
    });
  },
});
