/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <glib/gi18n-lib.h>

#include "sk-connector-error.h"
#include "sk-connector-json.h"
#include "sk-yclients.h"

/**
 * SkYclientsConnector:
 *
 * YCLIENTS REST API v1: the records of one company (`GET /api/v1/records/{company_id}`),
 * page by page, changed in the window. A record is a sale when the client came
 * (`attendance == 1`) and it is not deleted; its amount is the sum of its services' `cost`
 * (the price after discount).
 *
 * Settings: "company-id", "partner-token", "user-token", and optionally "base-url"
 * (https://api.yclients.com), "page-size" (300), "business-id", "time-zone".
 */
struct _SkYclientsConnector
{
  GObject    parent_instance;

  char      *base_url;
  char      *company_id;
  char      *authorization;
  char      *business_id;
  GTimeZone *tz;
  guint      page_size;
};

#define SYSTEM "yclients"

static void connector_iface_init (SkConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SkYclientsConnector, sk_yclients_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SK_TYPE_CONNECTOR, connector_iface_init))

static gboolean
parse_error (GError     **error,
             const char  *message)
{
  g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE, message);
  return FALSE;
}

/* Σ services[].cost; a record with no services or an unreadable cost cannot be counted. */
static gboolean
sum_services (JsonObject *record,
              SkKopecks  *out)
{
  JsonArray *services = sk_connector_json_get_array (record, "services");
  SkKopecks total = 0;

  if (services == NULL)
    return FALSE;

  for (guint i = 0; i < json_array_get_length (services); i++)
    {
      JsonObject *service = sk_connector_json_object (json_array_get_element (services, i));
      SkKopecks cost;

      if (!sk_connector_json_get_kopecks (service, "cost", &cost) ||
          __builtin_add_overflow (total, cost, &total))
        return FALSE;
    }
  *out = total;
  return TRUE;
}

static void
parse_record (const SkPageContext *ctx,
              SkConnectorPage     *page,
              JsonNode            *node)
{
  JsonObject *record = sk_connector_json_object (node);
  g_autofree char *id = sk_connector_json_dup_id (record, "id");
  gboolean deleted = FALSE;
  gint64 attendance = 0;
  gint64 occurred_at;
  SkKopecks amount;

  page->n_records++;
  if (id == NULL)
    {
      page->n_invalid++;
      return;
    }

  /* 1 = came, services done; -1 no-show, 0 waiting, 2 confirmed but not yet happened. */
  sk_connector_json_get_bool (record, "deleted", &deleted);
  if (deleted || !sk_connector_json_get_int (record, "attendance", &attendance) ||
      attendance != 1)
    {
      /* Deleted, a no-show, waiting or yet to come: if an earlier sync recorded it as a
       * visit, it no longer is one. */
      sk_connector_page_add_cancelled (page, ctx, SYSTEM, id);
      page->n_skipped++;
      return;
    }

  if (!sum_services (record, &amount) || amount < 0 ||
      (!sk_connector_json_get_time (record, "datetime", ctx->tz, &occurred_at) &&
       !sk_connector_json_get_time (record, "date", ctx->tz, &occurred_at)))
    {
      page->n_invalid++;
      return;
    }

  /* A free visit earns nothing and is not a purchase. */
  if (amount == 0)
    {
      page->n_skipped++;
      return;
    }

  sk_connector_page_add_sale (page, ctx, SYSTEM, id, occurred_at, amount,
                              sk_connector_json_get_string (sk_connector_json_get_object (record, "client"),
                                                            "phone"),
                              NULL);
}

/**
 * sk_yclients_parse_page:
 * @ctx: the account, the page asked for and its size
 * @data: (array length=len): the body of `GET /api/v1/records/{company_id}`
 * @len: its length
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE, or
 *   %SK_CONNECTOR_ERROR_PARTNER for `"success": false`)
 *
 * Pure: any bytes give a page or an error, never a crash. The page is done when
 * `page × count` reaches `meta.total_count`, or when it has no records.
 *
 * Returns: (transfer full) (nullable): the page
 */
SkConnectorPage *
sk_yclients_parse_page (const SkPageContext  *ctx,
                        const char           *data,
                        gsize                 len,
                        GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  JsonObject *object;
  JsonArray *records;
  gboolean success = FALSE;
  gint64 total;

  g_return_val_if_fail (ctx != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;

  object = sk_connector_json_object (root);
  if (!sk_connector_json_get_bool (object, "success", &success))
    {
      parse_error (error, _("The YCLIENTS answer has no “success” field"));
      return NULL;
    }
  if (!success)
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARTNER,
                           _("YCLIENTS reported an error"));
      return NULL;
    }

  records = sk_connector_json_get_array (object, "data");
  if (records == NULL)
    {
      parse_error (error, _("The YCLIENTS answer has no list of records"));
      return NULL;
    }

  page = sk_connector_page_new ();
  for (guint i = 0; i < json_array_get_length (records); i++)
    parse_record (ctx, page, json_array_get_element (records, i));

  if (sk_connector_json_get_int (sk_connector_json_get_object (object, "meta"), "total_count",
                                 &total))
    page->done = total <= 0 || (guint64) ctx->page * ctx->page_size >= (guint64) total;
  else
    page->done = json_array_get_length (records) < ctx->page_size;
  if (json_array_get_length (records) == 0)
    page->done = TRUE;
  if (!page->done)
    page->next = g_strdup_printf ("%u", ctx->page + 1);

  return g_steal_pointer (&page);
}

static char *
format_local (gint64     us,
              GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;

  return local != NULL ? g_date_time_format (local, "%Y-%m-%dT%H:%M:%S") : NULL;
}

static const char *
yclients_get_system (SkConnector *connector)
{
  return SYSTEM;
}

static SkConnectorBatch *
yclients_fetch (SkConnector      *connector,
                SkPartnerClient  *client,
                const char       *cursor,
                gint64            now_us,
                GCancellable     *cancellable,
                GError          **error)
{
  SkYclientsConnector *self = SK_YCLIENTS_CONNECTOR (connector);
  g_autoptr(SkConnectorBatch) batch = sk_connector_batch_new ();
  g_autofree char *after = NULL;
  g_autofree char *before = NULL;
  const char *headers[] = {
    "Accept", "application/vnd.yclients.v2+json",
    "Authorization", self->authorization,
    NULL,
  };
  SkPageContext ctx = {
    .account = self->company_id,
    .business_id = self->business_id,
    .tz = self->tz,
    .page = 1,
    .page_size = self->page_size,
  };
  gint64 since_us;

  if (!sk_connector_window (cursor, now_us, &since_us, error))
    return NULL;

  /* changed_after catches a record when the visit is marked done, whatever its date. */
  after = format_local (since_us, self->tz);
  before = format_local (now_us, self->tz);
  if (after == NULL || before == NULL)
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The sync window is out of range"));
      return NULL;
    }

  for (;; ctx.page++)
    {
      g_autofree char *uri = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(SkConnectorPage) page = NULL;
      const char *data;
      gsize len;

      if (ctx.page > SK_CONNECTOR_MAX_PAGES)
        {
          parse_error (error, _("The partner keeps sending pages; giving up"));
          return NULL;
        }

      uri = g_strdup_printf ("%s/api/v1/records/%s?page=%u&count=%u"
                             "&changed_after=%s&changed_before=%s",
                             self->base_url, self->company_id, ctx.page, ctx.page_size,
                             after, before);
      body = sk_partner_client_request (client, "GET", uri, headers, NULL, NULL, NULL,
                                        cancellable, error);
      if (body == NULL)
        return NULL;

      data = g_bytes_get_data (body, &len);
      page = sk_yclients_parse_page (&ctx, data, len, error);
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
  iface->get_system = yclients_get_system;
  iface->fetch = yclients_fetch;
}

static void
sk_yclients_connector_finalize (GObject *object)
{
  SkYclientsConnector *self = SK_YCLIENTS_CONNECTOR (object);

  g_free (self->base_url);
  g_free (self->company_id);
  g_free (self->authorization);
  g_free (self->business_id);
  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (sk_yclients_connector_parent_class)->finalize (object);
}

static void
sk_yclients_connector_class_init (SkYclientsConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sk_yclients_connector_finalize;
}

static void
sk_yclients_connector_init (SkYclientsConnector *self)
{
}

/**
 * sk_yclients_connector_new:
 * @settings: (element-type utf8 utf8): see #SkYclientsConnector
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: (transfer full) (nullable): the connector
 */
SkConnector *
sk_yclients_connector_new (GHashTable  *settings,
                           GError     **error)
{
  g_autoptr(SkYclientsConnector) self = NULL;
  g_autofree char *origin = NULL;
  const char *base_url;
  const char *company_id;
  const char *partner_token;
  const char *user_token;
  guint page_size;

  g_return_val_if_fail (settings != NULL, NULL);

  if ((company_id = sk_connector_setting (settings, "company-id", NULL, error)) == NULL ||
      (partner_token = sk_connector_setting (settings, "partner-token", NULL, error)) == NULL ||
      (user_token = sk_connector_setting (settings, "user-token", NULL, error)) == NULL)
    return NULL;

  /* The company id goes into the path: digits only. */
  if (!sk_connector_is_digits (company_id))
    {
      g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                   _("The partner setting “%s” must be a number"), "company-id");
      return NULL;
    }

  if (!sk_connector_setting_uint (settings, "page-size", "300", 1, 1000, &page_size, error))
    return NULL;

  base_url = sk_connector_setting (settings, "base-url", "https://api.yclients.com", NULL);
  origin = sk_connector_origin (base_url, error);
  if (origin == NULL)
    return NULL;

  self = g_object_new (SK_TYPE_YCLIENTS_CONNECTOR, NULL);
  self->tz = sk_connector_setting_tz (settings, error);
  if (self->tz == NULL)
    return NULL;
  self->base_url = g_steal_pointer (&origin);
  self->company_id = g_strdup (company_id);
  self->authorization = g_strdup_printf ("Bearer %s, User %s", partner_token, user_token);
  self->business_id = g_strdup (g_hash_table_lookup (settings, "business-id"));
  self->page_size = page_size;

  return SK_CONNECTOR (g_steal_pointer (&self));
}
