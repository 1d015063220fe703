/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <stdlib.h>
#include <string.h>

#include "sk-voting.h"

/**
 * sk_voting_weight:
 * @rules: rules (vote.weight.*: 1, 2, 3, 5)
 * @tier: her tier now
 *
 * Returns: her vote weight; 0 without a tier (she cannot vote)
 */
guint
sk_voting_weight (const SkRules *rules,
                  SkTier         tier)
{
  g_return_val_if_fail (rules != NULL, 0);

  switch (tier)
    {
    case SK_TIER_INSIDER:
      return (guint) rules->vote_weight_insider;
    case SK_TIER_VIP:
      return (guint) rules->vote_weight_vip;
    case SK_TIER_ELITE:
      return (guint) rules->vote_weight_elite;
    case SK_TIER_INNER_CIRCLE:
      return (guint) rules->vote_weight_inner_circle;
    case SK_TIER_NONE:
    default:
      return 0;
    }
}

/**
 * sk_voting_can_vote:
 * @tier: her tier
 *
 * Returns: whether she may vote (Insider and above)
 */
gboolean
sk_voting_can_vote (SkTier tier)
{
  return tier >= SK_TIER_INSIDER && tier <= SK_TIER_LAST;
}

/**
 * sk_voting_can_propose:
 * @tier: her tier
 *
 * Returns: whether she may propose an event (VIP and above)
 */
gboolean
sk_voting_can_propose (SkTier tier)
{
  return tier >= SK_TIER_VIP && tier <= SK_TIER_LAST;
}

/**
 * sk_voting_can_veto:
 * @tier: her tier
 *
 * Returns: whether she may veto (Inner Circle only)
 */
gboolean
sk_voting_can_veto (SkTier tier)
{
  return tier == SK_TIER_INNER_CIRCLE;
}

/**
 * sk_voting_tally:
 * @votes: (array length=n_votes): the votes on one proposal
 * @n_votes: how many
 * @out: (out caller-allocates): the tally
 *
 * Score = weighted yes − weighted no; approval = weighted yes / weighted total. Votes of
 * members without a tier or with weight 0 are ignored; a veto from anyone but an Inner
 * Circle member is counted as a plain "no" and does not veto (the database refuses such
 * votes anyway).
 */
void
sk_voting_tally (const SkVote *votes,
                 gsize         n_votes,
                 SkTally      *out)
{
  SkTally t = { 0 };
  guint64 total;

  g_return_if_fail (votes != NULL || n_votes == 0);
  g_return_if_fail (out != NULL);

  for (gsize i = 0; i < n_votes; i++)
    {
      const SkVote *v = &votes[i];
      gboolean yes = v->yes && !v->veto;

      if (!sk_voting_can_vote (v->tier) || v->weight == 0)
        {
          t.n_ignored++;
          continue;
        }

      if (yes)
        {
          t.n_yes++;
          t.weighted_yes += v->weight;
        }
      else
        {
          t.n_no++;
          t.weighted_no += v->weight;
        }

      if (v->veto && sk_voting_can_veto (v->tier))
        t.vetoed = TRUE;
    }

  t.score = (gint64) t.weighted_yes - (gint64) t.weighted_no;
  total = t.weighted_yes + t.weighted_no;
  if (total > 0)
    t.approval_bp = (guint) ((t.weighted_yes * 10000 + total / 2) / total);

  *out = t;
}

/**
 * sk_voting_compare:
 * @a: a proposal
 * @b: another
 *
 * The monthly order: higher score first, then higher approval (compared exactly, not by
 * the rounded bp), then the earlier created, then the smaller id (strcmp), so the order
 * never depends on the input order.
 *
 * Returns: < 0 when @a comes first
 */
int
sk_voting_compare (const SkProposalRank *a,
                   const SkProposalRank *b)
{
  guint64 ta = a->tally.weighted_yes + a->tally.weighted_no;
  guint64 tb = b->tally.weighted_yes + b->tally.weighted_no;

  if (a->tally.score != b->tally.score)
    return a->tally.score > b->tally.score ? -1 : 1;

  /* yes_a / ta > yes_b / tb  <=>  yes_a × tb > yes_b × ta; no votes is 0 / 1. Weight sums
   * stay far below 2^32 (a weight is at most 100 per member), so the products fit; past
   * that, fall back to the rounded approval. */
  ta = MAX (ta, 1);
  tb = MAX (tb, 1);
  if (ta <= G_MAXUINT32 && tb <= G_MAXUINT32)
    {
      guint64 la = a->tally.weighted_yes * tb;
      guint64 lb = b->tally.weighted_yes * ta;

      if (la != lb)
        return la > lb ? -1 : 1;
    }
  else if (a->tally.approval_bp != b->tally.approval_bp)
    return a->tally.approval_bp > b->tally.approval_bp ? -1 : 1;

  if (a->created_at != b->created_at)
    return a->created_at < b->created_at ? -1 : 1;

  return strcmp (a->id, b->id);
}

static int
compare_cb (gconstpointer a,
            gconstpointer b)
{
  return sk_voting_compare (a, b);
}

/**
 * sk_voting_select_top:
 * @proposals: (array length=n_proposals) (inout): the month's proposals; reordered
 * @n_proposals: how many
 * @limit: how many to offer (proposal.monthly_top, 3)
 *
 * Sorts @proposals into the monthly order (sk_voting_compare()), with the proposals that
 * cannot be offered at the end: vetoed ones, and ones members weighed against or not at all
 * (score ≤ 0). The first returned-count entries are the ones to offer to the admins.
 *
 * Returns: how many to offer, at most @limit
 */
gsize
sk_voting_select_top (SkProposalRank *proposals,
                      gsize           n_proposals,
                      gsize           limit)
{
  gsize n_ok = 0;

  g_return_val_if_fail (proposals != NULL || n_proposals == 0, 0);

  /* Move the offerable ones to the front, keeping the rest after them. */
  for (gsize i = 0; i < n_proposals; i++)
    {
      if (!proposals[i].tally.vetoed && proposals[i].tally.score > 0)
        {
          SkProposalRank tmp = proposals[i];

          proposals[i] = proposals[n_ok];
          proposals[n_ok] = tmp;
          n_ok++;
        }
    }

  if (n_ok > 1)
    qsort (proposals, n_ok, sizeof *proposals, compare_cb);
  if (n_proposals - n_ok > 1)
    qsort (proposals + n_ok, n_proposals - n_ok, sizeof *proposals, compare_cb);

  return MIN (n_ok, limit);
}
