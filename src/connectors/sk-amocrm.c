/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "sk-amocrm.h"
#include "sk-connector-error.h"
#include "sk-connector-json.h"

/**
 * SkAmocrmConnector:
 *
 * amoCRM API v4: the leads won (status 142, "Успешно реализовано") and closed in the window,
 * following `_links.next`; then their main contacts' phones, fetched in batches with
 * `filter[id][]`, preferring the mobile number. An empty result is HTTP 204.
 *
 * Settings: "base-url" (https://<subdomain>.amocrm.ru), "token", and optionally
 * "pipeline-ids" (comma-separated: statuses 142/143 exist in every pipeline, so the server-side
 * filter needs them; without them every lead closed in the window is read and filtered here),
 * "account" (the namespace of external ids; the host by default), "business-id", "time-zone".
 */
struct _SkAmocrmConnector
{
  GObject    parent_instance;

  char      *origin;
  char      *account;
  char      *authorization;
  char      *business_id;
  GStrv      pipeline_ids;
  GTimeZone *tz;
};

#define SYSTEM "amocrm"
#define STATUS_WON 142
#define STATUS_LOST 143
#define PAGE_LIMIT 250
#define CONTACTS_PER_REQUEST 50

static void connector_iface_init (SkConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SkAmocrmConnector, sk_amocrm_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SK_TYPE_CONNECTOR, connector_iface_init))

static void
parse_error (GError     **error,
             const char  *message)
{
  g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE, message);
}

/* The main contact, or the first when none is marked main. */
static char *
dup_main_contact (JsonObject *lead)
{
  JsonArray *contacts = sk_connector_json_get_array (sk_connector_json_get_object (lead, "_embedded"),
                                                     "contacts");
  JsonObject *first = NULL;

  for (guint i = 0; contacts != NULL && i < json_array_get_length (contacts); i++)
    {
      JsonObject *contact = sk_connector_json_object (json_array_get_element (contacts, i));
      gboolean is_main = FALSE;

      if (contact == NULL)
        continue;
      if (sk_connector_json_get_bool (contact, "is_main", &is_main) && is_main)
        return sk_connector_json_dup_id (contact, "id");
      if (first == NULL)
        first = contact;
    }
  return first != NULL ? sk_connector_json_dup_id (first, "id") : NULL;
}

static void
parse_lead (const SkPageContext *ctx,
            SkConnectorPage     *page,
            JsonNode            *node)
{
  JsonObject *lead = sk_connector_json_object (node);
  g_autofree char *id = sk_connector_json_dup_id (lead, "id");
  g_autofree char *contact_id = NULL;
  gboolean deleted = FALSE;
  gint64 status = 0;
  gint64 closed_at;
  SkKopecks amount;

  page->n_records++;
  if (id == NULL)
    {
      page->n_invalid++;
      return;
    }

  /* 143 is lost, anything else still open; the filter is "alpha", so check again. */
  sk_connector_json_get_bool (lead, "is_deleted", &deleted);
  if (deleted || !sk_connector_json_get_int (lead, "status_id", &status) ||
      status != STATUS_WON)
    {
      /* Lost or deleted since an earlier sync saw it won: reversed if it was recorded. */
      if (deleted || status == STATUS_LOST)
        sk_connector_page_add_cancelled (page, ctx, SYSTEM, id);
      page->n_skipped++;
      return;
    }

  if (!sk_connector_json_get_time (lead, "closed_at", ctx->tz, &closed_at) ||
      !sk_connector_json_get_kopecks (lead, "price", &amount) || amount < 0)
    {
      page->n_invalid++;
      return;
    }

  if (amount == 0 ||
      (ctx->since_us != 0 && closed_at < ctx->since_us) ||
      (ctx->until_us != 0 && closed_at >= ctx->until_us))
    {
      page->n_skipped++;
      return;
    }

  contact_id = dup_main_contact (lead);
  sk_connector_page_add_sale (page, ctx, SYSTEM, id, closed_at, amount, NULL, contact_id);
}

/**
 * sk_amocrm_parse_leads:
 * @ctx: the account and, when set, the window to check `closed_at` against
 * @data: (array length=len): the body of `GET /api/v4/leads?with=contacts`
 * @len: its length
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE)
 *
 * Pure: any bytes give a page or an error, never a crash. Purchases carry no phone yet:
 * @contact_ids says whose phone to fetch. @next is `_links.next.href`; the page is done
 * without it.
 *
 * Returns: (transfer full) (nullable): the page
 */
SkConnectorPage *
sk_amocrm_parse_leads (const SkPageContext  *ctx,
                       const char           *data,
                       gsize                 len,
                       GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  JsonObject *object;
  JsonArray *leads;
  const char *next;

  g_return_val_if_fail (ctx != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;

  object = sk_connector_json_object (root);
  leads = sk_connector_json_get_array (sk_connector_json_get_object (object, "_embedded"), "leads");
  if (leads == NULL)
    {
      parse_error (error, _("The amoCRM answer has no list of leads"));
      return NULL;
    }

  page = sk_connector_page_new ();
  for (guint i = 0; i < json_array_get_length (leads); i++)
    parse_lead (ctx, page, json_array_get_element (leads, i));

  next = sk_connector_json_get_string (sk_connector_json_get_object (sk_connector_json_get_object (object, "_links"),
                                                                     "next"),
                                       "href");
  page->done = next == NULL || *next == '\0' || json_array_get_length (leads) == 0;
  if (!page->done)
    page->next = g_strdup (next);

  return g_steal_pointer (&page);
}

/* The PHONE field's values: the mobile one, else the first usable one. */
static char *
dup_contact_phone (JsonObject *contact)
{
  JsonArray *fields = sk_connector_json_get_array (contact, "custom_fields_values");
  g_autofree char *first = NULL;

  for (guint i = 0; fields != NULL && i < json_array_get_length (fields); i++)
    {
      JsonObject *field = sk_connector_json_object (json_array_get_element (fields, i));
      JsonArray *values;

      if (g_strcmp0 (sk_connector_json_get_string (field, "field_code"), "PHONE") != 0)
        continue;
      values = sk_connector_json_get_array (field, "values");
      for (guint j = 0; values != NULL && j < json_array_get_length (values); j++)
        {
          JsonObject *value = sk_connector_json_object (json_array_get_element (values, j));
          g_autofree char *phone = NULL;

          phone = sk_connector_phone_normalize (sk_connector_json_get_string (value, "value"));
          if (phone == NULL)
            continue;
          if (g_strcmp0 (sk_connector_json_get_string (value, "enum_code"), "MOB") == 0)
            return g_steal_pointer (&phone);
          if (first == NULL)
            first = g_steal_pointer (&phone);
        }
    }
  return g_steal_pointer (&first);
}

/**
 * sk_amocrm_parse_contacts:
 * @data: (array length=len): the body of `GET /api/v4/contacts?filter[id][]=…`
 * @len: its length
 * @out_next: (out) (optional) (nullable): `_links.next.href`, or %NULL on the last page
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE)
 *
 * Pure: any bytes give a table or an error, never a crash.
 *
 * Returns: (transfer full) (nullable) (element-type utf8 utf8): contact id to normalised phone,
 *   for the contacts that have a usable one
 */
GHashTable *
sk_amocrm_parse_contacts (const char  *data,
                          gsize        len,
                          char       **out_next,
                          GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) phones = NULL;
  JsonObject *object;
  JsonArray *contacts;
  const char *next;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_next != NULL)
    *out_next = NULL;

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;

  object = sk_connector_json_object (root);
  contacts = sk_connector_json_get_array (sk_connector_json_get_object (object, "_embedded"),
                                          "contacts");
  if (contacts == NULL)
    {
      parse_error (error, _("The amoCRM answer has no list of contacts"));
      return NULL;
    }

  phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < json_array_get_length (contacts); i++)
    {
      JsonObject *contact = sk_connector_json_object (json_array_get_element (contacts, i));
      g_autofree char *id = sk_connector_json_dup_id (contact, "id");
      g_autofree char *phone = id != NULL ? dup_contact_phone (contact) : NULL;

      if (phone != NULL)
        g_hash_table_replace (phones, g_steal_pointer (&id), g_steal_pointer (&phone));
    }

  next = sk_connector_json_get_string (sk_connector_json_get_object (sk_connector_json_get_object (object, "_links"),
                                                                     "next"),
                                       "href");
  if (out_next != NULL && next != NULL && *next != '\0' && json_array_get_length (contacts) > 0)
    *out_next = g_strdup (next);

  return g_steal_pointer (&phones);
}

/* A link from the partner keeps only its path and query: the token goes to our origin only. */
static char *
follow_link (SkAmocrmConnector  *self,
             const char         *href,
             GError            **error)
{
  g_autoptr(GUri) uri = g_uri_parse (href, G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL || !g_str_has_prefix (g_uri_get_path (uri), "/api/v4/"))
    {
      parse_error (error, _("The amoCRM next-page link is not readable"));
      return NULL;
    }
  return g_strconcat (self->origin, g_uri_get_path (uri),
                      g_uri_get_query (uri) != NULL ? "?" : "",
                      g_uri_get_query (uri) != NULL ? g_uri_get_query (uri) : "",
                      NULL);
}

static GBytes *
get (SkAmocrmConnector  *self,
     SkPartnerClient    *client,
     const char         *uri,
     guint              *status,
     GCancellable       *cancellable,
     GError            **error)
{
  const char *headers[] = {
    "Accept", "application/hal+json",
    "Authorization", self->authorization,
    NULL,
  };

  *status = 0;
  return sk_partner_client_request (client, "GET", uri, headers, NULL, NULL, status,
                                    cancellable, error);
}

static char *
leads_uri (SkAmocrmConnector *self,
           gint64             since_us,
           gint64             until_us)
{
  GString *uri = g_string_new (self->origin);

  /* Brackets are percent-encoded, as amoCRM asks; "to" is inclusive, hence the - 1. */
  g_string_append_printf (uri, "/api/v4/leads?with=contacts&limit=%u&page=1"
                          "&filter%%5Bclosed_at%%5D%%5Bfrom%%5D=%" G_GINT64_FORMAT
                          "&filter%%5Bclosed_at%%5D%%5Bto%%5D=%" G_GINT64_FORMAT,
                          PAGE_LIMIT, since_us / G_USEC_PER_SEC, until_us / G_USEC_PER_SEC - 1);
  for (guint i = 0; self->pipeline_ids != NULL && self->pipeline_ids[i] != NULL; i++)
    g_string_append_printf (uri,
                            "&filter%%5Bstatuses%%5D%%5B%u%%5D%%5Bpipeline_id%%5D=%s"
                            "&filter%%5Bstatuses%%5D%%5B%u%%5D%%5Bstatus_id%%5D=%d",
                            i, self->pipeline_ids[i], i, STATUS_WON);
  return g_string_free (uri, FALSE);
}

static gboolean
fetch_phones (SkAmocrmConnector  *self,
              SkPartnerClient    *client,
              GPtrArray          *ids,
              GHashTable         *phones,
              GCancellable       *cancellable,
              GError            **error)
{
  for (guint start = 0; start < ids->len; start += CONTACTS_PER_REQUEST)
    {
      g_autoptr(GString) first = g_string_new (self->origin);
      g_autofree char *uri = NULL;
      guint n_pages = 0;

      g_string_append_printf (first, "/api/v4/contacts?limit=%u", PAGE_LIMIT);
      for (guint i = start; i < ids->len && i < start + CONTACTS_PER_REQUEST; i++)
        {
          g_autofree char *id = g_uri_escape_string (g_ptr_array_index (ids, i), NULL, FALSE);

          g_string_append_printf (first, "&filter%%5Bid%%5D%%5B%%5D=%s", id);
        }
      uri = g_string_free (g_steal_pointer (&first), FALSE);

      while (uri != NULL)
        {
          g_autoptr(GBytes) body = NULL;
          g_autoptr(GHashTable) page = NULL;
          g_autofree char *next = NULL;
          GHashTableIter iter;
          gpointer key, value;
          const char *data;
          gsize len;
          guint status;

          if (++n_pages > SK_CONNECTOR_MAX_PAGES)
            {
              parse_error (error, _("The partner keeps sending pages; giving up"));
              return FALSE;
            }

          body = get (self, client, uri, &status, cancellable, error);
          if (body == NULL)
            return FALSE;
          g_clear_pointer (&uri, g_free);
          if (status == SOUP_STATUS_NO_CONTENT)
            break;

          data = g_bytes_get_data (body, &len);
          page = sk_amocrm_parse_contacts (data, len, &next, error);
          if (page == NULL)
            return FALSE;

          g_hash_table_iter_init (&iter, page);
          while (g_hash_table_iter_next (&iter, &key, &value))
            {
              g_hash_table_iter_steal (&iter);
              g_hash_table_replace (phones, key, value);
            }

          if (next != NULL && (uri = follow_link (self, next, error)) == NULL)
            return FALSE;
        }
    }
  return TRUE;
}

static const char *
amocrm_get_system (SkConnector *connector)
{
  return SYSTEM;
}

static SkConnectorBatch *
amocrm_fetch (SkConnector      *connector,
              SkPartnerClient  *client,
              const char       *cursor,
              gint64            now_us,
              GCancellable     *cancellable,
              GError          **error)
{
  SkAmocrmConnector *self = SK_AMOCRM_CONNECTOR (connector);
  g_autoptr(SkConnectorBatch) batch = sk_connector_batch_new ();
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_connector_page_free);
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GHashTable) phones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *uri = NULL;
  SkPageContext ctx = {
    .business_id = self->business_id,
    .account = self->account,
    .tz = self->tz,
    .page = 1,
    .page_size = PAGE_LIMIT,
  };

  if (!sk_connector_window (cursor, now_us, &ctx.since_us, error))
    return NULL;
  ctx.until_us = now_us;

  uri = leads_uri (self, ctx.since_us, ctx.until_us);
  while (uri != NULL)
    {
      g_autoptr(GBytes) body = NULL;
      SkConnectorPage *page;
      const char *data;
      gsize len;
      guint status;

      if (pages->len >= SK_CONNECTOR_MAX_PAGES)
        {
          parse_error (error, _("The partner keeps sending pages; giving up"));
          return NULL;
        }

      body = get (self, client, uri, &status, cancellable, error);
      if (body == NULL)
        return NULL;
      g_clear_pointer (&uri, g_free);
      if (status == SOUP_STATUS_NO_CONTENT)
        break;

      data = g_bytes_get_data (body, &len);
      page = sk_amocrm_parse_leads (&ctx, data, len, error);
      if (page == NULL)
        return NULL;
      g_ptr_array_add (pages, page);
      ctx.page++;

      if (!page->done && (uri = follow_link (self, page->next, error)) == NULL)
        return NULL;
    }

  /* Each contact once, however many leads it has. */
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
  iface->get_system = amocrm_get_system;
  iface->fetch = amocrm_fetch;
}

static void
sk_amocrm_connector_finalize (GObject *object)
{
  SkAmocrmConnector *self = SK_AMOCRM_CONNECTOR (object);

  g_free (self->origin);
  g_free (self->account);
  g_free (self->authorization);
  g_free (self->business_id);
  g_strfreev (self->pipeline_ids);
  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (sk_amocrm_connector_parent_class)->finalize (object);
}

static void
sk_amocrm_connector_class_init (SkAmocrmConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sk_amocrm_connector_finalize;
}

static void
sk_amocrm_connector_init (SkAmocrmConnector *self)
{
}

/**
 * sk_amocrm_connector_new:
 * @settings: (element-type utf8 utf8): see #SkAmocrmConnector
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: (transfer full) (nullable): the connector
 */
SkConnector *
sk_amocrm_connector_new (GHashTable  *settings,
                         GError     **error)
{
  g_autoptr(SkAmocrmConnector) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *origin = NULL;
  const char *base_url;
  const char *token;
  const char *pipelines;

  g_return_val_if_fail (settings != NULL, NULL);

  if ((base_url = sk_connector_setting (settings, "base-url", NULL, error)) == NULL ||
      (token = sk_connector_setting (settings, "token", NULL, error)) == NULL ||
      (origin = sk_connector_origin (base_url, error)) == NULL)
    return NULL;

  self = g_object_new (SK_TYPE_AMOCRM_CONNECTOR, NULL);
  self->tz = sk_connector_setting_tz (settings, error);
  if (self->tz == NULL)
    return NULL;

  pipelines = sk_connector_setting (settings, "pipeline-ids", "", NULL);
  if (*pipelines != '\0')
    {
      self->pipeline_ids = g_strsplit (pipelines, ",", -1);
      for (guint i = 0; self->pipeline_ids[i] != NULL; i++)
        {
          guint64 n;

          g_strstrip (self->pipeline_ids[i]);
          if (!g_ascii_string_to_unsigned (self->pipeline_ids[i], 10, 1, G_MAXINT64, &n, NULL))
            {
              g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The partner setting “%s” must be a list of numbers"),
                           "pipeline-ids");
              return NULL;
            }
        }
    }

  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  self->account = g_strdup (sk_connector_setting (settings, "account", g_uri_get_host (uri), NULL));
  self->origin = g_steal_pointer (&origin);
  self->authorization = g_strdup_printf ("Bearer %s", token);
  self->business_id = g_strdup (g_hash_table_lookup (settings, "business-id"));

  return SK_CONNECTOR (g_steal_pointer (&self));
}
