/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include "sk-core.h"

static const struct
{
  const char    *raw;
  const char    *e164;
  SkPhoneReason  reason;
} cases[] = {
  /* Every spelling of DESIGN.md, and the usual others. */
  { "8 (999) 123-45-67",         "+79991234567" },
  { "+7 999 123 45 67",          "+79991234567" },
  { "79991234567",               "+79991234567" },
  { "9991234567",                "+79991234567" },
  { "8-999-123-45-67",           "+79991234567" },
  { "+7(999)123-45-67",          "+79991234567" },
  { "+79991234567",              "+79991234567" },
  { "89991234567",               "+79991234567" },
  { "8 999 123 45 67",           "+79991234567" },
  { "+7 (999) 123-45-67",        "+79991234567" },
  { "  +7 999 123\u00a045\u00a067 ", "+79991234567" },
  { "8.999.123.45.67",           "+79991234567" },
  { "+7 812 123-45-67",          "+78121234567" },   /* St Petersburg landline */
  { "8 (495) 123-45-67",         "+74951234567" },   /* Moscow landline */
  { "+7 343 123 45 67",          "+73431234567" },   /* Yekaterinburg */
  /* Rejections, one per reason at least. */
  { "",                          NULL, SK_PHONE_REASON_EMPTY },
  { "   ",                       NULL, SK_PHONE_REASON_EMPTY },
  { "()-",                       NULL, SK_PHONE_REASON_EMPTY },
  { NULL,                        NULL, SK_PHONE_REASON_EMPTY },
  { "+7 999 CALL-ME",            NULL, SK_PHONE_REASON_LETTERS },
  { "8 999 123 45 67 доб. 12",   NULL, SK_PHONE_REASON_LETTERS },
  { "nine nine nine",            NULL, SK_PHONE_REASON_LETTERS },
  { "8 999 123 45 67#",          NULL, SK_PHONE_REASON_BAD_CHARACTER },
  { "8 999 123+45 67",           NULL, SK_PHONE_REASON_BAD_CHARACTER },
  { "++79991234567",             NULL, SK_PHONE_REASON_BAD_CHARACTER },
  { "8/999/1234567",             NULL, SK_PHONE_REASON_BAD_CHARACTER },
  { "123-45-67",                 NULL, SK_PHONE_REASON_TOO_SHORT },
  { "999123456",                 NULL, SK_PHONE_REASON_TOO_SHORT },
  { "+7 999 123 45 6",           NULL, SK_PHONE_REASON_TOO_SHORT },
  { "+7",                        NULL, SK_PHONE_REASON_TOO_SHORT },
  { "+7 999 123 45 678",         NULL, SK_PHONE_REASON_TOO_LONG },
  { "8 999 123 45 678",          NULL, SK_PHONE_REASON_TOO_LONG },
  { "899912345678901",           NULL, SK_PHONE_REASON_TOO_LONG },
  { "+1 202 555 01 23",          NULL, SK_PHONE_REASON_WRONG_COUNTRY },
  { "+380 50 123 45 67",         NULL, SK_PHONE_REASON_WRONG_COUNTRY },
  { "+8 999 123 45 67",          NULL, SK_PHONE_REASON_WRONG_COUNTRY },
  { "12025550123",               NULL, SK_PHONE_REASON_WRONG_COUNTRY },
  { "+7 701 123 45 67",          NULL, SK_PHONE_REASON_WRONG_COUNTRY },  /* Kazakhstan */
  { "8 (999) 123-45-6",          NULL, SK_PHONE_REASON_TRUNK_LENGTH },
  { "7999123456",                NULL, SK_PHONE_REASON_TRUNK_LENGTH },
  { "+7 099 123 45 67",          NULL, SK_PHONE_REASON_BAD_AREA_CODE },
  { "+7 599 123 45 67",          NULL, SK_PHONE_REASON_BAD_AREA_CODE },
  { "1234567890",                NULL, SK_PHONE_REASON_BAD_AREA_CODE },
};

static void
test_normalize (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *e164 = NULL;
      SkPhoneReason reason = (SkPhoneReason) -1;

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].raw ? cases[i].raw : "(null)");
      e164 = sk_phone_normalize_full (cases[i].raw, &reason, &error);
      g_assert_cmpstr (e164, ==, cases[i].e164);
      g_assert_cmpint (reason, ==, cases[i].reason);
      if (cases[i].e164 != NULL)
        {
          g_assert_no_error (error);
          g_assert_true (sk_phone_is_e164 (e164));
        }
      else
        {
          g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_PHONE);
          g_assert_cmpstr (error->message, !=, "");
          /* The message never repeats the number. */
          if (cases[i].raw != NULL && strlen (cases[i].raw) >= 3)
            g_assert_null (strstr (error->message, cases[i].raw));
        }
    }
}

static void
test_short_form (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = sk_phone_normalize ("8 (999) 123-45-67", &error);
  g_autofree char *b = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "+79991234567");

  b = sk_phone_normalize ("12", &error);
  g_assert_null (b);
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_PHONE);
}

static void
test_is_e164 (void)
{
  g_assert_true (sk_phone_is_e164 ("+79991234567"));
  g_assert_false (sk_phone_is_e164 ("89991234567"));
  g_assert_false (sk_phone_is_e164 ("+7 999 123 45 67"));
  g_assert_false (sk_phone_is_e164 ("+7999123456"));
  g_assert_false (sk_phone_is_e164 ("+70991234567"));
  g_assert_false (sk_phone_is_e164 ("+17991234567"));
  g_assert_false (sk_phone_is_e164 (NULL));
}

static void
test_format_mask (void)
{
  g_autofree char *f = sk_phone_format ("+79991234567");
  g_autofree char *m = sk_phone_mask ("+79991234567");

  g_assert_cmpstr (f, ==, "+7 999 123-45-67");
  g_assert_cmpstr (m, ==, "+7 999 ***-**-67");
}

static void
test_reason_codes (void)
{
  g_assert_cmpstr (sk_phone_reason_to_string (SK_PHONE_REASON_TOO_SHORT), ==, "too_short");
  g_assert_cmpstr (sk_phone_reason_to_string (SK_PHONE_REASON_WRONG_COUNTRY), ==, "wrong_country");
  g_assert_cmpstr (sk_phone_reason_to_string (SK_PHONE_REASON_TRUNK_LENGTH), ==, "trunk_length");
  g_assert_cmpstr (sk_phone_reason_to_string (SK_PHONE_REASON_NONE), ==, "none");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/phone/normalize", test_normalize);
  g_test_add_func ("/core/phone/short-form", test_short_form);
  g_test_add_func ("/core/phone/is-e164", test_is_e164);
  g_test_add_func ("/core/phone/format-mask", test_format_mask);
  g_test_add_func ("/core/phone/reason-codes", test_reason_codes);

  return g_test_run ();
}
