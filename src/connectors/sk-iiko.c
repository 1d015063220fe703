/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-connector-error.h"
#include "sk-connector-json.h"
#include "sk-iiko.h"

/**
 * SkIikoConnector:
 *
 * iiko Cloud API: an access token for the API login (`POST /api/1/access_token`), then the
 * delivery and pickup orders of the organisations, closed or cancelled, by delivery date
 * (`POST /api/1/deliveries/by_delivery_date_and_status`). iiko has no pages, so the window is
 * read in slices of "window-hours". After that, while the last run is less than
 * #REVISION_MAX_AGE_US old, only what changed since its revision is read
 * (`POST /api/1/deliveries/by_revision`): iiko keeps revisions for three hours, and an order
 * delivered earlier and closed since comes back with a new one. The cursor is
 * "MICROSECONDS:rREVISION", or plain microseconds when iiko gave no revision. An order is a sale when it was created (`creationStatus`
 * Success), is Closed and is not deleted; its amount is `order.sum`, after discounts. Dates
 * are the terminal's local time, without an offset.
 *
 * The token lives an hour: one is taken per fetch, and taken again once when iiko refuses it.
 *
 * Settings: "api-login", "organization-ids" (comma-separated), and optionally "base-url"
 * (https://api-ru.iiko.services), "window-hours" (24), "lookback-hours" (24: without a
 * revision, an order delivered but closed later is read again until then), "account" (the first organisation
 * by default), "business-id", "time-zone".
 */
struct _SkIikoConnector
{
  GObject    parent_instance;

  char      *base_url;
  char      *api_login;
  GStrv      organization_ids;
  char      *account;
  char      *business_id;
  GTimeZone *tz;
  gint64     window_us;
  gint64     lookback_us;
};

#define SYSTEM "iiko"
#define TOKEN_MAX 4096
#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
/* iiko answers by_revision for revisions up to 3 hours old; half an hour to spare. */
#define REVISION_MAX_AGE_US (5 * HOUR_US / 2)

static void connector_iface_init (SkConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SkIikoConnector, sk_iiko_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SK_TYPE_CONNECTOR, connector_iface_init))

/* iiko's error body: {correlationId, errorDescription, error}. The description is not
 * copied: it may quote the login. */
static gboolean
set_envelope_error (JsonObject  *object,
                    GError     **error)
{
  if (object != NULL && (json_object_has_member (object, "errorDescription") ||
                         json_object_has_member (object, "error")))
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARTNER,
                           _("iiko reported an error"));
      return TRUE;
    }
  return FALSE;
}

/**
 * sk_iiko_parse_token:
 * @data: (array length=len): the body of `POST /api/1/access_token`
 * @len: its length
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE or
 *   %SK_CONNECTOR_ERROR_PARTNER)
 *
 * Pure: any bytes give a token or an error, never a crash.
 *
 * Returns: (transfer full) (nullable): the token, printable ASCII only (it goes into a header)
 */
char *
sk_iiko_parse_token (const char  *data,
                     gsize        len,
                     GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  const char *token;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;

  object = sk_connector_json_object (root);
  token = sk_connector_json_get_string (object, "token");
  if (token == NULL && set_envelope_error (object, error))
    return NULL;
  if (token == NULL || *token == '\0' || strlen (token) > TOKEN_MAX)
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                           _("The iiko answer has no access token"));
      return NULL;
    }
  for (const char *p = token; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p))
      {
        g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                             _("The iiko answer has no access token"));
        return NULL;
      }
  return g_strdup (token);
}

static void
parse_order (const SkPageContext *ctx,
             SkConnectorPage     *page,
             JsonNode            *node)
{
  JsonObject *info = sk_connector_json_object (node);
  JsonObject *order = sk_connector_json_get_object (info, "order");
  g_autofree char *id = sk_connector_json_dup_id (info, "id");
  gboolean deleted = FALSE;
  gint64 closed_at;
  SkKopecks amount;

  page->n_records++;
  if (id == NULL)
    {
      page->n_invalid++;
      return;
    }

  /* Cancelled, Delivered (closed later: read again then) and the rest are not
   * sales yet; neither is an order the terminal failed to create. */
  sk_connector_json_get_bool (order, "isDeleted", &deleted);
  if (g_strcmp0 (sk_connector_json_get_string (info, "creationStatus"), "Success") != 0 ||
      g_strcmp0 (sk_connector_json_get_string (order, "status"), "Closed") != 0 || deleted)
    {
      /* Closed at an earlier sync, cancelled or deleted since: reversed if it was recorded. */
      if (deleted || g_strcmp0 (sk_connector_json_get_string (order, "status"), "Cancelled") == 0)
        sk_connector_page_add_cancelled (page, ctx, SYSTEM, id);
      page->n_skipped++;
      return;
    }

  if (!sk_connector_json_get_kopecks (order, "sum", &amount) || amount < 0 ||
      !sk_connector_json_get_time (order, "whenClosed", ctx->tz, &closed_at))
    {
      page->n_invalid++;
      return;
    }
  if (amount == 0)
    {
      page->n_skipped++;
      return;
    }

  /* A one-time guest has "phone": "": kept, unmatched. */
  sk_connector_page_add_sale (page, ctx, SYSTEM, id, closed_at, amount,
                              sk_connector_json_get_string (order, "phone"), NULL);
}

/**
 * sk_iiko_parse_page:
 * @ctx: the account
 * @data: (array length=len): the body of `POST /api/1/deliveries/by_delivery_date_and_status`
 * @len: its length
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE, or
 *   %SK_CONNECTOR_ERROR_PARTNER for iiko's error body)
 *
 * Pure: any bytes give a page or an error, never a crash. iiko does not page, so the page is
 * always done: the fetch walks the window in slices instead. @resume_at is the answer's
 * `maxRevision`, where the next run's by_revision starts, or %NULL when it has none.
 *
 * Returns: (transfer full) (nullable): the page
 */
SkConnectorPage *
sk_iiko_parse_page (const SkPageContext  *ctx,
                    const char           *data,
                    gsize                 len,
                    GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  JsonObject *object;
  JsonArray *organizations;
  gint64 revision;

  g_return_val_if_fail (ctx != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;

  object = sk_connector_json_object (root);
  organizations = sk_connector_json_get_array (object, "ordersByOrganizations");
  if (organizations == NULL)
    {
      if (!set_envelope_error (object, error))
        g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                             _("The iiko answer has no list of orders"));
      return NULL;
    }

  page = sk_connector_page_new ();
  for (guint i = 0; i < json_array_get_length (organizations); i++)
    {
      JsonObject *organization = sk_connector_json_object (json_array_get_element (organizations, i));
      JsonArray *orders = sk_connector_json_get_array (organization, "orders");

      for (guint j = 0; orders != NULL && j < json_array_get_length (orders); j++)
        parse_order (ctx, page, json_array_get_element (orders, j));
    }

  page->done = TRUE;
  if (sk_connector_json_get_int (object, "maxRevision", &revision) && revision >= 0)
    page->resume_at = g_strdup_printf ("%" G_GINT64_FORMAT, revision);
  return g_steal_pointer (&page);
}

static GBytes *
post_json (SkIikoConnector  *self,
           SkPartnerClient  *client,
           const char       *path,
           const char       *token,
           JsonBuilder      *builder,
           GCancellable     *cancellable,
           GError          **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *uri = g_strconcat (self->base_url, path, NULL);
  g_autofree char *authorization = token != NULL ? g_strconcat ("Bearer ", token, NULL) : NULL;
  g_autoptr(GBytes) body = NULL;
  const char *headers[] = {
    "Accept", "application/json",
    authorization != NULL ? "Authorization" : NULL, authorization,
    NULL,
  };
  char *text;
  gsize len;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  body = g_bytes_new_take (text, len);

  return sk_partner_client_request (client, "POST", uri, headers, "application/json", body,
                                    NULL, cancellable, error);
}

static char *
get_token (SkIikoConnector  *self,
           SkPartnerClient  *client,
           GCancellable     *cancellable,
           GError          **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GBytes) body = NULL;
  const char *data;
  gsize len;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "apiLogin");
  json_builder_add_string_value (b, self->api_login);
  json_builder_end_object (b);

  body = post_json (self, client, "/api/1/access_token", NULL, b, cancellable, error);
  if (body == NULL)
    return NULL;
  data = g_bytes_get_data (body, &len);
  return sk_iiko_parse_token (data, len, error);
}

/* "yyyy-MM-dd HH:mm:ss.fff", the terminal's local time. */
static char *
format_local (gint64     us,
              GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;
  g_autofree char *seconds = local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : NULL;

  if (seconds == NULL)
    return NULL;
  return g_strdup_printf ("%s.%03d", seconds, (int) (us % G_USEC_PER_SEC / 1000));
}

static JsonBuilder *
orders_request (SkIikoConnector *self,
                const char      *from,
                const char      *to)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "organizationIds");
  json_builder_begin_array (b);
  for (guint i = 0; self->organization_ids[i] != NULL; i++)
    json_builder_add_string_value (b, self->organization_ids[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "deliveryDateFrom");
  json_builder_add_string_value (b, from);
  json_builder_set_member_name (b, "deliveryDateTo");
  json_builder_add_string_value (b, to);
  json_builder_set_member_name (b, "statuses");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "Closed");
  json_builder_add_string_value (b, "Cancelled");
  json_builder_end_array (b);
  json_builder_end_object (b);
  return b;
}

static JsonBuilder *
revision_request (SkIikoConnector *self,
                  gint64           revision)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "startRevision");
  json_builder_add_int_value (b, revision);
  json_builder_set_member_name (b, "organizationIds");
  json_builder_begin_array (b);
  for (guint i = 0; self->organization_ids[i] != NULL; i++)
    json_builder_add_string_value (b, self->organization_ids[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return b;
}

static const char *
iiko_get_system (SkConnector *connector)
{
  return SYSTEM;
}

/* One fetch's token: taken at the start, renewed once when iiko refuses it mid-way. */
typedef struct
{
  char     *token;
  gboolean  renewed;
} Session;

/* Posts @request to @path and parses the orders into @batch, keeping the largest revision. */
static gboolean
fetch_orders (SkIikoConnector   *self,
              SkPartnerClient   *client,
              Session           *session,
              const char        *path,
              JsonBuilder       *request,
              SkPageContext     *ctx,
              SkConnectorBatch  *batch,
              gint64            *max_revision,
              GCancellable      *cancellable,
              GError           **error)
{
  for (;;)
    {
      g_autoptr(GBytes) body = NULL;
      g_autoptr(SkConnectorPage) page = NULL;
      g_autoptr(GError) local_error = NULL;
      const char *data;
      gsize len;
      gint64 revision;

      body = post_json (self, client, path, session->token, request, cancellable, &local_error);
      if (body == NULL)
        {
          if (!session->renewed &&
              g_error_matches (local_error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH))
            {
              session->renewed = TRUE;
              g_free (session->token);
              session->token = get_token (self, client, cancellable, error);
              if (session->token == NULL)
                return FALSE;
              continue;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      data = g_bytes_get_data (body, &len);
      page = sk_iiko_parse_page (ctx, data, len, error);
      if (page == NULL)
        return FALSE;
      if (page->resume_at != NULL &&
          g_ascii_string_to_signed (page->resume_at, 10, 0, G_MAXINT64, &revision, NULL))
        *max_revision = MAX (*max_revision, revision);
      sk_connector_batch_add_page (batch, page);
      return TRUE;
    }
}

/* "MICROSECONDS:rREVISION" or "MICROSECONDS": the time part is any connector's cursor. */
static gboolean
parse_cursor (const char  *cursor,
              char       **time_part,
              gint64      *revision,
              GError     **error)
{
  const char *mark = cursor != NULL ? strstr (cursor, ":r") : NULL;

  *revision = -1;
  if (mark == NULL)
    {
      *time_part = g_strdup (cursor);
      return TRUE;
    }
  if (!g_ascii_string_to_signed (mark + 2, 10, 0, G_MAXINT64, revision, NULL))
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The stored sync cursor is not readable"));
      return FALSE;
    }
  *time_part = g_strndup (cursor, (gsize) (mark - cursor));
  return TRUE;
}

static SkConnectorBatch *
iiko_fetch (SkConnector      *connector,
            SkPartnerClient  *client,
            const char       *cursor,
            gint64            now_us,
            GCancellable     *cancellable,
            GError          **error)
{
  SkIikoConnector *self = SK_IIKO_CONNECTOR (connector);
  g_autoptr(SkConnectorBatch) batch = sk_connector_batch_new ();
  g_autofree char *time_part = NULL;
  Session session = { NULL, FALSE };
  SkPageContext ctx = {
    .account = self->account,
    .business_id = self->business_id,
    .tz = self->tz,
    .page = 1,
  };
  gint64 since_us, revision, max_revision = -1;
  gboolean by_window;
  gboolean ok = TRUE;

  if (!parse_cursor (cursor, &time_part, &revision, error) ||
      !sk_connector_window (time_part, now_us, &since_us, error))
    return NULL;
  /* since_us is the last run's end less the overlap. */
  by_window = revision < 0 || now_us - (since_us + SK_CONNECTOR_OVERLAP_US) > REVISION_MAX_AGE_US;

  session.token = get_token (self, client, cancellable, error);
  if (session.token == NULL)
    return NULL;

  if (!by_window)
    {
      g_autoptr(JsonBuilder) request = revision_request (self, revision);
      g_autoptr(GError) local_error = NULL;

      max_revision = revision;
      ok = fetch_orders (self, client, &session, "/api/1/deliveries/by_revision", request, &ctx,
                         batch, &max_revision, cancellable, &local_error);
      /* iiko no longer knows the revision (or refuses the call): read the window instead. */
      if (!ok && (g_error_matches (local_error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_HTTP) ||
                  g_error_matches (local_error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARTNER)))
        {
          g_debug ("iiko by_revision failed (%s); reading the window", local_error->message);
          ok = TRUE;
          by_window = TRUE;
          max_revision = -1;
        }
      else if (!ok)
        g_propagate_error (error, g_steal_pointer (&local_error));
    }

  if (ok && by_window)
    {
      since_us = MIN (since_us, now_us - self->lookback_us);
      /* iiko guarantees the last 7 days only. */
      since_us = MAX (since_us, now_us - SK_CONNECTOR_FIRST_RUN_US);

      for (gint64 from_us = since_us; ok && from_us < now_us; ctx.page++)
        {
          gint64 to_us = MIN (from_us + self->window_us, now_us);
          g_autofree char *from = format_local (from_us, self->tz);
          /* deliveryDateTo is inclusive: the slice ends a millisecond before the next. */
          g_autofree char *to = format_local (to_us - 1000, self->tz);
          g_autoptr(JsonBuilder) request = NULL;

          if (from == NULL || to == NULL)
            {
              g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                                   _("The sync window is out of range"));
              ok = FALSE;
              break;
            }
          if (ctx.page > SK_CONNECTOR_MAX_PAGES)
            {
              g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                                   _("The partner keeps sending pages; giving up"));
              ok = FALSE;
              break;
            }

          request = orders_request (self, from, to);
          ok = fetch_orders (self, client, &session,
                             "/api/1/deliveries/by_delivery_date_and_status", request, &ctx,
                             batch, &max_revision, cancellable, error);
          from_us = to_us;
        }
    }
  g_free (session.token);
  if (!ok)
    return NULL;

  if (max_revision >= 0)
    batch->cursor = g_strdup_printf ("%" G_GINT64_FORMAT ":r%" G_GINT64_FORMAT,
                                     now_us, max_revision);
  else
    batch->cursor = g_strdup_printf ("%" G_GINT64_FORMAT, now_us);
  return g_steal_pointer (&batch);
}

static void
connector_iface_init (SkConnectorInterface *iface)
{
  iface->get_system = iiko_get_system;
  iface->fetch = iiko_fetch;
}

static void
sk_iiko_connector_finalize (GObject *object)
{
  SkIikoConnector *self = SK_IIKO_CONNECTOR (object);

  g_free (self->base_url);
  g_free (self->api_login);
  g_strfreev (self->organization_ids);
  g_free (self->account);
  g_free (self->business_id);
  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (sk_iiko_connector_parent_class)->finalize (object);
}

static void
sk_iiko_connector_class_init (SkIikoConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sk_iiko_connector_finalize;
}

static void
sk_iiko_connector_init (SkIikoConnector *self)
{
}

static gboolean
hours_setting (GHashTable  *settings,
               const char  *key,
               gint64      *out_us,
               GError     **error)
{
  guint hours;

  if (!sk_connector_setting_uint (settings, key, "24", 1, 168, &hours, error))
    return FALSE;
  *out_us = (gint64) hours * HOUR_US;
  return TRUE;
}

/**
 * sk_iiko_connector_new:
 * @settings: (element-type utf8 utf8): see #SkIikoConnector
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: (transfer full) (nullable): the connector
 */
SkConnector *
sk_iiko_connector_new (GHashTable  *settings,
                       GError     **error)
{
  g_autoptr(SkIikoConnector) self = NULL;
  g_autofree char *origin = NULL;
  g_auto(GStrv) ids = NULL;
  const char *api_login;
  const char *organizations;
  const char *base_url;
  gint64 window_us, lookback_us;

  g_return_val_if_fail (settings != NULL, NULL);

  if ((api_login = sk_connector_setting (settings, "api-login", NULL, error)) == NULL ||
      (organizations = sk_connector_setting (settings, "organization-ids", NULL, error)) == NULL)
    return NULL;

  ids = g_strsplit (organizations, ",", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_strstrip (ids[i]);
      if (!g_uuid_string_is_valid (ids[i]))
        {
          g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                       _("The partner setting “%s” must be a comma-separated list of ids"),
                       "organization-ids");
          return NULL;
        }
    }

  if (!hours_setting (settings, "window-hours", &window_us, error) ||
      !hours_setting (settings, "lookback-hours", &lookback_us, error))
    return NULL;

  base_url = sk_connector_setting (settings, "base-url", "https://api-ru.iiko.services", NULL);
  origin = sk_connector_origin (base_url, error);
  if (origin == NULL)
    return NULL;

  self = g_object_new (SK_TYPE_IIKO_CONNECTOR, NULL);
  self->tz = sk_connector_setting_tz (settings, error);
  if (self->tz == NULL)
    return NULL;
  self->base_url = g_steal_pointer (&origin);
  self->api_login = g_strdup (api_login);
  self->account = g_strdup (sk_connector_setting (settings, "account", ids[0], NULL));
  self->organization_ids = g_steal_pointer (&ids);
  self->business_id = g_strdup (g_hash_table_lookup (settings, "business-id"));
  self->window_us = window_us;
  self->lookback_us = lookback_us;

  return SK_CONNECTOR (g_steal_pointer (&self));
}
