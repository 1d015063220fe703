/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * SkCategory:
 * @SK_CATEGORY_NONE: not given (a purchase then counts under its business's category)
 * @SK_CATEGORY_BEAUTY…@SK_CATEGORY_LEGAL: the nine club categories, in the brief's order
 * @SK_CATEGORY_MEDICAL_SERVICE: what a medical partner's purchase is stored as; it never counts
 *   for tiers, badges or new-category cashback (the business's own category does)
 *
 * The codes match the `categories` table (migrations/002-reference.sql).
 */
typedef enum
{
  SK_CATEGORY_NONE = -1,
  SK_CATEGORY_BEAUTY = 0,
  SK_CATEGORY_COSMETOLOGY,
  SK_CATEGORY_DENTISTRY,
  SK_CATEGORY_MEDICINE,
  SK_CATEGORY_GASTRONOMY,
  SK_CATEGORY_FLORISTRY,
  SK_CATEGORY_OPTICS,
  SK_CATEGORY_HOME,
  SK_CATEGORY_LEGAL,
  SK_CATEGORY_MEDICAL_SERVICE,
} SkCategory;

/* The club categories that count (beauty … legal). */
#define SK_CATEGORY_COUNT 9

/* A set of club categories, bit (1 << category). */
typedef guint32 SkCategorySet;

#define SK_CATEGORY_SET_ALL ((SkCategorySet) ((1u << SK_CATEGORY_COUNT) - 1))

const char    *sk_category_to_string      (SkCategory     category);
gboolean       sk_category_from_string    (const char    *code,
                                           SkCategory    *out);
const char    *sk_category_get_name       (SkCategory     category);
gboolean       sk_category_is_medical     (SkCategory     category);
gboolean       sk_category_counts         (SkCategory     category);

SkCategorySet  sk_category_set_add        (SkCategorySet  set,
                                           SkCategory     category);
gboolean       sk_category_set_contains   (SkCategorySet  set,
                                           SkCategory     category);
guint          sk_category_set_count      (SkCategorySet  set);

G_END_DECLS
