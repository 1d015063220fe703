/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "sk-connector-error.h"
#include "sk-connector-json.h"
#include "sk-medical.h"
#include "sk-renovatio.h"

/**
 * SkRenovatioConnector:
 *
 * МИС Renovatio, a medical information system: the invoices of the window
 * (`POST /api/public/getInvoices` with the API key as a form field), page by page. Only the
 * envelope is known from public client code; the invoice's fields, the date format and the
 * paging (`page`, `count`) follow the fixture and are guesses to check against a real account.
 * An invoice is a sale when it is "paid", not deleted and something was paid; its amount is
 * what was paid, after discount.
 *
 * A medical partner's data is anonymised here, at the boundary, by sk_medical_anonymize():
 * a purchase carries the day, the amount, the category medical_service and HMACs of the
 * patient's phone (the same as every other phone hash, so the member is found) and of the
 * invoice id. The services, doctors and diagnoses are never read, and a log line or an
 * error names an invoice by its id only.
 *
 * Settings: "api-key", "phone-hash-key" (the service's phone hash key), and optionally
 * "base-url" (https://app.rnova.org; some clinics have their own host), "clinic-id",
 * "page-size" (100), "account" (the host by default), "business-id", "time-zone".
 */
struct _SkRenovatioConnector
{
  GObject    parent_instance;

  char      *base_url;
  char      *api_key;
  GBytes    *hash_key;
  char      *clinic_id;
  char      *account;
  char      *business_id;
  GTimeZone *tz;
  guint      page_size;
};

#define SYSTEM "renovatio"

static void connector_iface_init (SkConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SkRenovatioConnector, sk_renovatio_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SK_TYPE_CONNECTOR, connector_iface_init))

static gboolean
read_digits (const char *s,
             guint       n,
             int        *out)
{
  int value = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      value = value * 10 + (s[i] - '0');
    }
  *out = value;
  return TRUE;
}

/* "20.11.2026 09:40" or "20.11.2026 09:40:15", in the clinic's zone (GUESS, from
 * v2/getAppointments' time_start). Years are kept far from GDateTime's limits, so the day
 * the anonymiser takes is always there in any zone. */
static gboolean
get_time (JsonObject *invoice,
          const char *member,
          GTimeZone  *tz,
          gint64     *out_us)
{
  const char *s = sk_connector_json_get_string (invoice, member);
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) dt = NULL;
  int day, month, year, hour, minute, second = 0;
  gsize len;

  if (s == NULL)
    return FALSE;
  len = strlen (s);
  if ((len != 16 && len != 19) ||
      !read_digits (s, 2, &day) || s[2] != '.' || !read_digits (s + 3, 2, &month) ||
      s[5] != '.' || !read_digits (s + 6, 4, &year) || s[10] != ' ' ||
      !read_digits (s + 11, 2, &hour) || s[13] != ':' || !read_digits (s + 14, 2, &minute) ||
      (len == 19 && (s[16] != ':' || !read_digits (s + 17, 2, &second))))
    return FALSE;
  if (year < 1971 || year > 9998 || month < 1 || month > 12 || day < 1 ||
      day > g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year) ||
      hour > 23 || minute > 59 || second > 59)
    return FALSE;

  if (tz == NULL)
    tz = utc = g_time_zone_new_utc ();
  dt = g_date_time_new (tz, year, month, day, hour, minute, second);
  if (dt == NULL)
    return FALSE;
  *out_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
  return TRUE;
}

/* 0 or false; a missing flag is not a "no". */
static gboolean
is_not_deleted (JsonObject *invoice)
{
  gint64 n;
  gboolean b;

  if (sk_connector_json_get_int (invoice, "is_deleted", &n))
    return n == 0;
  if (sk_connector_json_get_bool (invoice, "is_deleted", &b))
    return !b;
  return g_strcmp0 (sk_connector_json_get_string (invoice, "is_deleted"), "0") == 0;
}

static void
parse_invoice (const SkPageContext *ctx,
               const guint8        *key,
               gsize                key_len,
               SkConnectorPage     *page,
               JsonNode            *node)
{
  JsonObject *invoice = sk_connector_json_object (node);
  g_autofree char *id = sk_connector_json_dup_id (invoice, "id");
  g_autofree char *phone = NULL;
  g_autoptr(SkPurchase) p = NULL;
  SkMedicalInput input = { NULL, };
  SkMedicalRecord record;
  SkKopecks paid;
  gint64 created_at;

  page->n_records++;
  if (id == NULL)
    {
      g_debug ("An invoice without an id is not counted");
      page->n_invalid++;
      return;
    }

  if (g_strcmp0 (sk_connector_json_get_string (invoice, "status"), "paid") != 0 ||
      !is_not_deleted (invoice))
    {
      page->n_skipped++;
      return;
    }

  if (!sk_connector_json_get_kopecks (invoice, "paid", &paid) ||
      !get_time (invoice, "date_created", ctx->tz, &created_at))
    {
      g_debug ("invoice %s: no readable amount paid or date; not counted", id);
      page->n_invalid++;
      return;
    }
  if (paid <= 0)
    {
      page->n_skipped++;
      return;
    }

  /* Only these reach the anonymiser: the services are never read. Without a usable phone
   * the invoice id stands in for the customer, and that hash is dropped below. */
  phone = sk_connector_phone_normalize (sk_connector_json_get_string (invoice, "patient_mobile"));
  input.external_id = id;
  input.occurred_at = created_at;
  input.amount = paid;
  input.phone = phone;
  input.customer_id = phone == NULL ? id : NULL;
  if (!sk_medical_anonymize (&input, ctx->tz, key, key_len, &record, NULL))
    {
      g_debug ("invoice %s: cannot be anonymised; not counted", id);
      page->n_invalid++;
      return;
    }

  p = sk_medical_record_to_purchase (&record, ctx->business_id != NULL ? ctx->business_id : "",
                                     ctx->tz);
  g_free (p->business_id);
  p->business_id = g_strdup (ctx->business_id);
  /* "renovatio:<account>:<HMAC of the invoice id>": namespaced like every external id. */
  g_free (p->external_id);
  p->external_id = sk_connector_external_id (SYSTEM, ctx->account, record.external_hash);
  if (p->external_id == NULL)
    {
      g_debug ("invoice %s: the account is too long for an id; not counted", id);
      page->n_invalid++;
      return;
    }
  /* Members are found by their phone's hash only: a patient without one stays unmatched. */
  if (phone == NULL)
    g_clear_pointer (&p->customer_hash, g_free);

  g_ptr_array_add (page->purchases, g_steal_pointer (&p));
  g_ptr_array_add (page->contact_ids, g_strdup (""));
}

/* {"error": 1, "data": {"code": 403, "desc": …}}: the description is not copied. */
static void
set_envelope_error (JsonObject  *object,
                    GError     **error)
{
  gint64 code = 0;

  if (!sk_connector_json_get_int (sk_connector_json_get_object (object, "data"), "code", &code) ||
      code < 0 || code > G_MAXINT)
    code = 0;
  if (code == 401 || code == 403)
    g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH,
                 _("Renovatio refused the API key (code %d): check the key and that the "
                   "invoices are enabled for it"), (int) code);
  else
    g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARTNER,
                 _("Renovatio reported an error (code %d)"), (int) code);
}

/**
 * sk_renovatio_parse_page:
 * @ctx: the account, the page asked for and its size
 * @key: (array length=key_len): the phone hash key
 * @key_len: its length, > 0
 * @data: (array length=len): the body of `getInvoices`
 * @len: its length
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE,
 *   %SK_CONNECTOR_ERROR_AUTH for the error envelope's 401/403, %SK_CONNECTOR_ERROR_PARTNER
 *   for another)
 *
 * Pure: any bytes give a page or an error, never a crash. Every purchase is anonymised:
 * category medical_service, no phone, the customer only as an HMAC, no time of day. The page
 * is done when it holds fewer invoices than were asked for.
 *
 * Returns: (transfer full) (nullable): the page
 */
SkConnectorPage *
sk_renovatio_parse_page (const SkPageContext  *ctx,
                         const guint8         *key,
                         gsize                 key_len,
                         const char           *data,
                         gsize                 len,
                         GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  JsonObject *object;
  JsonArray *invoices;
  gint64 status;
  guint n;

  g_return_val_if_fail (ctx != NULL, NULL);
  g_return_val_if_fail (key != NULL && key_len > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;

  object = sk_connector_json_object (root);
  if (!sk_connector_json_get_int (object, "error", &status))
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                           _("The Renovatio answer has no “error” field"));
      return NULL;
    }
  if (status != 0)
    {
      set_envelope_error (object, error);
      return NULL;
    }

  invoices = sk_connector_json_get_array (object, "data");
  if (invoices == NULL)
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                           _("The Renovatio answer has no list of invoices"));
      return NULL;
    }

  page = sk_connector_page_new ();
  n = json_array_get_length (invoices);
  for (guint i = 0; i < n; i++)
    parse_invoice (ctx, key, key_len, page, json_array_get_element (invoices, i));

  page->done = n == 0 || n < ctx->page_size || ctx->page == G_MAXUINT;
  if (!page->done)
    page->next = g_strdup_printf ("%u", ctx->page + 1);

  return g_steal_pointer (&page);
}

static char *
format_day (gint64     us,
            GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;

  return local != NULL ? g_date_time_format (local, "%d.%m.%Y") : NULL;
}

static const char *
renovatio_get_system (SkConnector *connector)
{
  return SYSTEM;
}

static SkConnectorBatch *
renovatio_fetch (SkConnector      *connector,
                 SkPartnerClient  *client,
                 const char       *cursor,
                 gint64            now_us,
                 GCancellable     *cancellable,
                 GError          **error)
{
  SkRenovatioConnector *self = SK_RENOVATIO_CONNECTOR (connector);
  g_autoptr(SkConnectorBatch) batch = sk_connector_batch_new ();
  g_autofree char *uri = g_strconcat (self->base_url, "/api/public/getInvoices", NULL);
  g_autofree char *date_from = NULL;
  g_autofree char *date_to = NULL;
  g_autofree char *count = g_strdup_printf ("%u", self->page_size);
  const char *headers[] = { "Accept", "application/json", NULL };
  SkPageContext ctx = {
    .account = self->account,
    .business_id = self->business_id,
    .tz = self->tz,
    .page = 1,
    .page_size = self->page_size,
  };
  const guint8 *key;
  gsize key_len;
  gint64 since_us;

  if (!sk_connector_window (cursor, now_us, &since_us, error))
    return NULL;

  /* Whole days: idempotency drops the invoices read twice. */
  date_from = format_day (since_us, self->tz);
  date_to = format_day (now_us, self->tz);
  if (date_from == NULL || date_to == NULL)
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The sync window is out of range"));
      return NULL;
    }
  key = g_bytes_get_data (self->hash_key, &key_len);

  for (;; ctx.page++)
    {
      g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree char *page_number = g_strdup_printf ("%u", ctx.page);
      g_autoptr(GBytes) request = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(SkConnectorPage) page = NULL;
      char *text;
      const char *data;
      gsize len;

      if (ctx.page > SK_CONNECTOR_MAX_PAGES)
        {
          g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                               _("The partner keeps sending pages; giving up"));
          return NULL;
        }

      /* The key goes in the body, not the URL, so no access log keeps it. */
      g_hash_table_insert (form, "api_key", self->api_key);
      g_hash_table_insert (form, "date_from", date_from);
      g_hash_table_insert (form, "date_to", date_to);
      g_hash_table_insert (form, "page", page_number);
      g_hash_table_insert (form, "count", count);
      if (self->clinic_id != NULL)
        g_hash_table_insert (form, "clinic_id", self->clinic_id);
      text = soup_form_encode_hash (form);
      request = g_bytes_new_take (text, strlen (text));

      body = sk_partner_client_request (client, "POST", uri, headers,
                                        "application/x-www-form-urlencoded", request, NULL,
                                        cancellable, error);
      if (body == NULL)
        return NULL;

      data = g_bytes_get_data (body, &len);
      page = sk_renovatio_parse_page (&ctx, key, key_len, data, len, error);
      if (page == NULL)
        return NULL;

      sk_connector_batch_add_page (batch, page);
      if (page->done)
        break;
    }

  batch->cursor = g_strdup_printf ("%" G_GINT64_FORMAT, now_us);
  return g_steal_pointer (&batch);
}

static void
connector_iface_init (SkConnectorInterface *iface)
{
  iface->get_system = renovatio_get_system;
  iface->fetch = renovatio_fetch;
}

static void
sk_renovatio_connector_finalize (GObject *object)
{
  SkRenovatioConnector *self = SK_RENOVATIO_CONNECTOR (object);

  g_free (self->base_url);
  g_free (self->api_key);
  g_clear_pointer (&self->hash_key, g_bytes_unref);
  g_free (self->clinic_id);
  g_free (self->account);
  g_free (self->business_id);
  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (sk_renovatio_connector_parent_class)->finalize (object);
}

static void
sk_renovatio_connector_class_init (SkRenovatioConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sk_renovatio_connector_finalize;
}

static void
sk_renovatio_connector_init (SkRenovatioConnector *self)
{
}

/**
 * sk_renovatio_connector_new:
 * @settings: (element-type utf8 utf8): see #SkRenovatioConnector
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: (transfer full) (nullable): the connector
 */
SkConnector *
sk_renovatio_connector_new (GHashTable  *settings,
                            GError     **error)
{
  g_autoptr(SkRenovatioConnector) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *origin = NULL;
  const char *api_key;
  const char *hash_key;
  const char *clinic_id;
  guint page_size;

  g_return_val_if_fail (settings != NULL, NULL);

  if ((api_key = sk_connector_setting (settings, "api-key", NULL, error)) == NULL ||
      (hash_key = sk_connector_setting (settings, "phone-hash-key", NULL, error)) == NULL)
    return NULL;
  if (strlen (hash_key) < SK_RENOVATIO_HASH_KEY_MIN)
    {
      g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                   _("The partner setting “%s” must be at least %d bytes long"),
                   "phone-hash-key", SK_RENOVATIO_HASH_KEY_MIN);
      return NULL;
    }

  clinic_id = sk_connector_setting (settings, "clinic-id", NULL, NULL);
  if (clinic_id != NULL && !sk_connector_is_digits (clinic_id))
    {
      g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                   _("The partner setting “%s” must be a number"), "clinic-id");
      return NULL;
    }

  if (!sk_connector_setting_uint (settings, "page-size", "100", 1, 1000, &page_size, error))
    return NULL;

  origin = sk_connector_origin (sk_connector_setting (settings, "base-url", "https://app.rnova.org",
                                                      NULL),
                                error);
  if (origin == NULL)
    return NULL;

  self = g_object_new (SK_TYPE_RENOVATIO_CONNECTOR, NULL);
  self->tz = sk_connector_setting_tz (settings, error);
  if (self->tz == NULL)
    return NULL;

  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  self->account = g_strdup (sk_connector_setting (settings, "account", g_uri_get_host (uri), NULL));
  self->base_url = g_steal_pointer (&origin);
  self->api_key = g_strdup (api_key);
  self->hash_key = g_bytes_new (hash_key, strlen (hash_key));
  self->clinic_id = g_strdup (clinic_id);
  self->page_size = page_size;
  self->business_id = g_strdup (g_hash_table_lookup (settings, "business-id"));

  return SK_CONNECTOR (g_steal_pointer (&self));
}
