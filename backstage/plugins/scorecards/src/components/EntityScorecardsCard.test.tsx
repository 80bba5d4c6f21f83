import net from 'net';
import React from 'react';
import { screen, within } from '@testing-library/react';
import { EntityScorecardsCard } from './EntityScorecardsCard';
import { expectedScores, liveClient, renderForEntity } from '../__testUtils__/liveScorecards';

const expected = expectedScores();
const scored = Object.values(expected).filter(e => e.scorecards.length > 0);
const unselected = Object.values(expected).filter(e => e.scorecards.length === 0);

async function scorecardNames(): Promise<Map<string, string>> {
  const definitions = await liveClient().getScorecards();
  return new Map(definitions.map(d => [d.id, d.name]));
}

describe('EntityScorecardsCard against a live scorecards serve', () => {
  it('covers an entity with an exemption and one that no scorecard selects', () => {
    expect(scored.some(e => e.checks.some(c => c.status === 'exempt'))).toBe(true);
    expect(unselected).toHaveLength(1);
  });

  it.each(scored.map(e => [e.entity, e] as const))(
    'shows for %s each scorecard with the score and level `scorecards score` computes',
    async (ref, cli) => {
      const names = await scorecardNames();
      await renderForEntity(ref, <EntityScorecardsCard />);
      const list = await screen.findByRole('list', { name: 'Scorecards' });
      const rows = within(list).getAllByRole('group');
      expect(rows).toHaveLength(cli.scorecards.length);
      for (const card of cli.scorecards) {
        const row = within(list).getByRole('group', { name: names.get(card.scorecard) });
        const score = within(row).getByLabelText(/^(Score|No score)/);
        if (card.score === null) {
          expect(score.textContent).toBe('–');
        } else {
          expect(Number(score.textContent)).toBe(card.score);
          expect(score.getAttribute('aria-label')).toBe(`Score ${score.textContent} of 100`);
        }
        const level = within(row).getByLabelText(/^(Level |No level)/);
        expect(level.textContent).toBe(card.level ?? 'No level');
        expect(within(row).getByRole('img').getAttribute('aria-label')).toMatch(
          new RegExp(`^${names.get(card.scorecard)}`),
        );
      }
    },
  );

  it('says what blocks the next level, naming the checks', async () => {
    const cli = scored.find(e => e.entity === 'component:default/notification-service');
    expect(cli).toBeDefined();
    await renderForEntity(cli!.entity, <EntityScorecardsCard />);
    await screen.findByRole('list', { name: 'Scorecards' });
    expect(screen.getAllByText(/^To reach \w+: /).length).toBeGreaterThan(0);
  });

  it('says no scorecard applies to an entity no scorecard selects', async () => {
    await renderForEntity(unselected[0].entity, <EntityScorecardsCard />);
    expect(await screen.findByText('No scorecard applies to this entity.')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Scorecards' })).toBeNull();
  });

  it('says an entity the server does not know has not been scored, and how to score it', async () => {
    await renderForEntity('component:default/not-in-the-catalog', <EntityScorecardsCard />);
    expect(await screen.findByText(/has not been scored yet/)).toBeTruthy();
    expect(screen.getByText('scorecards run')).toBeTruthy();
  });

  it('tells how to fix the token when the server answers 401', async () => {
    await renderForEntity(scored[0].entity, <EntityScorecardsCard />, liveClient({ token: null }));
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Not allowed to read scorecards')).toBeTruthy();
    expect(alert.textContent).toContain('SCORECARDS_API_TOKENS');
    expect(alert.textContent).toContain('(401)');
  });

  it('says it is loading while the server has not answered', async () => {
    // A server that takes connections and never answers them.
    const sockets: net.Socket[] = [];
    const silent = net.createServer(socket => sockets.push(socket));
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      await renderForEntity(
        scored[0].entity,
        <EntityScorecardsCard />,
        liveClient({ url: `http://127.0.0.1:${port}` }),
      );
      expect(screen.getByRole('status').textContent).toContain('Loading scorecards');
      expect(screen.getByRole('progressbar', { name: 'Loading scorecards' })).toBeTruthy();
    } finally {
      sockets.forEach(socket => socket.destroy());
      silent.close();
    }
  });

  it('tells to start the server when it cannot be reached', async () => {
    const down = liveClient({ url: process.env.SCORECARDS_TEST_DOWN_URL ?? 'http://127.0.0.1:9' });
    await renderForEntity(scored[0].entity, <EntityScorecardsCard />, down);
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Scorecards server unreachable')).toBeTruthy();
    expect(alert.textContent).toContain('scorecards serve');
  });
});
