import plugin from './alpha';

describe('the plugin for the new frontend system', () => {
  it('is the scorecards plugin', () => {
    expect(plugin.$$type).toBe('@backstage/FrontendPlugin');
    expect(plugin.pluginId).toBe('scorecards');
  });

  it.each([
    'api:scorecards',
    'entity-card:scorecards/overview',
    'entity-content:scorecards/entity',
    'catalog-filter:scorecards/level',
  ])('provides the extension %s', id => {
    expect(plugin.getExtension(id as never)).toBeDefined();
  });
});
