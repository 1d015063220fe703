/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-money.h"

G_BEGIN_DECLS

/**
 * SkRules:
 *
 * Every tunable number of DESIGN.md, with the defaults given there. Each field has a key,
 * the same as in the `rules` table (migrations/004-rules.sql), so that the database layer
 * can fill the struct with sk_rules_set() from the rules in force. Units are in the names:
 * _bp basis points (500 = 5 %, x1.5 = 15000), kopecks, _days, _months, counts and weights.
 */
typedef struct
{
  /* Cashback (DESIGN "The purchase pipeline" 4-5). */
  gint64    rate_insider_bp;               /* cashback.rate.insider                 500 */
  gint64    rate_vip_bp;                   /* cashback.rate.vip                     700 */
  gint64    rate_elite_bp;                 /* cashback.rate.elite                  1000 */
  gint64    rate_inner_circle_bp;          /* cashback.rate.inner_circle           1000 */
  gint64    rate_premium_min_bp;           /* cashback.rate.premium_min            1000 */
  gint64    new_category_insider_bp;       /* cashback.new_category.insider       15000 */
  gint64    new_category_vip_plus_bp;      /* cashback.new_category.vip_plus      20000 */
  gint64    new_category_window_months;    /* cashback.new_category.window_months    12 */
  gint64    business_multiplier_bp;        /* cashback.business_multiplier        10000 */
  gint64    cross_bonus_bp;                /* cross_bonus.rate                     1000 */
  gint64    cross_bonus_window_days;       /* cross_bonus.window_days                30 */

  /* Ledger (6). */
  gint64    hold_days;                     /* bonus.hold_days                        14 */
  gint64    expiry_months;                 /* bonus.expiry_months                    12 */

  /* Events budget (7). The four allocations sum to 10000. */
  gint64    budget_contribution_bp;        /* events_budget.contribution            200 */
  gint64    budget_open_bp;                /* events_budget.allocation.open        3000 */
  gint64    budget_vip_bp;                 /* events_budget.allocation.vip         4000 */
  gint64    budget_elite_bp;               /* events_budget.allocation.elite       2000 */
  gint64    budget_reserve_bp;             /* events_budget.allocation.reserve     1000 */

  /* Tiers (rolling window). */
  gint64    tier_window_months;            /* tier.window_months                     12 */
  SkKopecks vip_min_spend;                 /* tier.vip.min_spend              3,000,000 */
  gint64    vip_min_categories;            /* tier.vip.min_categories                 3 */
  SkKopecks elite_min_spend;               /* tier.elite.min_spend           10,000,000 */
  gint64    elite_min_categories;          /* tier.elite.min_categories               5 */
  gint64    elite_top_share_bp;            /* tier.elite.top_share                  100 */
  SkKopecks inner_circle_min_spend;        /* tier.inner_circle.min_spend    20,000,000 */
  gint64    inner_circle_min_categories;   /* tier.inner_circle.min_categories        9 */
  SkKopecks premium_price;                 /* premium.price                     199,000 */
  gint64    premium_min_tier;              /* premium.min_tier_rank          2 (= VIP) */

  /* Voting. */
  gint64    vote_weight_insider;           /* vote.weight.insider                     1 */
  gint64    vote_weight_vip;               /* vote.weight.vip                         2 */
  gint64    vote_weight_elite;             /* vote.weight.elite                       3 */
  gint64    vote_weight_inner_circle;      /* vote.weight.inner_circle                5 */
  gint64    proposal_voting_days;          /* proposal.voting_days                   14 */
  gint64    proposal_monthly_top;          /* proposal.monthly_top                    3 */

  /* Platform commission on involved purchases, by partner phase (months since joining). */
  gint64    commission_phase1_months;      /* commission.phase1.months                6 */
  gint64    commission_phase1_bp;          /* commission.phase1.rate                  0 */
  gint64    commission_phase2_months;      /* commission.phase2.months               17 */
  gint64    commission_phase2_bp;          /* commission.phase2.rate                200 */
  gint64    commission_phase3_bp;          /* commission.phase3.rate                300 */

  /* Badges. */
  gint64    badge_friend_referrals;        /* badge.friend_of_club.referrals          3 */
  gint64    badge_party_goer_events;       /* badge.party_goer.events                10 */
  gint64    badge_collector_categories;    /* badge.collector.categories              9 */
  SkKopecks badge_investor_spend;          /* badge.investor.lifetime_spend  25,000,000 */

  /* Analytics. */
  gint64    north_star_window_days;        /* north_star.window_days                 60 */
} SkRules;

SkRules     *sk_rules_new_default  (void);
SkRules     *sk_rules_copy         (const SkRules *rules);
void         sk_rules_free         (SkRules       *rules);
void         sk_rules_init_default (SkRules       *rules);

gboolean     sk_rules_set          (SkRules       *rules,
                                    const char    *key,
                                    gint64         value,
                                    GError       **error);
gboolean     sk_rules_get          (const SkRules *rules,
                                    const char    *key,
                                    gint64        *value);
gboolean     sk_rules_has_key      (const char    *key);
const char **sk_rules_list_keys    (void);
gboolean     sk_rules_validate     (const SkRules *rules,
                                    GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkRules, sk_rules_free)

G_END_DECLS
