/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <glib/gi18n-lib.h>

#include "sk-badges.h"

static const struct
{
  SkBadges    bit;
  const char *code;
  const char *name;
} badges[] = {
  { 1u << SK_CATEGORY_BEAUTY,      "category:beauty",      N_("Beauty") },
  { 1u << SK_CATEGORY_COSMETOLOGY, "category:cosmetology", N_("Cosmetology") },
  { 1u << SK_CATEGORY_DENTISTRY,   "category:dentistry",   N_("Dentistry") },
  { 1u << SK_CATEGORY_MEDICINE,    "category:medicine",    N_("Medicine") },
  { 1u << SK_CATEGORY_GASTRONOMY,  "category:gastronomy",  N_("Gastronomy") },
  { 1u << SK_CATEGORY_FLORISTRY,   "category:floristry",   N_("Floristry") },
  { 1u << SK_CATEGORY_OPTICS,      "category:optics",      N_("Optics") },
  { 1u << SK_CATEGORY_HOME,        "category:home",        N_("Home") },
  { 1u << SK_CATEGORY_LEGAL,       "category:legal",       N_("Legal services") },
  { SK_BADGE_FIRST_COMER,          "first_comer",          N_("First-comer") },
  { SK_BADGE_FRIEND_OF_CLUB,       "friend_of_club",       N_("Friend of the club") },
  { SK_BADGE_PARTY_GOER,           "party_goer",           N_("Party-goer") },
  { SK_BADGE_COLLECTOR,            "collector",            N_("Collector") },
  { SK_BADGE_INVESTOR,             "investor",             N_("Investor") },
};

/**
 * sk_badges_compute:
 * @rules: rules (badge.*)
 * @input: her figures
 *
 * Every threshold is inclusive: the third referral with a purchase earns Friend of the
 * club, the tenth event Party-goer, exactly 250,000 ₽ Investor. Badges are computed, not
 * accumulated: the caller stores new ones and keeps old ones (a refund that drops her
 * lifetime spend below the Investor threshold does not take the badge away unless the
 * caller chooses to).
 *
 * Returns: the badges she has earned
 */
SkBadges
sk_badges_compute (const SkRules      *rules,
                   const SkBadgeInput *input)
{
  SkBadges b = 0;

  g_return_val_if_fail (rules != NULL, 0);
  g_return_val_if_fail (input != NULL, 0);

  b |= (SkBadges) (input->categories & SK_CATEGORY_SET_ALL);

  if (input->registered)
    b |= SK_BADGE_FIRST_COMER;
  if ((gint64) input->referrals_with_purchase >= rules->badge_friend_referrals)
    b |= SK_BADGE_FRIEND_OF_CLUB;
  if ((gint64) input->events_attended >= rules->badge_party_goer_events)
    b |= SK_BADGE_PARTY_GOER;
  if ((gint64) sk_category_set_count (input->categories) >= rules->badge_collector_categories)
    b |= SK_BADGE_COLLECTOR;
  if (input->lifetime_spend >= rules->badge_investor_spend)
    b |= SK_BADGE_INVESTOR;

  return b;
}

/**
 * sk_badge_to_string:
 * @badge: exactly one badge bit
 *
 * Returns: its code ("category:dentistry", "collector"), or %NULL
 */
const char *
sk_badge_to_string (SkBadges badge)
{
  for (gsize i = 0; i < G_N_ELEMENTS (badges); i++)
    if (badges[i].bit == badge)
      return badges[i].code;
  return NULL;
}

/**
 * sk_badge_from_string:
 * @code: (nullable): a badge code
 *
 * Returns: the badge bit, or 0 for an unknown code
 */
SkBadges
sk_badge_from_string (const char *code)
{
  if (code == NULL)
    return 0;
  for (gsize i = 0; i < G_N_ELEMENTS (badges); i++)
    if (g_str_equal (code, badges[i].code))
      return badges[i].bit;
  return 0;
}

/**
 * sk_badge_get_name:
 * @badge: exactly one badge bit
 *
 * Returns: the translated name, or %NULL
 */
const char *
sk_badge_get_name (SkBadges badge)
{
  for (gsize i = 0; i < G_N_ELEMENTS (badges); i++)
    if (badges[i].bit == badge)
      return _(badges[i].name);
  return NULL;
}

/**
 * sk_badges_to_strv:
 * @badges: a set of badges
 *
 * Returns: (transfer full): their codes in a stable order (categories first)
 */
char **
sk_badges_to_strv (SkBadges badges_set)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (badges); i++)
    if (badges_set & badges[i].bit)
      g_strv_builder_add (builder, badges[i].code);
  return g_strv_builder_end (builder);
}
