/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-fuzz"

#include <string.h>

#include "sk-fuzz-connector.h"

/* 2026-11-01 and 2026-11-21 00:00 Moscow: the window around the fixtures' day. */
#define SINCE_US (G_GINT64_CONSTANT (1793480400) * G_USEC_PER_SEC)
#define UNTIL_US (G_GINT64_CONSTANT (1795208400) * G_USEC_PER_SEC)
/* The end of 9999-12-31 UTC. */
#define MAX_US ((G_GINT64_CONSTANT (253402300799) + 1) * G_USEC_PER_SEC)

#define BUSINESS_ID "0b8f1f9e-6d1c-4c2a-9a57-3e1f0c9d2b11"

const SkPageContext *
sk_fuzz_page_context (size_t size)
{
  static SkPageContext contexts[5];
  static gboolean ready;

  /* Once: reading the zone file per input would be most of the time spent. */
  if (!ready)
    {
      GTimeZone *msk = g_time_zone_new_identifier ("Europe/Moscow");
      GString *cyrillic = g_string_new (NULL);
      GString *ascii = g_string_new (NULL);

      if (msk == NULL)
        msk = g_time_zone_new_offset (3 * 3600);
      /* 180 characters, 360 bytes: "system:" + that + ":" + id fits 200 only for short ids,
       * so the limit must be counted in characters. */
      for (guint i = 0; i < 180; i++)
        g_string_append (cyrillic, "ж");
      /* No external id fits: every sale is invalid. */
      for (guint i = 0; i < 200; i++)
        g_string_append_c (ascii, 'a');

      contexts[0] = (SkPageContext) { .account = "731402", .business_id = BUSINESS_ID,
                                      .page = 1, .page_size = 300 };
      contexts[1] = (SkPageContext) { .account = "svoykrug-demo", .business_id = BUSINESS_ID,
                                      .tz = msk, .page = 2, .page_size = 3,
                                      .since_us = SINCE_US, .until_us = UNTIL_US };
      contexts[2] = (SkPageContext) { .account = g_string_free (cyrillic, FALSE),
                                      .business_id = BUSINESS_ID, .tz = msk,
                                      .page = 1, .page_size = 0 };
      contexts[3] = (SkPageContext) { .account = "", .business_id = BUSINESS_ID,
                                      .tz = g_time_zone_new_offset (-(9 * 3600 + 30 * 60)),
                                      .page = G_MAXUINT, .page_size = G_MAXUINT,
                                      .since_us = SINCE_US };
      contexts[4] = (SkPageContext) { .account = g_string_free (ascii, FALSE),
                                      .business_id = BUSINESS_ID, .page = 1, .page_size = 50,
                                      .until_us = UNTIL_US };
      ready = TRUE;
    }

  return &contexts[size % G_N_ELEMENTS (contexts)];
}

gboolean
sk_fuzz_is_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 100 || !g_utf8_validate (id, -1, NULL))
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      return FALSE;
  return TRUE;
}

void
sk_fuzz_check_purchase (const SkFuzzSystem  *system,
                        const SkPageContext *ctx,
                        const SkPurchase    *p)
{
  g_autofree char *prefix = g_strdup_printf ("%s:%s:", system->code, ctx->account);
  g_autoptr(GError) error = NULL;

  SK_FUZZ_CHECK (p != NULL);

  /* "<system>:<account>:<id>", the id not empty, at most 200 characters in all. */
  SK_FUZZ_CHECK (p->external_id != NULL && g_utf8_validate (p->external_id, -1, NULL));
  SK_FUZZ_CHECK (g_str_has_prefix (p->external_id, prefix));
  SK_FUZZ_CHECK (strlen (p->external_id) > strlen (prefix));
  SK_FUZZ_CHECK (g_utf8_strlen (p->external_id, -1) <= SK_PURCHASE_EXTERNAL_ID_MAX);
  for (const char *c = p->external_id; *c != '\0'; c++)
    SK_FUZZ_CHECK (!g_ascii_iscntrl (*c));

  SK_FUZZ_CHECK (g_strcmp0 (p->business_id, ctx->business_id) == 0);
  /* Sales only: a connector drops free visits and never makes a refund. */
  SK_FUZZ_CHECK (p->amount > 0);
  SK_FUZZ_CHECK (p->original_external_id == NULL);
  SK_FUZZ_CHECK (p->completed);
  SK_FUZZ_CHECK (p->source == SK_PURCHASE_SOURCE_PARTNER);
  SK_FUZZ_CHECK (p->involved_via == SK_INVOLVED_VIA_NONE);
  SK_FUZZ_CHECK (p->member_id == NULL);
  /* 1970 to 9999, as sk_connector_json_get_time() promises. */
  SK_FUZZ_CHECK (p->occurred_at > 0 && p->occurred_at < MAX_US);
  if (system->window && ctx->since_us != 0)
    SK_FUZZ_CHECK (p->occurred_at >= ctx->since_us);
  if (system->window && ctx->until_us != 0)
    SK_FUZZ_CHECK (p->occurred_at < ctx->until_us);

  if (system->medical)
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr(GDateTime) at = NULL;
      g_autoptr(GDateTime) local = NULL;
      const char *hash = p->external_id + strlen (prefix);

      /* Anonymised: no phone, the invoice id only as an HMAC, the day without its time. */
      SK_FUZZ_CHECK (p->phone_e164 == NULL);
      SK_FUZZ_CHECK (p->category == SK_CATEGORY_MEDICAL_SERVICE);
      SK_FUZZ_CHECK (strlen (hash) == SK_HASH_HEX_LEN);
      for (const char *c = hash; *c != '\0'; c++)
        SK_FUZZ_CHECK (g_ascii_isdigit (*c) || (*c >= 'a' && *c <= 'f'));
      SK_FUZZ_CHECK (p->occurred_at % G_USEC_PER_SEC == 0);
      at = g_date_time_new_from_unix_utc (p->occurred_at / G_USEC_PER_SEC);
      SK_FUZZ_CHECK (at != NULL);
      local = g_date_time_to_timezone (at, ctx->tz != NULL ? ctx->tz : utc);
      SK_FUZZ_CHECK (g_date_time_get_hour (local) == 0 && g_date_time_get_minute (local) == 0 &&
                     g_date_time_get_second (local) == 0);
    }
  else
    {
      SK_FUZZ_CHECK (p->phone_e164 == NULL || sk_phone_is_e164 (p->phone_e164));
      SK_FUZZ_CHECK (p->customer_hash == NULL);
      SK_FUZZ_CHECK (p->category == SK_CATEGORY_NONE);
    }

  if (!sk_purchase_validate (p, &error))
    g_error ("sk_purchase_validate() refuses a connector's purchase: %s", error->message);
}

static void
check_error (const GError *error)
{
  SK_FUZZ_CHECK (error->domain == SK_CONNECTOR_ERROR);
  SK_FUZZ_CHECK (error->code == SK_CONNECTOR_ERROR_PARSE ||
                 error->code == SK_CONNECTOR_ERROR_AUTH ||
                 error->code == SK_CONNECTOR_ERROR_PARTNER);
  SK_FUZZ_CHECK (error->message != NULL && error->message[0] != '\0');
  SK_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
}

void
sk_fuzz_check_page (const SkFuzzSystem  *system,
                    const SkPageContext *ctx,
                    SkConnectorPage     *page,
                    GError              *error)
{
  SK_FUZZ_CHECK ((page == NULL) != (error == NULL));
  if (page == NULL)
    {
      check_error (error);
      return;
    }

  SK_FUZZ_CHECK (page->purchases != NULL && page->contact_ids != NULL);
  SK_FUZZ_CHECK (page->purchases->len == page->contact_ids->len);
  /* Each record is a sale, skipped or invalid: exactly one of them. */
  SK_FUZZ_CHECK ((guint64) page->n_records ==
                 (guint64) page->purchases->len + page->n_skipped + page->n_invalid);
  SK_FUZZ_CHECK (page->done == (page->next == NULL));
  SK_FUZZ_CHECK (page->next == NULL ||
                 (page->next[0] != '\0' && g_utf8_validate (page->next, -1, NULL)));

  for (guint i = 0; i < page->purchases->len; i++)
    {
      const char *contact = g_ptr_array_index (page->contact_ids, i);

      sk_fuzz_check_purchase (system, ctx, g_ptr_array_index (page->purchases, i));
      SK_FUZZ_CHECK (contact != NULL);
      if (system->contacts)
        SK_FUZZ_CHECK (*contact == '\0' || sk_fuzz_is_id (contact));
      else
        SK_FUZZ_CHECK (*contact == '\0');
    }
}

void
sk_fuzz_check_next_page (const SkPageContext   *ctx,
                         const SkConnectorPage *page)
{
  g_autofree char *expected = NULL;

  if (page->next == NULL)
    return;
  SK_FUZZ_CHECK (ctx->page < G_MAXUINT);
  expected = g_strdup_printf ("%u", ctx->page + 1);
  SK_FUZZ_CHECK (g_str_equal (page->next, expected));
}

void
sk_fuzz_check_phones (GHashTable *phones,
                      char       *next,
                      GError     *error)
{
  GHashTableIter iter;
  gpointer key, value;

  SK_FUZZ_CHECK ((phones == NULL) != (error == NULL));
  if (phones == NULL)
    {
      check_error (error);
      SK_FUZZ_CHECK (next == NULL);
      return;
    }

  SK_FUZZ_CHECK (next == NULL || (next[0] != '\0' && g_utf8_validate (next, -1, NULL)));
  g_hash_table_iter_init (&iter, phones);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SK_FUZZ_CHECK (sk_fuzz_is_id (key));
      SK_FUZZ_CHECK (sk_phone_is_e164 (value));
    }
}

void
sk_fuzz_check_resolved (const SkFuzzSystem  *system,
                        const SkPageContext *ctx,
                        SkConnectorPage     *page,
                        GHashTable          *phones)
{
  g_autoptr(SkConnectorBatch) batch = sk_connector_batch_new ();
  guint n = page->purchases->len;
  guint unmatched = 0;

  if (phones != NULL)
    {
      g_autofree char **before = g_new0 (char *, n + 1);

      for (guint i = 0; i < n; i++)
        before[i] = g_strdup (((SkPurchase *) g_ptr_array_index (page->purchases, i))->phone_e164);

      sk_connector_page_resolve_phones (page, phones);

      /* A phone of its own is kept; otherwise its contact's, when there is one. */
      for (guint i = 0; i < n; i++)
        {
          const SkPurchase *p = g_ptr_array_index (page->purchases, i);
          const char *found = g_hash_table_lookup (phones, g_ptr_array_index (page->contact_ids, i));

          if (before[i] != NULL)
            SK_FUZZ_CHECK (g_strcmp0 (p->phone_e164, before[i]) == 0);
          else
            SK_FUZZ_CHECK (g_strcmp0 (p->phone_e164, found) == 0);
          sk_fuzz_check_purchase (system, ctx, p);
          g_free (before[i]);
        }
    }

  for (guint i = 0; i < n; i++)
    {
      const SkPurchase *p = g_ptr_array_index (page->purchases, i);

      if (p->phone_e164 == NULL && p->customer_hash == NULL)
        unmatched++;
    }

  sk_connector_batch_add_page (batch, page);
  SK_FUZZ_CHECK (batch->purchases->len == n);
  SK_FUZZ_CHECK (batch->n_fetched == page->n_records);
  SK_FUZZ_CHECK (batch->n_skipped == page->n_skipped);
  SK_FUZZ_CHECK (batch->n_invalid == page->n_invalid);
  SK_FUZZ_CHECK (batch->n_unmatched == unmatched);
  SK_FUZZ_CHECK (page->purchases->len == 0 && page->contact_ids->len == 0);
}
