/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <stdlib.h>

#include <glib/gi18n-lib.h>

#include "sk-rfm.h"

/* What a segment stands for. The characteristics are the majority of the segment's cells in
 * segment_table below (recency "recent" = R >= 3, frequency and monetary "high" = score >= 3;
 * a tie counts as "long_ago" / "low"); test-rfm.c checks them against the table. */
static const struct
{
  const char *id;
  const char *label;
  const char *action;
  const char *recency;
  const char *frequency;
  const char *monetary;
} segments[SK_RFM_N_SEGMENTS] = {
  [SK_RFM_CHAMPIONS] = { "Champions", N_("Champions"),
    N_("Reward them: early access to new services and club events"),
    "recent", "high", "high" },
  [SK_RFM_LOYAL] = { "Loyal", N_("Loyal"),
    N_("Offer a higher tier or a personal bonus for the next visit"),
    "recent", "high", "low" },
  [SK_RFM_POTENTIAL_LOYALIST] = { "Potential Loyalist", N_("Potential Loyalist"),
    N_("Invite them to the club and suggest a partner's service"),
    "recent", "low", "high" },
  [SK_RFM_NEW] = { "New", N_("New"),
    N_("Welcome them and give a reason for a second visit"),
    "recent", "low", "low" },
  [SK_RFM_PROMISING] = { "Promising", N_("Promising"),
    N_("Send a time-limited offer for the next visit"),
    "recent", "low", "low" },
  [SK_RFM_NEED_ATTENTION] = { "Need Attention", N_("Need Attention"),
    N_("Send a personal offer based on what they usually buy"),
    "long_ago", "high", "low" },
  [SK_RFM_ABOUT_TO_SLEEP] = { "About to Sleep", N_("About to Sleep"),
    N_("Remind them of the club with a partner's recommendation"),
    "long_ago", "low", "low" },
  [SK_RFM_AT_RISK] = { "At Risk", N_("At Risk"),
    N_("Send a personal win-back offer"),
    "long_ago", "high", "high" },
  [SK_RFM_CANT_LOSE_THEM] = { "Can't Lose Them", N_("Can't Lose Them"),
    N_("Call them personally and offer a generous win-back gift"),
    "long_ago", "high", "high" },
  [SK_RFM_HIBERNATING] = { "Hibernating", N_("Hibernating"),
    N_("Offer a discount on a popular service"),
    "long_ago", "low", "low" },
  [SK_RFM_LOST] = { "Lost", N_("Lost"),
    N_("Send one win-back offer, then stop spending on them"),
    "long_ago", "low", "low" },
};

/* The map, R (rows, 4 = most recent) by F (columns, 1..4). Most cells ignore M; where M
 * matters a cell names two segments: the first for M <= split, the second for M > split.
 *
 *        F=1              F=2                      F=3                      F=4
 *  R=4   New              Promising|PotLoyal (2)   Loyal|Champions (2)      Champions
 *  R=3   Promising        Potential Loyalist       Loyal                    Loyal
 *  R=2   About to Sleep   About to Sleep           NeedAttn|At Risk (2)     At Risk|Can't Lose (3)
 *  R=1   Lost             Hibernating              Hibernating|At Risk (2)  At Risk|Can't Lose (2)
 */
typedef struct
{
  SkRfmSegment low;
  SkRfmSegment high;
  guint        split;   /* M <= split -> low, else high; 4 = M does not matter */
} Cell;

static const Cell segment_table[SK_RFM_LEVELS][SK_RFM_LEVELS] = {
  /* R = 1 */
  { { SK_RFM_LOST, SK_RFM_LOST, 4 },
    { SK_RFM_HIBERNATING, SK_RFM_HIBERNATING, 4 },
    { SK_RFM_HIBERNATING, SK_RFM_AT_RISK, 2 },
    { SK_RFM_AT_RISK, SK_RFM_CANT_LOSE_THEM, 2 } },
  /* R = 2 */
  { { SK_RFM_ABOUT_TO_SLEEP, SK_RFM_ABOUT_TO_SLEEP, 4 },
    { SK_RFM_ABOUT_TO_SLEEP, SK_RFM_ABOUT_TO_SLEEP, 4 },
    { SK_RFM_NEED_ATTENTION, SK_RFM_AT_RISK, 2 },
    { SK_RFM_AT_RISK, SK_RFM_CANT_LOSE_THEM, 3 } },
  /* R = 3 */
  { { SK_RFM_PROMISING, SK_RFM_PROMISING, 4 },
    { SK_RFM_POTENTIAL_LOYALIST, SK_RFM_POTENTIAL_LOYALIST, 4 },
    { SK_RFM_LOYAL, SK_RFM_LOYAL, 4 },
    { SK_RFM_LOYAL, SK_RFM_LOYAL, 4 } },
  /* R = 4 */
  { { SK_RFM_NEW, SK_RFM_NEW, 4 },
    { SK_RFM_PROMISING, SK_RFM_POTENTIAL_LOYALIST, 2 },
    { SK_RFM_LOYAL, SK_RFM_CHAMPIONS, 2 },
    { SK_RFM_CHAMPIONS, SK_RFM_CHAMPIONS, 4 } },
};

static int
compare_gint64 (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* The number of elements of sorted[0..n) that are < value (or <= value with @or_equal). */
static gsize
bound (const gint64 *sorted,
       gsize         n,
       gint64        value,
       gboolean      or_equal)
{
  gsize lo = 0, hi = n;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (sorted[mid] < value || (or_equal && sorted[mid] == value))
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/**
 * sk_rfm_score:
 * @values: (array length=n): one value per customer
 * @n: how many
 * @higher_is_better: %TRUE for frequency and money, %FALSE for days since the last purchase
 * @scores: (out caller-allocates) (array length=n): 1..4 each
 *
 * Quartile scores by mid-rank: with W customers strictly worse than her and E customers
 * (herself included) with her very value, her mid-percentile is p = (W + E/2) / n and her
 * score 1 + floor(4p) = 1 + (4W + 2E) / n in integers. So equal values always get equal
 * scores, the result does not depend on the order of @values, n distinct values with n a
 * multiple of 4 get n/4 of each score, and a tie that straddles a quartile boundary lands
 * on the side its middle is on. With no information (one customer, or everyone equal) p = 1/2 and
 * every score is 3.
 */
void
sk_rfm_score (const gint64 *values,
              gsize         n,
              gboolean      higher_is_better,
              guint8       *scores)
{
  g_autofree gint64 *sorted = NULL;

  g_return_if_fail (values != NULL || n == 0);
  g_return_if_fail (scores != NULL || n == 0);

  if (n == 0)
    return;

  sorted = g_memdup2 (values, n * sizeof *values);
  qsort (sorted, n, sizeof *sorted, compare_gint64);

  for (gsize i = 0; i < n; i++)
    {
      gsize below = bound (sorted, n, values[i], FALSE);
      gsize equal = bound (sorted, n, values[i], TRUE) - below;
      gsize worse;

      worse = higher_is_better ? below : n - below - equal;
      scores[i] = (guint8) (1 + (4 * (guint64) worse + 2 * (guint64) equal) / n);
    }
}

/**
 * sk_rfm_score_customers:
 * @customers: (array length=n): one business's customers, with their values set
 * @n: how many
 *
 * Scores R, F and M among @customers (sk_rfm_score()) and sets each one's segment.
 */
void
sk_rfm_score_customers (SkRfmCustomer *customers,
                        gsize          n)
{
  g_autofree gint64 *values = NULL;
  g_autofree guint8 *scores = NULL;

  g_return_if_fail (customers != NULL || n == 0);

  if (n == 0)
    return;

  values = g_new (gint64, n);
  scores = g_new (guint8, n);

  for (gsize i = 0; i < n; i++)
    values[i] = customers[i].recency_days;
  sk_rfm_score (values, n, FALSE, scores);
  for (gsize i = 0; i < n; i++)
    customers[i].r = scores[i];

  for (gsize i = 0; i < n; i++)
    values[i] = customers[i].frequency;
  sk_rfm_score (values, n, TRUE, scores);
  for (gsize i = 0; i < n; i++)
    customers[i].f = scores[i];

  for (gsize i = 0; i < n; i++)
    values[i] = customers[i].monetary;
  sk_rfm_score (values, n, TRUE, scores);
  for (gsize i = 0; i < n; i++)
    {
      customers[i].m = scores[i];
      customers[i].segment = sk_rfm_segment (customers[i].r, customers[i].f, customers[i].m);
    }
}

/**
 * sk_rfm_segment:
 * @r: recency score 1..4
 * @f: frequency score 1..4
 * @m: monetary score 1..4
 *
 * Returns: the segment of the cell (see segment_table): R and F place her, M only tells
 *   a big spender from a small one in the few cells where that changes what to do.
 */
SkRfmSegment
sk_rfm_segment (guint r,
                guint f,
                guint m)
{
  const Cell *cell;

  g_return_val_if_fail (r >= 1 && r <= SK_RFM_LEVELS, SK_RFM_LOST);
  g_return_val_if_fail (f >= 1 && f <= SK_RFM_LEVELS, SK_RFM_LOST);
  g_return_val_if_fail (m >= 1 && m <= SK_RFM_LEVELS, SK_RFM_LOST);

  cell = &segment_table[r - 1][f - 1];
  return m <= cell->split ? cell->low : cell->high;
}

/* Returns: the stable English name ("At Risk"), the value in reports and the API. */
const char *
sk_rfm_segment_id (SkRfmSegment segment)
{
  g_return_val_if_fail (segment < SK_RFM_N_SEGMENTS, NULL);
  return segments[segment].id;
}

/* Returns: the name to show, translated. */
const char *
sk_rfm_segment_label (SkRfmSegment segment)
{
  g_return_val_if_fail (segment < SK_RFM_N_SEGMENTS, NULL);
  return _(segments[segment].label);
}

/* Returns: the suggested action, translated. */
const char *
sk_rfm_segment_action (SkRfmSegment segment)
{
  g_return_val_if_fail (segment < SK_RFM_N_SEGMENTS, NULL);
  return _(segments[segment].action);
}

/* Returns: "recent" or "long_ago", as the brief's API says. */
const char *
sk_rfm_segment_recency (SkRfmSegment segment)
{
  g_return_val_if_fail (segment < SK_RFM_N_SEGMENTS, NULL);
  return segments[segment].recency;
}

/* Returns: "high" or "low". */
const char *
sk_rfm_segment_frequency (SkRfmSegment segment)
{
  g_return_val_if_fail (segment < SK_RFM_N_SEGMENTS, NULL);
  return segments[segment].frequency;
}

/* Returns: "high" or "low". */
const char *
sk_rfm_segment_monetary (SkRfmSegment segment)
{
  g_return_val_if_fail (segment < SK_RFM_N_SEGMENTS, NULL);
  return segments[segment].monetary;
}
