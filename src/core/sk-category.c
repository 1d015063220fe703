/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <glib/gi18n-lib.h>

#include "sk-category.h"

static const struct
{
  const char *code;
  const char *name;
  gboolean    medical;
} categories[] = {
  [SK_CATEGORY_BEAUTY]          = { "beauty",          N_("Beauty"),          FALSE },
  [SK_CATEGORY_COSMETOLOGY]     = { "cosmetology",     N_("Cosmetology"),     TRUE  },
  [SK_CATEGORY_DENTISTRY]       = { "dentistry",       N_("Dentistry"),       TRUE  },
  [SK_CATEGORY_MEDICINE]        = { "medicine",        N_("Medicine"),        TRUE  },
  [SK_CATEGORY_GASTRONOMY]      = { "gastronomy",      N_("Gastronomy"),      FALSE },
  [SK_CATEGORY_FLORISTRY]       = { "floristry",       N_("Floristry"),       FALSE },
  [SK_CATEGORY_OPTICS]          = { "optics",          N_("Optics"),          FALSE },
  [SK_CATEGORY_HOME]            = { "home",            N_("Home"),            FALSE },
  [SK_CATEGORY_LEGAL]           = { "legal",           N_("Legal services"),  FALSE },
  [SK_CATEGORY_MEDICAL_SERVICE] = { "medical_service", N_("Medical service"), TRUE  },
};

static gboolean
is_valid (SkCategory category)
{
  return category >= 0 && (gsize) category < G_N_ELEMENTS (categories);
}

/**
 * sk_category_to_string:
 * @category: an #SkCategory
 *
 * Returns: the stable code ("beauty"), or %NULL for %SK_CATEGORY_NONE
 */
const char *
sk_category_to_string (SkCategory category)
{
  return is_valid (category) ? categories[category].code : NULL;
}

/**
 * sk_category_from_string:
 * @code: (nullable): a code such as "dentistry"
 * @out: (out): the category
 *
 * Returns: %FALSE for an unknown code (codes are exact and lower case)
 */
gboolean
sk_category_from_string (const char *code,
                         SkCategory *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  if (code == NULL)
    return FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (categories); i++)
    if (g_str_equal (code, categories[i].code))
      {
        *out = (SkCategory) i;
        return TRUE;
      }

  return FALSE;
}

/**
 * sk_category_get_name:
 * @category: an #SkCategory
 *
 * Returns: the translated name for people, or %NULL for %SK_CATEGORY_NONE
 */
const char *
sk_category_get_name (SkCategory category)
{
  return is_valid (category) ? _(categories[category].name) : NULL;
}

/**
 * sk_category_is_medical:
 * @category: an #SkCategory
 *
 * Medical partners (cosmetology, dentistry, medicine) send only anonymised purchases.
 *
 * Returns: whether purchases in @category go through sk_medical_anonymize()
 */
gboolean
sk_category_is_medical (SkCategory category)
{
  return is_valid (category) && categories[category].medical;
}

/**
 * sk_category_counts:
 * @category: an #SkCategory
 *
 * Returns: whether @category is one of the nine that count for tiers and badges
 */
gboolean
sk_category_counts (SkCategory category)
{
  return category >= 0 && category < SK_CATEGORY_COUNT;
}

SkCategorySet
sk_category_set_add (SkCategorySet set,
                     SkCategory    category)
{
  g_return_val_if_fail (sk_category_counts (category), set);

  return set | (1u << category);
}

gboolean
sk_category_set_contains (SkCategorySet set,
                          SkCategory    category)
{
  return sk_category_counts (category) && (set & (1u << category)) != 0;
}

/**
 * sk_category_set_count:
 * @set: a set of categories
 *
 * Returns: how many of the nine club categories @set holds (other bits are ignored)
 */
guint
sk_category_set_count (SkCategorySet set)
{
  return (guint) __builtin_popcount (set & SK_CATEGORY_SET_ALL);
}
