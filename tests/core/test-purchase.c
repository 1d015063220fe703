/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include "sk-core.h"

static SkPurchase *
valid_purchase (void)
{
  SkPurchase *p = sk_purchase_new ();

  p->business_id = g_strdup ("6f1c1f5e-0000-4000-8000-000000000001");
  p->external_id = g_strdup ("yclients-1001");
  p->occurred_at = G_GINT64_CONSTANT (1735689600) * G_USEC_PER_SEC;
  p->phone_e164 = g_strdup ("+79991234567");
  p->amount = 300000;
  p->category = SK_CATEGORY_BEAUTY;
  return p;
}

static void
test_new_copy_free (void)
{
  g_autoptr(SkPurchase) p = sk_purchase_new ();
  g_autoptr(SkPurchase) q = NULL;
  g_autoptr(SkPurchase) v = valid_purchase ();

  g_assert_cmpint (p->category, ==, SK_CATEGORY_NONE);
  g_assert_true (p->completed);
  g_assert_cmpint (p->involved_via, ==, SK_INVOLVED_VIA_NONE);

  q = sk_purchase_copy (v);
  g_assert_true (q->external_id != v->external_id);
  g_assert_cmpstr (q->external_id, ==, "yclients-1001");
  g_assert_cmpstr (q->phone_e164, ==, v->phone_e164);
  g_assert_cmpint (q->amount, ==, 300000);
  g_assert_null (q->customer_hash);

  sk_purchase_free (NULL);
}

typedef void (*Mutate) (SkPurchase *p);

static void m_none (SkPurchase *p) { }
static void m_no_business (SkPurchase *p) { g_clear_pointer (&p->business_id, g_free); }
static void m_no_external (SkPurchase *p) { g_free (p->external_id); p->external_id = g_strdup (""); }
static void m_long_external (SkPurchase *p) { g_free (p->external_id); p->external_id = g_strnfill (201, 'x'); }
static void m_max_external (SkPurchase *p) { g_free (p->external_id); p->external_id = g_strnfill (200, 'x'); }
static void m_zero (SkPurchase *p) { p->amount = 0; }
static void m_refund_orphan (SkPurchase *p) { p->amount = -100; }
static void m_refund (SkPurchase *p) { p->amount = -100; p->original_external_id = g_strdup ("yclients-1000"); }
static void m_raw_phone (SkPurchase *p) { g_free (p->phone_e164); p->phone_e164 = g_strdup ("8 999 123-45-67"); }
static void m_no_customer (SkPurchase *p) { g_clear_pointer (&p->phone_e164, g_free); p->source = SK_PURCHASE_SOURCE_CSV; }
static void m_partner_no_phone (SkPurchase *p) { g_clear_pointer (&p->phone_e164, g_free); }
static void m_member (SkPurchase *p) { g_clear_pointer (&p->phone_e164, g_free); p->member_id = g_strdup ("m-1"); }
static void m_medical_phone (SkPurchase *p) { p->category = SK_CATEGORY_DENTISTRY; }
static void m_medical_hash (SkPurchase *p)
{
  g_clear_pointer (&p->phone_e164, g_free);
  p->category = SK_CATEGORY_MEDICAL_SERVICE;
  p->customer_hash = g_strnfill (64, 'a');
}
static void m_bad_hash (SkPurchase *p) { p->customer_hash = g_strnfill (64, 'A'); }
static void m_bad_category (SkPurchase *p) { p->category = (SkCategory) 42; }
static void m_no_category (SkPurchase *p) { p->category = SK_CATEGORY_NONE; }

static const struct
{
  const char *name;
  Mutate      mutate;
  gboolean    ok;
} validate_cases[] = {
  { "valid",                 m_none,            TRUE },
  { "no business",           m_no_business,     FALSE },
  { "empty external id",     m_no_external,     FALSE },
  { "201-char external id",  m_long_external,   FALSE },
  { "200-char external id",  m_max_external,    TRUE },
  { "zero amount",           m_zero,            FALSE },
  { "refund without origin", m_refund_orphan,   FALSE },
  { "refund",                m_refund,          TRUE },
  { "raw phone",             m_raw_phone,       FALSE },
  { "upload without customer", m_no_customer,    FALSE },
  { "partner sale, no phone", m_partner_no_phone, TRUE },
  { "member id only",        m_member,          TRUE },
  { "medical with phone",    m_medical_phone,   FALSE },
  { "medical with hash",     m_medical_hash,    TRUE },
  { "upper-case hash",       m_bad_hash,        FALSE },
  { "unknown category",      m_bad_category,    FALSE },
  { "business's category",   m_no_category,     TRUE },
};

static void
test_validate (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (validate_cases); i++)
    {
      g_autoptr(SkPurchase) p = valid_purchase ();
      g_autoptr(GError) error = NULL;
      gboolean ok;

      g_test_message ("%s", validate_cases[i].name);
      validate_cases[i].mutate (p);
      ok = sk_purchase_validate (p, &error);
      g_assert_cmpint (ok, ==, validate_cases[i].ok);
      if (ok)
        g_assert_no_error (error);
      else
        g_assert_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID);
    }
}

static void
test_enums (void)
{
  SkPurchaseSource s = SK_PURCHASE_SOURCE_PARTNER;
  SkInvolvedVia v = SK_INVOLVED_VIA_NONE;

  g_assert_cmpstr (sk_purchase_source_to_string (SK_PURCHASE_SOURCE_QR), ==, "qr");
  g_assert_true (sk_purchase_source_from_string ("csv", &s));
  g_assert_cmpint (s, ==, SK_PURCHASE_SOURCE_CSV);
  g_assert_false (sk_purchase_source_from_string ("fax", &s));
  g_assert_cmpstr (sk_involved_via_to_string (SK_INVOLVED_VIA_CROSS_BONUS), ==, "cross_bonus");
  g_assert_true (sk_involved_via_from_string ("app_booking", &v));
  g_assert_cmpint (v, ==, SK_INVOLVED_VIA_APP_BOOKING);
  g_assert_false (sk_involved_via_from_string (NULL, &v));
}

static void
test_customer_hash (void)
{
  static const guint8 key[] = "club-secret";
  static const guint8 other[] = "other-secret";
  g_autofree char *a = sk_customer_hash (key, sizeof key - 1, "+79991234567");
  g_autofree char *b = sk_customer_hash (key, sizeof key - 1, "+79991234567");
  g_autofree char *c = sk_customer_hash (other, sizeof other - 1, "+79991234567");
  g_autofree char *d = sk_customer_hash (key, sizeof key - 1, "+79991234568");
  g_autofree char *expected = g_compute_hmac_for_string (G_CHECKSUM_SHA256, key, sizeof key - 1,
                                                         "+79991234567", -1);

  g_assert_cmpuint (strlen (a), ==, 64);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, ==, expected);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpstr (a, !=, d);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/purchase/new-copy-free", test_new_copy_free);
  g_test_add_func ("/core/purchase/validate", test_validate);
  g_test_add_func ("/core/purchase/enums", test_enums);
  g_test_add_func ("/core/purchase/customer-hash", test_customer_hash);

  return g_test_run ();
}
