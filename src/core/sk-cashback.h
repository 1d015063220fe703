/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-money.h"
#include "sk-rules.h"
#include "sk-tier.h"

G_BEGIN_DECLS

/**
 * SkCashbackInput:
 * @amount: the purchase amount in kopecks; negative for a refund, which mirrors
 * @tier: the tier in force before this purchase (%SK_TIER_NONE earns at the Insider rate:
 *   her first purchase is what makes her an Insider)
 * @premium_active: a Premium subscription is active: at least the premium rate, and at
 *   least the premium tier for the new-category multiplier
 * @new_category: her first purchase in this counted category within the new-category window
 * @business_multiplier_bp: the business's multiplier in force (10000 = ×1; 0 means "none
 *   given" and is taken as ×1, not as "no cashback")
 */
typedef struct
{
  SkKopecks amount;
  SkTier    tier;
  gboolean  premium_active;
  gboolean  new_category;
  gint64    business_multiplier_bp;
} SkCashbackInput;

/**
 * SkCashback:
 * @rate_bp: the tier rate applied (after the Premium floor)
 * @new_category_bp: the new-category multiplier applied (10000 when not new)
 * @business_bp: the business multiplier applied
 * @cashback: amount × rate × new-category × business, rounded half away from zero once
 */
typedef struct
{
  gint64    rate_bp;
  gint64    new_category_bp;
  gint64    business_bp;
  SkKopecks cashback;
} SkCashback;

gint64   sk_cashback_rate_bp       (const SkRules          *rules,
                                    SkTier                  tier,
                                    gboolean                premium_active);
gint64   sk_cashback_new_category_bp (const SkRules        *rules,
                                    SkTier                  tier,
                                    gboolean                premium_active);
gboolean sk_cashback_compute       (const SkRules          *rules,
                                    const SkCashbackInput  *input,
                                    SkCashback             *out,
                                    GError                **error);
gboolean sk_cashback_cross_bonus   (const SkRules          *rules,
                                    SkKopecks               amount,
                                    SkKopecks              *out,
                                    GError                **error);
gboolean sk_cashback_is_new_category (const SkRules        *rules,
                                    GDateTime              *last_in_category,
                                    GDateTime              *purchase_time);

G_END_DECLS
