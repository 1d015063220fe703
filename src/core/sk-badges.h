/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-category.h"
#include "sk-money.h"
#include "sk-rules.h"

G_BEGIN_DECLS

/**
 * SkBadge:
 * @SK_BADGE_CATEGORY_FIRST: the category badges occupy bits 0-8, one per #SkCategory
 *   (bit 1 << %SK_CATEGORY_BEAUTY … 1 << %SK_CATEGORY_LEGAL), code "category:<code>"
 * @SK_BADGE_FIRST_COMER: "first_comer", for registering
 * @SK_BADGE_FRIEND_OF_CLUB: "friend_of_club", ≥3 referrals who made a purchase
 * @SK_BADGE_PARTY_GOER: "party_goer", ≥10 events attended
 * @SK_BADGE_COLLECTOR: "collector", all 9 categories
 * @SK_BADGE_INVESTOR: "investor", ≥250,000 ₽ lifetime
 *
 * Badges as bits, so a member's badges are one #SkBadges value. The codes are the `badges`
 * table's (migrations/002-reference.sql).
 */
typedef enum
{
  SK_BADGE_CATEGORY_FIRST = 1 << 0,
  SK_BADGE_FIRST_COMER    = 1 << 9,
  SK_BADGE_FRIEND_OF_CLUB = 1 << 10,
  SK_BADGE_PARTY_GOER     = 1 << 11,
  SK_BADGE_COLLECTOR      = 1 << 12,
  SK_BADGE_INVESTOR       = 1 << 13,
} SkBadge;

typedef guint32 SkBadges;

#define SK_BADGE_CATEGORY(cat) ((SkBadges) (1u << (cat)))
#define SK_BADGES_CATEGORY_MASK ((SkBadges) SK_CATEGORY_SET_ALL)
#define SK_BADGES_ALL ((SkBadges) (SK_BADGES_CATEGORY_MASK | SK_BADGE_FIRST_COMER | \
                                   SK_BADGE_FRIEND_OF_CLUB | SK_BADGE_PARTY_GOER | \
                                   SK_BADGE_COLLECTOR | SK_BADGE_INVESTOR))

/**
 * SkBadgeInput:
 * @categories: counted categories she ever bought in (lifetime)
 * @registered: she completed registration (First-comer: "first registration")
 * @referrals_with_purchase: members she referred who made a purchase
 * @events_attended: events she attended (checked in, not just registered)
 * @lifetime_spend: net lifetime spend, kopecks
 */
typedef struct
{
  SkCategorySet categories;
  gboolean      registered;
  guint         referrals_with_purchase;
  guint         events_attended;
  SkKopecks     lifetime_spend;
} SkBadgeInput;

SkBadges    sk_badges_compute        (const SkRules      *rules,
                                      const SkBadgeInput *input);
const char *sk_badge_to_string       (SkBadges            badge);
SkBadges    sk_badge_from_string     (const char         *code);
const char *sk_badge_get_name        (SkBadges            badge);
char      **sk_badges_to_strv        (SkBadges            badges_set);

G_END_DECLS
