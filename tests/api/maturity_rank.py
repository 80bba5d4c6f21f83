"""The stock Tech Insights maturity plugin's rank, reimplemented to compare with our levels.

A faithful port of `ScoringDataFormatter.calculateRank` and `calculateMaxRank` in
backstage/community-plugins, workspaces/tech-insights/plugins/tech-insights-maturity/
src/api/ScoringDataFormatter.ts, with the `Rank` enum of
plugins/tech-insights-maturity-common/src/types.ts (Stone 0, Bronze 1, Silver 2, Gold 3).
`MaturityClient.getMaturityRank` feeds it the results of `runChecks(entity)` (every
check, no ids) for a Component, of `runBulkChecks` on the entity itself for an API or
a Resource, and the concatenated results of the related Components for a System,
Domain or Group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

RANK_NAMES = ("Stone", "Bronze", "Silver", "Gold")


def max_rank(results: Sequence[Mapping[str, Any]]) -> int:
    """calculateMaxRank: the highest `check.metadata.rank` among the results, at least Stone."""
    rank = 0
    for result in results:
        if result["check"]["metadata"]["rank"] > rank:
            rank = result["check"]["metadata"]["rank"]
    return rank


def maturity_rank(results: Sequence[Mapping[str, Any]]) -> tuple[int, bool]:
    """calculateRank: (rank, isMaxRank). Starts at the max rank and, in the results'
    order, drops to one below each failing check whose rank is not above the rank so far."""
    top = max_rank(results)
    rank = top
    for result in results:
        check_rank = result["check"]["metadata"]["rank"]
        # JavaScript's `!checkResult.result`: false, null, 0 and "" all count as failing.
        if not result["result"] and check_rank <= rank:
            rank = check_rank - 1
    return rank, rank == top
