/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Scores run 1 (worst quarter) .. SK_RFM_LEVELS (best quarter). */
#define SK_RFM_LEVELS 4

/**
 * SkRfmSegment:
 *
 * The named segments of DESIGN.md "Analytics". Every (R, F, M) cell maps to exactly one of
 * them (sk_rfm_segment()).
 */
typedef enum
{
  SK_RFM_CHAMPIONS,
  SK_RFM_LOYAL,
  SK_RFM_POTENTIAL_LOYALIST,
  SK_RFM_NEW,
  SK_RFM_PROMISING,
  SK_RFM_NEED_ATTENTION,
  SK_RFM_ABOUT_TO_SLEEP,
  SK_RFM_AT_RISK,
  SK_RFM_CANT_LOSE_THEM,
  SK_RFM_HIBERNATING,
  SK_RFM_LOST,
  SK_RFM_N_SEGMENTS,
} SkRfmSegment;

/**
 * SkRfmCustomer:
 * @recency_days: days from her last purchase to the end of the period, >= 0 (fewer is better)
 * @frequency: her purchases (visit days) in the period
 * @monetary: her net revenue in the period, kopecks (refunds netted; may be <= 0)
 * @r: (out): recency score 1..4
 * @f: (out): frequency score 1..4
 * @m: (out): monetary score 1..4
 * @segment: (out): her segment
 *
 * One customer of one business; sk_rfm_score_customers() fills the scores.
 */
typedef struct
{
  gint64       recency_days;
  gint64       frequency;
  gint64       monetary;
  guint8       r;
  guint8       f;
  guint8       m;
  SkRfmSegment segment;
} SkRfmCustomer;

void         sk_rfm_score            (const gint64  *values,
                                      gsize          n,
                                      gboolean       higher_is_better,
                                      guint8        *scores);
void         sk_rfm_score_customers  (SkRfmCustomer *customers,
                                      gsize          n);
SkRfmSegment sk_rfm_segment          (guint          r,
                                      guint          f,
                                      guint          m);
const char  *sk_rfm_segment_id       (SkRfmSegment   segment);
const char  *sk_rfm_segment_label    (SkRfmSegment   segment);
const char  *sk_rfm_segment_action   (SkRfmSegment   segment);
const char  *sk_rfm_segment_recency  (SkRfmSegment   segment);
const char  *sk_rfm_segment_frequency (SkRfmSegment  segment);
const char  *sk_rfm_segment_monetary (SkRfmSegment   segment);

G_END_DECLS
