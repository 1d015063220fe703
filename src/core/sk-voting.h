/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-rules.h"
#include "sk-tier.h"

G_BEGIN_DECLS

/**
 * SkVote:
 * @tier: her tier when she voted (only Inner Circle may veto)
 * @weight: the weight fixed at voting time (sk_voting_weight() then; the
 *   `proposal_votes.weight` column)
 * @yes: yes or no
 * @veto: an Inner Circle veto; a veto is a "no" (a veto with @yes set is counted as "no")
 */
typedef struct
{
  SkTier   tier;
  guint    weight;
  gboolean yes;
  gboolean veto;
} SkVote;

/**
 * SkTally:
 * @n_yes: "yes" votes counted
 * @n_no: "no" votes counted (vetoes included)
 * @n_ignored: votes of members without a tier or with weight 0
 * @weighted_yes: sum of the yes weights
 * @weighted_no: sum of the no weights
 * @score: @weighted_yes − @weighted_no
 * @approval_bp: @weighted_yes / (@weighted_yes + @weighted_no) in bp, half up; 0 without votes
 * @vetoed: an Inner Circle member vetoed it
 */
typedef struct
{
  guint    n_yes;
  guint    n_no;
  guint    n_ignored;
  guint64  weighted_yes;
  guint64  weighted_no;
  gint64   score;
  guint    approval_bp;
  gboolean vetoed;
} SkTally;

/**
 * SkProposalRank:
 * @id: (not nullable): the proposal id (a uuid in the database), borrowed
 * @created_at: unix microseconds
 * @tally: its tally
 *
 * One proposal as the monthly selection sees it.
 */
typedef struct
{
  const char *id;
  gint64      created_at;
  SkTally     tally;
} SkProposalRank;

guint    sk_voting_weight       (const SkRules        *rules,
                                 SkTier                tier);
gboolean sk_voting_can_vote     (SkTier                tier);
gboolean sk_voting_can_propose  (SkTier                tier);
gboolean sk_voting_can_veto     (SkTier                tier);
void     sk_voting_tally        (const SkVote         *votes,
                                 gsize                 n_votes,
                                 SkTally              *out);
int      sk_voting_compare      (const SkProposalRank *a,
                                 const SkProposalRank *b);
gsize    sk_voting_select_top   (SkProposalRank       *proposals,
                                 gsize                 n_proposals,
                                 gsize                 limit);

G_END_DECLS
