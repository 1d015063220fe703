/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

static void
test_weights (void)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();
  static const struct { SkTier tier; guint weight; gboolean vote, propose, veto; } cases[] = {
    { SK_TIER_NONE,         0, FALSE, FALSE, FALSE },
    { SK_TIER_INSIDER,      1, TRUE,  FALSE, FALSE },
    { SK_TIER_VIP,          2, TRUE,  TRUE,  FALSE },
    { SK_TIER_ELITE,        3, TRUE,  TRUE,  FALSE },
    { SK_TIER_INNER_CIRCLE, 5, TRUE,  TRUE,  TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpuint (sk_voting_weight (rules, cases[i].tier), ==, cases[i].weight);
      g_assert_cmpint (sk_voting_can_vote (cases[i].tier), ==, cases[i].vote);
      g_assert_cmpint (sk_voting_can_propose (cases[i].tier), ==, cases[i].propose);
      g_assert_cmpint (sk_voting_can_veto (cases[i].tier), ==, cases[i].veto);
    }

  rules->vote_weight_vip = 4;
  g_assert_cmpuint (sk_voting_weight (rules, SK_TIER_VIP), ==, 4);
}

#define V(tier, w, yes, veto) { SK_TIER_##tier, w, yes, veto }

static const SkVote votes_mixed[] = {
  V (INSIDER, 1, TRUE, FALSE),
  V (INSIDER, 1, TRUE, FALSE),
  V (VIP,     2, FALSE, FALSE),
  V (ELITE,   3, TRUE, FALSE),
  V (INNER_CIRCLE, 5, FALSE, FALSE),
  V (NONE,    1, TRUE, FALSE),        /* no tier: ignored */
  V (VIP,     0, TRUE, FALSE),        /* weight 0: ignored */
};

static const SkVote votes_veto[] = {
  V (ELITE, 3, TRUE, FALSE),
  V (INNER_CIRCLE, 5, FALSE, TRUE),
};

static const SkVote votes_fake_veto[] = {
  V (ELITE, 3, TRUE, FALSE),
  V (ELITE, 3, TRUE, TRUE),           /* not Inner Circle: a plain "no" */
};

static const SkVote votes_third[] = {
  V (INSIDER, 1, TRUE, FALSE),
  V (VIP,     2, FALSE, FALSE),
};

static const struct
{
  const char   *name;
  const SkVote *votes;
  gsize         n;
  guint         n_yes, n_no, n_ignored;
  guint64       wyes, wno;
  gint64        score;
  guint         approval_bp;
  gboolean      vetoed;
} tally_cases[] = {
  { "mixed",     votes_mixed, G_N_ELEMENTS (votes_mixed), 3, 2, 2, 5, 7, -2, 4167, FALSE },
  { "veto",      votes_veto, 2, 1, 1, 0, 3, 5, -2, 3750, TRUE },
  { "fake veto", votes_fake_veto, 2, 1, 1, 0, 3, 3, 0, 5000, FALSE },
  { "a third",   votes_third, 2, 1, 1, 0, 1, 2, -1, 3333, FALSE },
  { "no votes",  NULL, 0, 0, 0, 0, 0, 0, 0, 0, FALSE },
};

static void
test_tally (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (tally_cases); i++)
    {
      SkTally t;

      g_test_message ("%s", tally_cases[i].name);
      sk_voting_tally (tally_cases[i].votes, tally_cases[i].n, &t);
      g_assert_cmpuint (t.n_yes, ==, tally_cases[i].n_yes);
      g_assert_cmpuint (t.n_no, ==, tally_cases[i].n_no);
      g_assert_cmpuint (t.n_ignored, ==, tally_cases[i].n_ignored);
      g_assert_cmpuint (t.weighted_yes, ==, tally_cases[i].wyes);
      g_assert_cmpuint (t.weighted_no, ==, tally_cases[i].wno);
      g_assert_cmpint (t.score, ==, tally_cases[i].score);
      g_assert_cmpuint (t.approval_bp, ==, tally_cases[i].approval_bp);
      g_assert_cmpint (t.vetoed, ==, tally_cases[i].vetoed);
    }
}

static SkProposalRank
rank (const char *id, gint64 created, guint64 wyes, guint64 wno, gboolean vetoed)
{
  SkProposalRank r = { id, created, { 0 } };

  r.tally.weighted_yes = wyes;
  r.tally.weighted_no = wno;
  r.tally.score = (gint64) wyes - (gint64) wno;
  r.tally.approval_bp = wyes + wno ? (guint) ((wyes * 10000 + (wyes + wno) / 2) / (wyes + wno)) : 0;
  r.tally.vetoed = vetoed;
  return r;
}

static void
test_select_top (void)
{
  SkProposalRank p[] = {
    rank ("a", 100, 10, 0, FALSE),   /* score 10, approval 100 % */
    rank ("b", 100, 30, 20, FALSE),  /* score 10, approval 60 % */
    rank ("c", 50,  50, 0, TRUE),    /* best score but vetoed */
    rank ("d", 100, 12, 2, FALSE),   /* score 10, approval 85.7 % */
    rank ("e", 100, 20, 0, FALSE),   /* score 20 */
    rank ("f", 10,  1, 5, FALSE),    /* negative: not offered */
    rank ("g", 10,  0, 0, FALSE),    /* nobody voted: not offered */
  };
  const char *expected[] = { "e", "a", "d", "b" };
  gsize n;

  n = sk_voting_select_top (p, G_N_ELEMENTS (p), 3);
  g_assert_cmpuint (n, ==, 3);
  for (gsize i = 0; i < 3; i++)
    g_assert_cmpstr (p[i].id, ==, expected[i]);
  /* The fourth offerable one follows, then the rest. */
  g_assert_cmpstr (p[3].id, ==, expected[3]);
  for (gsize i = 4; i < G_N_ELEMENTS (p); i++)
    g_assert_true (p[i].tally.vetoed || p[i].tally.score <= 0);
}

static void
test_tie_break (void)
{
  /* Same score and approval: earliest created, then the smaller id. */
  SkProposalRank p[] = {
    rank ("z", 200, 4, 2, FALSE),
    rank ("y", 100, 4, 2, FALSE),
    rank ("x", 200, 4, 2, FALSE),
    rank ("w", 300, 2, 0, FALSE),    /* same score, higher approval: first */
  };
  SkProposalRank q[G_N_ELEMENTS (p)];
  const char *expected[] = { "w", "y", "x", "z" };

  /* The result does not depend on the input order. */
  for (gsize i = 0; i < G_N_ELEMENTS (p); i++)
    q[i] = p[G_N_ELEMENTS (p) - 1 - i];

  g_assert_cmpuint (sk_voting_select_top (p, G_N_ELEMENTS (p), 10), ==, 4);
  g_assert_cmpuint (sk_voting_select_top (q, G_N_ELEMENTS (q), 10), ==, 4);
  for (gsize i = 0; i < G_N_ELEMENTS (p); i++)
    {
      g_assert_cmpstr (p[i].id, ==, expected[i]);
      g_assert_cmpstr (q[i].id, ==, expected[i]);
    }
}

static void
test_exact_approval (void)
{
  /* Both score 1 and both round to 5000 bp, but 10000/19999 > 10001/20001 exactly; the ids
   * would order them the other way round. */
  SkProposalRank a = rank ("b", 0, 10000, 9999, FALSE);
  SkProposalRank b = rank ("a", 0, 10001, 10000, FALSE);

  g_assert_cmpuint (a.tally.approval_bp, ==, b.tally.approval_bp);
  g_assert_cmpint (sk_voting_compare (&a, &b), <, 0);
  g_assert_cmpint (sk_voting_compare (&b, &a), >, 0);
  g_assert_cmpint (sk_voting_compare (&a, &a), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/voting/weights", test_weights);
  g_test_add_func ("/core/voting/tally", test_tally);
  g_test_add_func ("/core/voting/select-top", test_select_top);
  g_test_add_func ("/core/voting/tie-break", test_tie_break);
  g_test_add_func ("/core/voting/exact-approval", test_exact_approval);

  return g_test_run ();
}
