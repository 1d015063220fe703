/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-connector-error.h"
#include "sk-connector-json.h"
#include "sk-onec.h"

/**
 * SkOnecConnector:
 *
 * 1C:Enterprise through its standard OData interface: the documents (`Document_ЧекККМ` by
 * default) dated in the window, posted and not marked for deletion, with the counterparty
 * expanded for its phone, `$orderby=Date,Ref_Key` (documents sharing a time keep one order
 * from page to page) and `$top`/`$skip`. A document is a sale when it is
 * posted, not marked for deletion and its `ВидОперации` is "Продажа". A posted "Возврат"
 * that names the sale it refunds (the "refund-reference" attribute) is a refund of that sale;
 * one that names none cannot be matched to a purchase and is skipped.
 * Dates carry no offset: they are in the partner's zone.
 *
 * Settings: "base-url" (the published infobase, https://host/base), "user", "password"
 * (HTTP Basic), and optionally "document" (Document_ЧекККМ), "amount-field"
 * (СуммаДокумента), "phone-path" (Контрагент/КонтактнаяИнформация: all but the last member
 * are expanded), "refund-reference" (ЧекККМПродажа_Key), "page-size" (500, at most 1000), "account" (the host by default), "business-id",
 * "time-zone".
 */
struct _SkOnecConnector
{
  GObject    parent_instance;

  char      *base_url;
  char      *document;
  char      *amount_field;
  char      *phone_path;
  char      *refund_reference;
  char      *expand;
  char      *account;
  char      *authorization;
  char      *business_id;
  GTimeZone *tz;
  guint      page_size;
};

#define SYSTEM "onec"
#define DEFAULT_DOCUMENT "Document_ЧекККМ"
#define DEFAULT_AMOUNT "СуммаДокумента"
#define DEFAULT_PHONE_PATH "Контрагент/КонтактнаяИнформация"
#define DEFAULT_REFUND_REFERENCE "ЧекККМПродажа_Key"
#define OPERATION_SALE "Продажа"
#define OPERATION_REFUND "Возврат"
#define EMPTY_REFERENCE "00000000-0000-0000-0000-000000000000"
#define CONTACT_PHONE "Телефон"

static void connector_iface_init (SkConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SkOnecConnector, sk_onec_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SK_TYPE_CONNECTOR, connector_iface_init))

/* The first row of type "Телефон" that normalises: its digits, else its display form. */
static char *
dup_phone (JsonObject *document,
           const char *phone_path)
{
  g_auto(GStrv) members = g_strsplit (phone_path, "/", -1);
  JsonObject *object = document;
  JsonArray *rows;
  guint n = g_strv_length (members);

  if (n == 0)
    return NULL;
  for (guint i = 0; i + 1 < n && object != NULL; i++)
    object = sk_connector_json_get_object (object, members[i]);
  rows = sk_connector_json_get_array (object, members[n - 1]);

  for (guint i = 0; rows != NULL && i < json_array_get_length (rows); i++)
    {
      JsonObject *row = sk_connector_json_object (json_array_get_element (rows, i));
      char *phone;

      if (g_strcmp0 (sk_connector_json_get_string (row, "Тип"), CONTACT_PHONE) != 0)
        continue;
      phone = sk_connector_phone_normalize (sk_connector_json_get_string (row, "НомерТелефона"));
      if (phone == NULL)
        phone = sk_connector_phone_normalize (sk_connector_json_get_string (row, "Представление"));
      if (phone != NULL)
        return phone;
    }
  return NULL;
}

static void
parse_document (const SkPageContext *ctx,
                const SkOnecFields  *fields,
                SkConnectorPage     *page,
                JsonNode            *node)
{
  JsonObject *document = sk_connector_json_object (node);
  g_autofree char *id = sk_connector_json_dup_id (document, "Ref_Key");
  g_autofree char *phone = NULL;
  g_autofree char *original = NULL;
  const char *operation;
  gboolean posted = FALSE;
  gboolean deleted = TRUE;
  gint64 occurred_at;
  SkKopecks amount;

  page->n_records++;
  if (id == NULL)
    {
      page->n_invalid++;
      return;
    }

  /* The $filter asks for these already; a check posted later or marked since is not a sale. */
  if (!sk_connector_json_get_bool (document, "Posted", &posted) || !posted ||
      !sk_connector_json_get_bool (document, "DeletionMark", &deleted) || deleted)
    {
      page->n_skipped++;
      return;
    }

  operation = sk_connector_json_get_string (document, "ВидОперации");
  if (g_strcmp0 (operation, OPERATION_REFUND) == 0)
    {
      original = sk_connector_json_dup_id (document, fields->refund_reference);
      if (original == NULL || g_str_equal (original, EMPTY_REFERENCE))
        {
          page->n_skipped++;
          return;
        }
    }
  else if (g_strcmp0 (operation, OPERATION_SALE) != 0)
    {
      page->n_skipped++;
      return;
    }

  if (!sk_connector_json_get_kopecks (document, fields->amount, &amount) || amount < 0 ||
      !sk_connector_json_get_time (document, "Date", ctx->tz, &occurred_at))
    {
      page->n_invalid++;
      return;
    }
  if (amount == 0)
    {
      page->n_skipped++;
      return;
    }

  /* A refund is the original buyer's: the pipeline takes her from the sale. */
  if (original != NULL)
    {
      sk_connector_page_add_refund (page, ctx, SYSTEM, id, original, occurred_at, amount);
      return;
    }

  phone = dup_phone (document, fields->phone_path);
  sk_connector_page_add_sale (page, ctx, SYSTEM, id, occurred_at, amount, phone, NULL);
}

/**
 * sk_onec_parse_page:
 * @ctx: the account, the page asked for and its size (`$top`)
 * @fields: (nullable): the configuration's attributes, or %NULL for the defaults
 * @data: (array length=len): the body of `GET …/odata/standard.odata/Document_…?$format=json`
 * @len: its length
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_PARSE, or
 *   %SK_CONNECTOR_ERROR_PARTNER for an `odata.error` answer)
 *
 * Pure: any bytes give a page or an error, never a crash. The page is done when it holds
 * fewer documents than were asked for; @next is then the following page's number.
 *
 * Returns: (transfer full) (nullable): the page
 */
SkConnectorPage *
sk_onec_parse_page (const SkPageContext  *ctx,
                    const SkOnecFields   *fields,
                    const char           *data,
                    gsize                 len,
                    GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SkConnectorPage) page = NULL;
  SkOnecFields f = { DEFAULT_AMOUNT, DEFAULT_PHONE_PATH, DEFAULT_REFUND_REFERENCE };
  JsonObject *object;
  JsonArray *documents;
  guint n;

  g_return_val_if_fail (ctx != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fields != NULL && fields->amount != NULL)
    f.amount = fields->amount;
  if (fields != NULL && fields->phone_path != NULL)
    f.phone_path = fields->phone_path;
  if (fields != NULL && fields->refund_reference != NULL)
    f.refund_reference = fields->refund_reference;

  root = sk_connector_json_parse (data, len, error);
  if (root == NULL)
    return NULL;

  object = sk_connector_json_object (root);
  if (object != NULL && json_object_has_member (object, "odata.error"))
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARTNER,
                           _("1C reported an error"));
      return NULL;
    }

  documents = sk_connector_json_get_array (object, "value");
  if (documents == NULL)
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                           _("The 1C answer has no list of documents"));
      return NULL;
    }

  page = sk_connector_page_new ();
  n = json_array_get_length (documents);
  for (guint i = 0; i < n; i++)
    parse_document (ctx, &f, page, json_array_get_element (documents, i));

  page->done = n == 0 || n < ctx->page_size || ctx->page == G_MAXUINT;
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

static char *
documents_uri (SkOnecConnector *self,
               const char      *since,
               const char      *until,
               guint            page)
{
  g_autofree char *filter = NULL;
  g_autofree char *document = g_uri_escape_string (self->document, NULL, FALSE);
  g_autoptr(GString) uri = g_string_new (self->base_url);

  /* Re-checked per document: the filter only keeps the pages small. */
  filter = g_strdup_printf ("Date ge datetime'%s' and Date lt datetime'%s' "
                            "and Posted eq true and DeletionMark eq false", since, until);

  g_string_append_printf (uri, "/odata/standard.odata/%s?$format=json&$filter=", document);
  g_string_append_uri_escaped (uri, filter, NULL, FALSE);
  if (self->expand != NULL)
    {
      g_string_append (uri, "&$expand=");
      g_string_append_uri_escaped (uri, self->expand, NULL, FALSE);
    }
  g_string_append_printf (uri, "&$orderby=Date,Ref_Key&$top=%u&$skip=%" G_GUINT64_FORMAT,
                          self->page_size, (guint64) (page - 1) * self->page_size);
  return g_string_free (g_steal_pointer (&uri), FALSE);
}

static const char *
onec_get_system (SkConnector *connector)
{
  return SYSTEM;
}

static SkConnectorBatch *
onec_fetch (SkConnector      *connector,
            SkPartnerClient  *client,
            const char       *cursor,
            gint64            now_us,
            GCancellable     *cancellable,
            GError          **error)
{
  SkOnecConnector *self = SK_ONEC_CONNECTOR (connector);
  g_autoptr(SkConnectorBatch) batch = sk_connector_batch_new ();
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  const char *headers[] = {
    "Accept", "application/json",
    "Authorization", self->authorization,
    NULL,
  };
  SkOnecFields fields = { self->amount_field, self->phone_path, self->refund_reference };
  SkPageContext ctx = {
    .account = self->account,
    .business_id = self->business_id,
    .tz = self->tz,
    .page = 1,
    .page_size = self->page_size,
  };
  gint64 since_us;

  if (!sk_connector_window (cursor, now_us, &since_us, error))
    return NULL;

  since = format_local (since_us, self->tz);
  until = format_local (now_us, self->tz);
  if (since == NULL || until == NULL)
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
          g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE,
                               _("The partner keeps sending pages; giving up"));
          return NULL;
        }

      uri = documents_uri (self, since, until, ctx.page);
      body = sk_partner_client_request (client, "GET", uri, headers, NULL, NULL, NULL,
                                        cancellable, error);
      if (body == NULL)
        return NULL;

      data = g_bytes_get_data (body, &len);
      page = sk_onec_parse_page (&ctx, &fields, data, len, error);
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
  iface->get_system = onec_get_system;
  iface->fetch = onec_fetch;
}

static void
sk_onec_connector_finalize (GObject *object)
{
  SkOnecConnector *self = SK_ONEC_CONNECTOR (object);

  g_free (self->base_url);
  g_free (self->document);
  g_free (self->amount_field);
  g_free (self->phone_path);
  g_free (self->refund_reference);
  g_free (self->expand);
  g_free (self->account);
  g_free (self->authorization);
  g_free (self->business_id);
  g_clear_pointer (&self->tz, g_time_zone_unref);

  G_OBJECT_CLASS (sk_onec_connector_parent_class)->finalize (object);
}

static void
sk_onec_connector_class_init (SkOnecConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sk_onec_connector_finalize;
}

static void
sk_onec_connector_init (SkOnecConnector *self)
{
}

/* An attribute or a path of them: names, no URL syntax, no empty member. */
static gboolean
is_member_path (const char *s,
                gboolean    path)
{
  if (!g_utf8_validate (s, -1, NULL) || *s == '/' || g_str_has_suffix (s, "/") ||
      strstr (s, "//") != NULL)
    return FALSE;
  for (; *s != '\0'; s++)
    if (g_ascii_iscntrl (*s) || g_ascii_isspace (*s) || strchr ("?#&=',()$\"", *s) != NULL ||
        (*s == '/' && !path))
      return FALSE;
  return TRUE;
}

static SkConnector *
name_error (GError     **error,
            const char  *key)
{
  g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
               _("The partner setting “%s” is not a valid 1C name"), key);
  return NULL;
}

/**
 * sk_onec_connector_new:
 * @settings: (element-type utf8 utf8): see #SkOnecConnector
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: (transfer full) (nullable): the connector
 */
SkConnector *
sk_onec_connector_new (GHashTable  *settings,
                       GError     **error)
{
  g_autoptr(SkOnecConnector) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *credentials = NULL;
  const char *base_url;
  const char *user;
  const char *password;
  const char *document;
  const char *amount_field;
  const char *phone_path;
  const char *refund_reference;
  guint page_size;
  const char *slash;

  g_return_val_if_fail (settings != NULL, NULL);

  if ((base_url = sk_connector_setting (settings, "base-url", NULL, error)) == NULL ||
      (user = sk_connector_setting (settings, "user", NULL, error)) == NULL ||
      (password = sk_connector_setting (settings, "password", NULL, error)) == NULL ||
      (origin = sk_connector_origin (base_url, error)) == NULL)
    return NULL;

  /* The infobase is a path on the host: keep it, but nothing after it. */
  uri = g_uri_parse (base_url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The partner’s address is not a valid URL"));
      return NULL;
    }

  document = sk_connector_setting (settings, "document", DEFAULT_DOCUMENT, NULL);
  amount_field = sk_connector_setting (settings, "amount-field", DEFAULT_AMOUNT, NULL);
  phone_path = sk_connector_setting (settings, "phone-path", DEFAULT_PHONE_PATH, NULL);
  if (!is_member_path (document, FALSE))
    return name_error (error, "document");
  if (!is_member_path (amount_field, FALSE))
    return name_error (error, "amount-field");
  refund_reference = sk_connector_setting (settings, "refund-reference",
                                           DEFAULT_REFUND_REFERENCE, NULL);
  if (!is_member_path (phone_path, TRUE))
    return name_error (error, "phone-path");
  if (!is_member_path (refund_reference, FALSE))
    return name_error (error, "refund-reference");

  if (!sk_connector_setting_uint (settings, "page-size", "500", 1, 1000, &page_size, error))
    return NULL;

  self = g_object_new (SK_TYPE_ONEC_CONNECTOR, NULL);
  self->tz = sk_connector_setting_tz (settings, error);
  if (self->tz == NULL)
    return NULL;

  self->base_url = g_strdup (base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->document = g_strdup (document);
  self->amount_field = g_strdup (amount_field);
  self->phone_path = g_strdup (phone_path);
  self->refund_reference = g_strdup (refund_reference);
  slash = strrchr (phone_path, '/');
  if (slash != NULL)
    self->expand = g_strndup (phone_path, (gsize) (slash - phone_path));
  self->account = g_strdup (sk_connector_setting (settings, "account", g_uri_get_host (uri), NULL));
  self->page_size = page_size;
  self->business_id = g_strdup (g_hash_table_lookup (settings, "business-id"));

  /* RFC 7617: user-id ":" password, UTF-8, in base64. */
  credentials = g_strconcat (user, ":", password, NULL);
  {
    g_autofree char *encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));

    self->authorization = g_strconcat ("Basic ", encoded, NULL);
  }
  memset (credentials, 0, strlen (credentials));

  return SK_CONNECTOR (g_steal_pointer (&self));
}
