/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-money.h"
#include "sk-rules.h"

G_BEGIN_DECLS

/**
 * SkTier:
 * @SK_TIER_NONE: registered, no purchase yet
 * @SK_TIER_INSIDER: at least one purchase
 * @SK_TIER_VIP: spend and categories over the VIP thresholds, or Premium
 * @SK_TIER_ELITE: over the Elite thresholds, or in the top 1 % by spend
 * @SK_TIER_INNER_CIRCLE: invited, or over the Inner Circle thresholds
 *
 * In rank order, so tiers compare with < and >. The values are the `tiers.rank` column.
 */
typedef enum
{
  SK_TIER_NONE = 0,
  SK_TIER_INSIDER,
  SK_TIER_VIP,
  SK_TIER_ELITE,
  SK_TIER_INNER_CIRCLE,
} SkTier;

#define SK_TIER_LAST SK_TIER_INNER_CIRCLE

/**
 * SkTierInput:
 * @spend_12m: net spend in the rolling tier window (refunds subtracted), kopecks
 * @categories_12m: distinct counted categories in the window
 * @n_purchases: purchases ever (lifetime): Insider needs one, and keeps Insider after
 *   a quiet year
 * @spend_rank: competition rank by window spend among members with a positive window
 *   spend (1 = the highest; tied members share the best rank); 0 = not ranked
 * @n_ranked: how many members have a positive window spend
 * @invited: invited to the Inner Circle by an owner (never revoked by the recompute)
 * @premium_active: a Premium subscription is active
 */
typedef struct
{
  SkKopecks spend_12m;
  guint     categories_12m;
  guint     n_purchases;
  guint     spend_rank;
  guint     n_ranked;
  gboolean  invited;
  gboolean  premium_active;
} SkTierInput;

/**
 * SkTierProgress:
 * @current: the tier the progress is from
 * @next: the next tier, or @current when there is none (Inner Circle)
 * @has_next: whether there is a next tier
 * @percent: 0-100, floored: 100 only when both requirements are met
 * @spend_required: the next tier's spend threshold (0 for Insider)
 * @spend_left: kopecks still to spend (0 when met)
 * @categories_required: the next tier's category threshold
 * @categories_left: categories still to visit (0 when met)
 */
typedef struct
{
  SkTier    current;
  SkTier    next;
  gboolean  has_next;
  guint     percent;
  SkKopecks spend_required;
  SkKopecks spend_left;
  guint     categories_required;
  guint     categories_left;
} SkTierProgress;

const char *sk_tier_to_string       (SkTier              tier);
gboolean    sk_tier_from_string     (const char         *code,
                                     SkTier             *out);
const char *sk_tier_get_name        (SkTier              tier);

gboolean    sk_tier_is_top_share    (const SkRules      *rules,
                                     guint               spend_rank,
                                     guint               n_ranked);
SkTier      sk_tier_compute         (const SkRules      *rules,
                                     const SkTierInput  *input);
void        sk_tier_progress        (const SkRules      *rules,
                                     SkTier              current,
                                     SkKopecks           spend_12m,
                                     guint               categories_12m,
                                     SkTierProgress     *out);

G_END_DECLS
