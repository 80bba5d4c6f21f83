import React from 'react';
import { fireEvent, screen, within } from '@testing-library/react';
import { EntityScorecardsContent } from './EntityScorecardsContent';
import { expectedScores, liveClient, renderForEntity } from '../__testUtils__/liveScorecards';

const expected = expectedScores();
const withExemption = Object.values(expected).find(e => e.checks.some(c => c.status === 'exempt'))!;
const SEVERITY = ['critical', 'high', 'medium', 'low'];

async function renderContent(ref: string) {
  const rendered = await renderForEntity(ref, <EntityScorecardsContent />);
  await screen.findByRole('heading', { name: 'Campaigns' });
  return rendered;
}

describe('EntityScorecardsContent against a live scorecards serve', () => {
  it('shows an exempt check with the reason and the expiry date of its exemption', async () => {
    const exempt = withExemption.checks.find(c => c.status === 'exempt')!;
    const [, expires, reason] = /^exempt until (\S+): (.*)$/.exec(exempt.message!)!;
    await renderContent(withExemption.entity);
    const lists = screen.getAllByRole('list', { name: /: exempt checks$/ });
    const text = lists.map(l => l.textContent).join('\n');
    expect(text).toContain(`Exempt until ${expires}: ${reason}`);
    expect(lists[0].querySelector('time')?.getAttribute('dateTime')).toBe(expires);
  });

  it('lists failing checks first, the most severe first, each with how to fix it', async () => {
    const ref = 'component:default/notification-service';
    const scores = await liveClient().getEntityScores(ref);
    await renderContent(ref);
    const sections = screen.getAllByRole('region');
    const failingLists = screen.getAllByRole('list', { name: /: failing checks$/ });
    expect(failingLists.length).toBeGreaterThan(0);
    for (const list of failingLists) {
      const section = sections.find(s => s.contains(list))!;
      const firstList = within(section).getAllByRole('list')[0];
      expect(firstList).toBe(list);
      const severities = within(list)
        .getAllByRole('listitem')
        .map(item => {
          const name = item.getAttribute('aria-label')!.replace(/: \w+$/, '');
          return scores!.checks.find(c => (c.name ?? c.id) === name)!.severity!;
        });
      const ranks = severities.map(s => SEVERITY.indexOf(s));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    }
    expect(screen.getAllByText('How to fix:').length).toBeGreaterThan(0);
  });

  it('hides skipped checks until the toggle is pressed', async () => {
    const ref = withExemption.entity;
    const skipped = withExemption.checks.filter(c => c.status === 'skip').length;
    expect(skipped).toBeGreaterThan(0);
    await renderContent(ref);
    expect(screen.queryAllByRole('list', { name: /: skipped checks$/ })).toHaveLength(0);
    const toggle = screen.getByRole('button', { name: `Show skipped checks (${skipped})` });
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(toggle);
    expect(screen.getAllByRole('list', { name: /: skipped checks$/ }).length).toBeGreaterThan(0);
    expect(screen.getByRole('button', { name: /^Hide skipped checks/ }).getAttribute('aria-pressed')).toBe('true');
  });

  it('lists the campaigns the entity is in with their deadlines', async () => {
    const ref = 'component:default/notification-service';
    const campaigns = await liveClient().getEntityCampaigns(ref);
    expect(campaigns.length).toBeGreaterThan(0);
    await renderContent(ref);
    const list = screen.getByRole('list', { name: 'Campaigns' });
    for (const campaign of campaigns) {
      const item = within(list).getByText(campaign.name).closest('li')!;
      expect(item.querySelector('time')?.getAttribute('dateTime')).toBe(campaign.deadline);
    }
  });

  it('draws one history chart per scorecard', async () => {
    const ref = 'component:default/notification-service';
    await renderContent(ref);
    const charts = screen.getAllByRole('img', { name: /score history|one score so far/ });
    expect(charts).toHaveLength(expected[ref].scorecards.length);
  });
});
