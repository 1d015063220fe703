/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <glib/gi18n-lib.h>

#include "sk-bitrix24.h"
#include "sk-connector-error.h"
#include "sk-connector-json.h"

/**
 * SkBitrix24Connector:
 *
 * Bitrix24 REST through an incoming webhook: `crm.deal.list` for the deals won
 * (`CLOSED = Y`, `STAGE_SEMANTIC_ID = S`) in roubles and modified in the window, 50 rows a
 * page with `start`/`next`; then `crm.contact.list` with `@ID` for their contacts' phones,
 * preferring the mobile number. `CLOSEDATE` is user-editable, so the window is on
 * `DATE_MODIFY` and idempotency removes the deals read twice.
 *
 * Settings: "webhook-url" (https://<portal>/rest/<user>/<code>/: the code is the secret, so
 * the URL is never logged), and optionally "account" (the portal's host by default),
 * "business-id", "time-zone".
 */
struct _SkBitrix24Connector
{
  GObject    parent_instance;

  char      *webhook;
  char      *account;
  char      *business_id;
  GTimeZone *tz;
};

#define SYSTEM "bitrix24"
#define PAGE_ROWS 50

static void connector_iface_init (SkConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SkBitrix24Connector, sk_bitrix24_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SK_TYPE_CONNECTOR, connector_iface_init))

static const char *auth_errors[] = {
  "INVALID_CREDENTIALS", "NO_AUTH_FOUND", "expired_token", "invalid_token",
  "insufficient_scope", "ACCESS_DENIED", "WRONG_AUTH_TYPE",
};

/* Bitrix24 can answer an error envelope with any status; the ones about access are AUTH. */
static JsonArray *
result_array (JsonNode  *root,
              GError   **error)
{
  JsonObject *object = sk_connector_json_object (root);
  const char *code = sk_connector_json_get_string (object, "error");
  JsonArray *result;

  if (code != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (auth_errors); i++)
        if (g_str_equal (code, auth_errors[i]))
          {
            g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH,
                                 _("Bitrix24 refused the webhook: check its address and "
                                   "its “crm” access"));
            return NULL;
          }
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARTNER,
                           _("Bitrix24 reported an error"));
      return NULL;
    }

  result = sk_connector_json_get_array (object, "result");
  if (result == NULL)
    g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                         _("The Bitrix24 answer has no result list"));
  return result;
}

/* "next" is the offset of the following page; absent on the last one. */
static char *
dup_next (JsonNode *root,
          guint     n_rows)
{
  gint64 next;

  if (n_rows == 0 ||
      !sk_connector_json_get_int (sk_connector_json_object (root), "next", &next) ||
      next <= 0 || next > G_MAXINT32)
    return NULL;
  return g_strdup_printf ("%" G_GINT64_FORMAT, next);
}

static void
parse_deal (const SkPageContext *ctx,
            SkConnectorPage     *page,
            JsonNode            *node)
{
  JsonObject *deal = sk_connector_json_object (node);
  g_autofree char *id = sk_connector_json_dup_id (deal, "ID");
  g_autofree char *contact_id = NULL;
  gint64 closed_at;
  SkKopecks amount;

  page->n_records++;
  if (id == NULL)
    {
      page->n_invalid++;
      return;
    }

  /* "S" is won; "F" failed (LOSE, APOLOGY), "P" in progress. Other currencies are not ours. */
  if (g_strcmp0 (sk_connector_json_get_string (deal, "CLOSED"), "Y") != 0 ||
      g_strcmp0 (sk_connector_json_get_string (deal, "STAGE_SEMANTIC_ID"), "S") != 0 ||
      g_strcmp0 (sk_connector_json_get_string (deal, "CURRENCY_ID"), "RUB") != 0)
    {
      /* Failed since an earlier sync saw it won: reversed if it was recorded. */
      if (g_strcmp0 (sk_connector_json_get_string (deal, "STAGE_SEMANTIC_ID"), "F") == 0)
        sk_connector_page_add_cancelled (page, ctx, SYSTEM, id);
      page->n_skipped++;
      return;
    }

  if (!sk_connector_json_get_kopecks (deal, "OPPORTUNITY", &amount) || amount < 0 ||
      !sk_connector_json_get_time (deal, "CLOSEDATE", ctx->tz, &closed_at))
    {
      page->n_invalid++;
      return;
    }
  if (amount == 0)
    {
      page->n_skipped++;
      return;
    }

  /* CONTACT_ID is "0" or null when the deal has no contact. */
  contact_id = sk_connector_json_dup_id (deal, "CONTACT_ID");
  if (contact_id != NULL && g_str_equal (contact_id, "0"))
    g_clear_pointer (&contact_id, g_free);

  sk_connector_page_add_sale (page, ctx, SYSTEM, id, closed_at, amount, NULL, contact_id);
}

/**
 * sk_bitrix24_parse_deals:
 * @ctx: the portal
 * @data: (array length=len): the body of `crm.deal.list`
 * @len: its length
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE, %SK_CONNECTOR_ERROR_AUTH
 *   or %SK_CONNECTOR_ERROR_PARTNER for an error envelope)
 *
 * Pure: any bytes give a page or an error, never a crash. Purchases carry no phone yet:
 * @contact_ids says whose phone to fetch. @next is the `start` of the next page.
 *
 * Returns: (transfer full) (nullable): the page
 */
SkConnectorPage *
sk_bitrix24_parse_deals (const SkPageContext  *ctx,
                         const char           *data,
                         gsize                 len,
                         GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  JsonArray *deals;

  g_return_val_if_fail (ctx != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;
  deals = result_array (root, error);
  if (deals == NULL)
    return NULL;

  page = sk_connector_page_new ();
  for (guint i = 0; i < json_array_get_length (deals); i++)
    parse_deal (ctx, page, json_array_get_element (deals, i));

  page->next = dup_next (root, json_array_get_length (deals));
  page->done = page->next == NULL;
  return g_steal_pointer (&page);
}

/**
 * sk_bitrix24_parse_contacts:
 * @data: (array length=len): the body of `crm.contact.list` with `"select": ["ID", "PHONE"]`
 * @len: its length
 * @out_next: (out) (optional) (nullable): the `start` of the next page, or %NULL
 * @error: return location for a #GError
 *
 * Pure: any bytes give a table or an error, never a crash. Each contact's phone is its
 * MOBILE one, else the first usable one.
 *
 * Returns: (transfer full) (nullable) (element-type utf8 utf8): contact id to normalised phone
 */
GHashTable *
sk_bitrix24_parse_contacts (const char  *data,
                            gsize        len,
                            char       **out_next,
                            GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) phones = NULL;
  JsonArray *contacts;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_next != NULL)
    *out_next = NULL;

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;
  contacts = result_array (root, error);
  if (contacts == NULL)
    return NULL;

  phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < json_array_get_length (contacts); i++)
    {
      JsonObject *contact = sk_connector_json_object (json_array_get_element (contacts, i));
      g_autofree char *id = sk_connector_json_dup_id (contact, "ID");
      JsonArray *numbers = sk_connector_json_get_array (contact, "PHONE");
      g_autofree char *chosen = NULL;

      for (guint j = 0; id != NULL && numbers != NULL && j < json_array_get_length (numbers); j++)
        {
          JsonObject *number = sk_connector_json_object (json_array_get_element (numbers, j));
          g_autofree char *phone = NULL;

          phone = sk_connector_phone_normalize (sk_connector_json_get_string (number, "VALUE"));
          if (phone == NULL)
            continue;
          if (g_strcmp0 (sk_connector_json_get_string (number, "VALUE_TYPE"), "MOBILE") == 0)
            {
              g_free (chosen);
              chosen = g_steal_pointer (&phone);
              break;
            }
          if (chosen == NULL)
            chosen = g_steal_pointer (&phone);
        }

      if (chosen != NULL)
        g_hash_table_replace (phones, g_steal_pointer (&id), g_steal_pointer (&chosen));
    }

  if (out_next != NULL)
    *out_next = dup_next (root, json_array_get_length (contacts));
  return g_steal_pointer (&phones);
}

static GBytes *
call (SkBitrix24Connector  *self,
      SkPartnerClient      *client,
      const char           *method,
      JsonBuilder          *builder,
      GCancellable         *cancellable,
      GError              **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *uri = g_strconcat (self->webhook, method, ".json", NULL);
  g_autoptr(GBytes) body = NULL;
  const char *headers[] = { "Accept", "application/json", NULL };
  char *text;
  gsize len;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  body = g_bytes_new_take (text, len);

  return sk_partner_client_request (client, "POST", uri, headers, "application/json", body,
                                    NULL, cancellable, error);
}

static char *
format_iso (gint64     us,
            GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;

  return local != NULL ? g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
}

static JsonBuilder *
deals_request (const char *since,
               const char *until,
               const char *start)
{
  static const char *select[] = {
    "ID", "STAGE_SEMANTIC_ID", "OPPORTUNITY", "CURRENCY_ID", "CONTACT_ID", "CLOSED",
    "CLOSEDATE", "DATE_MODIFY",
  };
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "filter");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "CLOSED");
  json_builder_add_string_value (b, "Y");
  json_builder_set_member_name (b, "STAGE_SEMANTIC_ID");
  json_builder_add_string_value (b, "S");
  json_builder_set_member_name (b, "CURRENCY_ID");
  json_builder_add_string_value (b, "RUB");
  json_builder_set_member_name (b, ">=DATE_MODIFY");
  json_builder_add_string_value (b, since);
  json_builder_set_member_name (b, "<DATE_MODIFY");
  json_builder_add_string_value (b, until);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "select");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (select); i++)
    json_builder_add_string_value (b, select[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "order");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ID");
  json_builder_add_string_value (b, "ASC");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "start");
  json_builder_add_int_value (b, g_ascii_strtoll (start, NULL, 10));
  json_builder_end_object (b);
  return b;
}

static JsonBuilder *
contacts_request (GPtrArray  *ids,
                  guint       first,
                  const char *start)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "filter");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "@ID");
  json_builder_begin_array (b);
  for (guint i = first; i < ids->len && i < first + PAGE_ROWS; i++)
    json_builder_add_string_value (b, g_ptr_array_index (ids, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  /* "*" leaves out multi-value fields: PHONE must be named. */
  json_builder_set_member_name (b, "select");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "ID");
  json_builder_add_string_value (b, "PHONE");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "start");
  json_builder_add_int_value (b, g_ascii_strtoll (start, NULL, 10));
  json_builder_end_object (b);
  return b;
}

static gboolean
fetch_phones (SkBitrix24Connector  *self,
              SkPartnerClient      *client,
              GPtrArray            *ids,
              GHashTable           *phones,
              GCancellable         *cancellable,
              GError              **error)
{
  for (guint first = 0; first < ids->len; first += PAGE_ROWS)
    {
      g_autofree char *start = g_strdup ("0");
      guint n_pages = 0;

      while (start != NULL)
        {
          g_autoptr(JsonBuilder) request = contacts_request (ids, first, start);
          g_autoptr(GBytes) body = NULL;
          g_autoptr(GHashTable) page = NULL;
          GHashTableIter iter;
          gpointer key, value;
          const char *data;
          gsize len;

          if (++n_pages > SK_CONNECTOR_MAX_PAGES)
            {
              g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                                   _("The partner keeps sending pages; giving up"));
              return FALSE;
            }

          body = call (self, client, "crm.contact.list", request, cancellable, error);
          if (body == NULL)
            return FALSE;
          data = g_bytes_get_data (body, &len);
          g_clear_pointer (&start, g_free);
          page = sk_bitrix24_parse_contacts (data, len, &start, error);
          if (page == NULL)
            return FALSE;

          g_hash_table_iter_init (&iter, page);
          while (g_hash_table_iter_next (&iter, &key, &value))
            {
              g_hash_table_iter_steal (&iter);
              g_hash_table_replace (phones, key, value);
            }
        }
    }
  return TRUE;
}

static const char *
bitrix24_get_system (SkConnector *connector)
{
  return SYSTEM;
}

static SkConnectorBatch *
bitrix24_fetch (SkConnector      *connector,
                SkPartnerClient  *client,
                const char       *cursor,
                gint64            now_us,
                GCancellable     *cancellable,
                GError          **error)
{
  SkBitrix24Connector *self = SK_BITRIX24_CONNECTOR (connector);
  g_autoptr(SkConnectorBatch) batch = sk_connector_batch_new ();
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_connector_page_free);
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GHashTable) phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  g_autofree char *start = g_strdup ("0");
  SkPageContext ctx = {
    .account = self->account,
    .business_id = self->business_id,
    .tz = self->tz,
    .page = 1,
    .page_size = PAGE_ROWS,
  };
  gint64 since_us;

  if (!sk_connector_window (cursor, now_us, &since_us, error))
    return NULL;
  since = format_iso (since_us, self->tz);
  until = format_iso (now_us, self->tz);
  if (since == NULL || until == NULL)
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The sync window is out of range"));
      return NULL;
    }

  while (start != NULL)
    {
      g_autoptr(JsonBuilder) request = deals_request (since, until, start);
      g_autoptr(GBytes) body = NULL;
      SkConnectorPage *page;
      const char *data;
      gsize len;

      if (pages->len >= SK_CONNECTOR_MAX_PAGES)
        {
          g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                               _("The partner keeps sending pages; giving up"));
          return NULL;
        }

      body = call (self, client, "crm.deal.list", request, cancellable, error);
      if (body == NULL)
        return NULL;
      data = g_bytes_get_data (body, &len);
      page = sk_bitrix24_parse_deals (&ctx, data, len, error);
      if (page == NULL)
        return NULL;
      g_ptr_array_add (pages, page);
      ctx.page++;

      g_free (start);
      start = g_strdup (page->next);
    }

  for (guint i = 0; i < pages->len; i++)
    {
      SkConnectorPage *page = g_ptr_array_index (pages, i);

      for (guint j = 0; j < page->contact_ids->len; j++)
        {
          char *id = g_ptr_array_index (page->contact_ids, j);

          if (*id != '\0' && g_hash_table_add (wanted, id))
            g_ptr_array_add (ids, id);
        }
    }

  if (!fetch_phones (self, client, ids, phones, cancellable, error))
    return NULL;

  for (guint i = 0; i < pages->len; i++)
    {
      SkConnectorPage *page = g_ptr_array_index (pages, i);

      sk_connector_page_resolve_phones (page, phones);
      sk_connector_batch_add_page (batch, page);
    }

  batch->cursor = g_strdup_printf ("%" G_GINT64_FORMAT, now_us);
  return g_steal_pointer (&batch);
}

static void
connector_iface_init (SkConnectorInterface *iface)
{
  iface->get_system = bitrix24_get_system;
  iface->fetch = bitrix24_fetch;
}

static void
sk_bitrix24_connector_finalize (GObject *object)
{
  SkBitrix24Connector *self = SK_BITRIX24_CONNECTOR (object);

  g_free (self->webhook);
  g_free (self->account);
  g_free (self->business_id);
  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (sk_bitrix24_connector_parent_class)->finalize (object);
}

static void
sk_bitrix24_connector_class_init (SkBitrix24ConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sk_bitrix24_connector_finalize;
}

static void
sk_bitrix24_connector_init (SkBitrix24Connector *self)
{
}

/**
 * sk_bitrix24_connector_new:
 * @settings: (element-type utf8 utf8): see #SkBitrix24Connector
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: (transfer full) (nullable): the connector
 */
SkConnector *
sk_bitrix24_connector_new (GHashTable  *settings,
                           GError     **error)
{
  g_autoptr(SkBitrix24Connector) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *origin = NULL;
  const char *webhook;

  g_return_val_if_fail (settings != NULL, NULL);

  if ((webhook = sk_connector_setting (settings, "webhook-url", NULL, error)) == NULL ||
      (origin = sk_connector_origin (webhook, error)) == NULL)
    return NULL;

  self = g_object_new (SK_TYPE_BITRIX24_CONNECTOR, NULL);
  self->tz = sk_connector_setting_tz (settings, error);
  if (self->tz == NULL)
    return NULL;

  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  self->account = g_strdup (sk_connector_setting (settings, "account", g_uri_get_host (uri), NULL));
  self->webhook = g_str_has_suffix (webhook, "/") ? g_strdup (webhook)
                                                  : g_strconcat (webhook, "/", NULL);
  self->business_id = g_strdup (g_hash_table_lookup (settings, "business-id"));

  return SK_CONNECTOR (g_steal_pointer (&self));
}
