/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include "sk-core.h"

static const guint8 key[] = "pseudonymisation-key";
#define KEY_LEN (sizeof key - 1)

/* 2025-03-10 21:30 UTC = 2025-03-11 00:30 in Moscow (+03:00). */
#define VISIT_US (G_GINT64_CONSTANT (1741642200) * G_USEC_PER_SEC + 250000)

static SkMedicalInput
renovatio_visit (void)
{
  SkMedicalInput in = {
    .external_id = "visit-778812",
    .occurred_at = VISIT_US,
    .amount = 450000,
    .phone = "8 (999) 123-45-67",
    .customer_id = "patient-5531",
    .service_name = "Консультация гинеколога",
    .doctor = "Иванова А. П.",
    .diagnosis = "N95.1",
    .category = "gynecology",
  };
  return in;
}

static gboolean
bytes_contain (const void *hay, gsize hay_len, const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; n > 0 && i + n <= hay_len; i++)
    if (memcmp ((const guint8 *) hay + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
test_drops_everything_else (void)
{
  SkMedicalInput in = renovatio_visit ();
  g_autoptr(GTimeZone) msk = g_time_zone_new_offset (3 * 3600);
  g_autoptr(GError) error = NULL;
  g_autofree char *phone_hash = sk_customer_hash (key, KEY_LEN, "+79991234567");
  const char *secrets[] = {
    in.service_name, in.doctor, in.diagnosis, in.category, in.external_id, in.customer_id,
    "9991234567", "Иванова", "N95",
  };
  SkMedicalRecord r;

  memset (&r, 0xAB, sizeof r);
  g_assert_true (sk_medical_anonymize (&in, msk, key, KEY_LEN, &r, &error));
  g_assert_no_error (error);

  /* Only the day (in the club's zone), the amount, the category and hashes. */
  g_assert_cmpuint (g_date_get_year (&r.day), ==, 2025);
  g_assert_cmpuint (g_date_get_month (&r.day), ==, 3);
  g_assert_cmpuint (g_date_get_day (&r.day), ==, 11);
  g_assert_cmpint (r.amount, ==, 450000);
  g_assert_cmpint (r.category, ==, SK_CATEGORY_MEDICAL_SERVICE);
  g_assert_cmpstr (r.customer_hash, ==, phone_hash);
  g_assert_cmpuint (strlen (r.external_hash), ==, 64);
  g_assert_cmpstr (r.original_external_hash, ==, "");

  /* No input text survives anywhere in the record's bytes. */
  for (gsize i = 0; i < G_N_ELEMENTS (secrets); i++)
    g_assert_false (bytes_contain (&r, sizeof r, secrets[i]));
}

static void
test_hash_stable_and_keyed (void)
{
  SkMedicalInput in = renovatio_visit ();
  static const guint8 other_key[] = "another-key";
  SkMedicalRecord a, b, c, d;

  g_assert_true (sk_medical_anonymize (&in, NULL, key, KEY_LEN, &a, NULL));
  /* Another spelling of the same phone, another service: the same customer. */
  in.phone = "+7 999 123 45 67";
  in.service_name = "Другое";
  g_assert_true (sk_medical_anonymize (&in, NULL, key, KEY_LEN, &b, NULL));
  g_assert_cmpstr (a.customer_hash, ==, b.customer_hash);
  g_assert_cmpstr (a.external_hash, ==, b.external_hash);

  g_assert_true (sk_medical_anonymize (&in, NULL, other_key, sizeof other_key - 1, &c, NULL));
  g_assert_cmpstr (a.customer_hash, !=, c.customer_hash);
  g_assert_cmpstr (a.external_hash, !=, c.external_hash);

  in.external_id = "visit-778813";
  g_assert_true (sk_medical_anonymize (&in, NULL, key, KEY_LEN, &d, NULL));
  g_assert_cmpstr (a.external_hash, !=, d.external_hash);
  g_assert_cmpstr (a.customer_hash, ==, d.customer_hash);
}

static void
test_customer_id_fallback (void)
{
  SkMedicalInput in = renovatio_visit ();
  SkMedicalRecord a, b;
  g_autofree char *expected = g_compute_hmac_for_string (G_CHECKSUM_SHA256, key, KEY_LEN,
                                                         "customer:patient-5531", -1);

  in.phone = "not a phone";
  g_assert_true (sk_medical_anonymize (&in, NULL, key, KEY_LEN, &a, NULL));
  g_assert_cmpstr (a.customer_hash, ==, expected);

  in.phone = NULL;
  g_assert_true (sk_medical_anonymize (&in, NULL, key, KEY_LEN, &b, NULL));
  g_assert_cmpstr (b.customer_hash, ==, expected);
}

static void
test_rejects (void)
{
  SkMedicalInput in;
  SkMedicalRecord r;
  g_autoptr(GError) error = NULL;

  in = renovatio_visit ();
  in.phone = NULL;
  in.customer_id = NULL;
  g_assert_false (sk_medical_anonymize (&in, NULL, key, KEY_LEN, &r, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID);
  /* The message carries nothing from the record. */
  g_assert_null (strstr (error->message, "Консультация"));
  g_clear_error (&error);

  in = renovatio_visit ();
  in.external_id = "";
  g_assert_false (sk_medical_anonymize (&in, NULL, key, KEY_LEN, &r, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID);
  g_clear_error (&error);

  in = renovatio_visit ();
  in.amount = 0;
  g_assert_false (sk_medical_anonymize (&in, NULL, key, KEY_LEN, &r, &error));
  g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID);
}

static void
test_to_purchase (void)
{
  SkMedicalInput in = renovatio_visit ();
  g_autoptr(GTimeZone) msk = g_time_zone_new_offset (3 * 3600);
  g_autoptr(SkPurchase) p = NULL;
  g_autoptr(GDateTime) midnight = g_date_time_new (msk, 2025, 3, 11, 0, 0, 0);
  g_autoptr(GError) error = NULL;
  SkMedicalRecord r;

  in.amount = -450000;
  in.original_external_id = "visit-778800";
  g_assert_true (sk_medical_anonymize (&in, msk, key, KEY_LEN, &r, NULL));
  g_assert_cmpuint (strlen (r.original_external_hash), ==, 64);

  p = sk_medical_record_to_purchase (&r, "b-1", msk);
  g_assert_cmpstr (p->business_id, ==, "b-1");
  g_assert_cmpstr (p->external_id, ==, r.external_hash);
  g_assert_cmpstr (p->original_external_id, ==, r.original_external_hash);
  g_assert_cmpstr (p->customer_hash, ==, r.customer_hash);
  g_assert_null (p->phone_e164);
  g_assert_null (p->member_id);
  g_assert_cmpint (p->category, ==, SK_CATEGORY_MEDICAL_SERVICE);
  g_assert_cmpint (p->amount, ==, -450000);
  /* The time of day is gone: midnight of the visit's day in the club's zone. */
  g_assert_cmpint (p->occurred_at, ==, g_date_time_to_unix (midnight) * G_USEC_PER_SEC);

  g_assert_true (sk_purchase_validate (p, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/medical/drops-everything-else", test_drops_everything_else);
  g_test_add_func ("/core/medical/hash-stable-and-keyed", test_hash_stable_and_keyed);
  g_test_add_func ("/core/medical/customer-id-fallback", test_customer_id_fallback);
  g_test_add_func ("/core/medical/rejects", test_rejects);
  g_test_add_func ("/core/medical/to-purchase", test_to_purchase);

  return g_test_run ();
}
