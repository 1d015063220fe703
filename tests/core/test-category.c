/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core.h"

static const struct
{
  const char *code;
  SkCategory  category;
  gboolean    medical;
  gboolean    counts;
} cases[] = {
  { "beauty",          SK_CATEGORY_BEAUTY,          FALSE, TRUE },
  { "cosmetology",     SK_CATEGORY_COSMETOLOGY,     TRUE,  TRUE },
  { "dentistry",       SK_CATEGORY_DENTISTRY,       TRUE,  TRUE },
  { "medicine",        SK_CATEGORY_MEDICINE,        TRUE,  TRUE },
  { "gastronomy",      SK_CATEGORY_GASTRONOMY,      FALSE, TRUE },
  { "floristry",       SK_CATEGORY_FLORISTRY,       FALSE, TRUE },
  { "optics",          SK_CATEGORY_OPTICS,          FALSE, TRUE },
  { "home",            SK_CATEGORY_HOME,            FALSE, TRUE },
  { "legal",           SK_CATEGORY_LEGAL,           FALSE, TRUE },
  { "medical_service", SK_CATEGORY_MEDICAL_SERVICE, TRUE,  FALSE },
};

static void
test_codes (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SkCategory c = SK_CATEGORY_NONE;

      g_assert_true (sk_category_from_string (cases[i].code, &c));
      g_assert_cmpint (c, ==, cases[i].category);
      g_assert_cmpstr (sk_category_to_string (c), ==, cases[i].code);
      g_assert_cmpint (sk_category_is_medical (c), ==, cases[i].medical);
      g_assert_cmpint (sk_category_counts (c), ==, cases[i].counts);
      g_assert_nonnull (sk_category_get_name (c));
    }
}

static void
test_unknown (void)
{
  SkCategory c = SK_CATEGORY_BEAUTY;

  g_assert_false (sk_category_from_string ("Beauty", &c));
  g_assert_false (sk_category_from_string ("spa", &c));
  g_assert_false (sk_category_from_string (NULL, &c));
  g_assert_cmpint (c, ==, SK_CATEGORY_BEAUTY);
  g_assert_null (sk_category_to_string (SK_CATEGORY_NONE));
  g_assert_false (sk_category_is_medical (SK_CATEGORY_NONE));
  g_assert_false (sk_category_counts (SK_CATEGORY_NONE));
}

static void
test_set (void)
{
  SkCategorySet set = 0;

  set = sk_category_set_add (set, SK_CATEGORY_BEAUTY);
  set = sk_category_set_add (set, SK_CATEGORY_LEGAL);
  set = sk_category_set_add (set, SK_CATEGORY_BEAUTY);
  g_assert_cmpuint (sk_category_set_count (set), ==, 2);
  g_assert_true (sk_category_set_contains (set, SK_CATEGORY_LEGAL));
  g_assert_false (sk_category_set_contains (set, SK_CATEGORY_HOME));
  g_assert_false (sk_category_set_contains (set | (1u << SK_CATEGORY_MEDICAL_SERVICE),
                                            SK_CATEGORY_MEDICAL_SERVICE));
  /* medical_service never counts as a tenth category. */
  g_assert_cmpuint (sk_category_set_count (SK_CATEGORY_SET_ALL | (1u << SK_CATEGORY_MEDICAL_SERVICE)), ==, 9);
  g_assert_cmpuint (sk_category_set_count (SK_CATEGORY_SET_ALL), ==, SK_CATEGORY_COUNT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/category/codes", test_codes);
  g_test_add_func ("/core/category/unknown", test_unknown);
  g_test_add_func ("/core/category/set", test_set);

  return g_test_run ();
}
