/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-fake-partner.h"

/* 2026-11-21 00:00 Moscow: the end of the fixtures' day. */
#define NOW_US (G_GINT64_CONSTANT (1795208400) * G_USEC_PER_SEC)
/* 2026-11-20 00:00 Moscow: medical purchases keep the day only. */
#define DAY_US (G_GINT64_CONSTANT (1795122000) * G_USEC_PER_SEC)
#define API_KEY "rnova-4p1-k3y"
#define HASH_KEY "phone-hash-key-for-tests-0123456789"
/* The fake pages by 3, so the fixture's 5 invoices take two calls. */
#define PAGE_SIZE 3

typedef struct
{
  const char *id;
  const char *phone;
  SkKopecks   amount;
} Expected;

static const Expected expected[] = {
  { "50411", "+79161112233", 350000 },
  { "50418", "+79254445566", 468000 },
  { "50431", NULL, 190000 },
};

typedef struct
{
  SkFakePartner   *fake;
  JsonNode        *fixture;
  SkPartnerClient *client;
  SkConnector     *connector;
} Fixture;

/* Everything the connectors layer logs, to search it for medical detail. */
static GMutex log_mutex;
static GString *log_text;

static void
log_cb (const char     *domain,
        GLogLevelFlags  level,
        const char     *message,
        gpointer        user_data)
{
  g_mutex_lock (&log_mutex);
  g_string_append_printf (log_text, "%s\n", message);
  g_mutex_unlock (&log_mutex);

  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    g_log_default_handler (domain, level, message, user_data);
}

/* Every services[].title of the fixture. */
static GPtrArray *
fixture_titles (void)
{
  g_autoptr(JsonNode) root = sk_test_fixture_json ("renovatio-invoices.json");
  JsonArray *invoices = json_object_get_array_member (json_node_get_object (root), "data");
  GPtrArray *titles = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (invoices); i++)
    {
      JsonArray *services = json_object_get_array_member (json_array_get_object_element (invoices, i),
                                                          "services");

      for (guint j = 0; j < json_array_get_length (services); j++)
        g_ptr_array_add (titles, g_strdup (json_object_get_string_member (json_array_get_object_element (services, j),
                                                                          "title")));
    }
  g_assert_cmpuint (titles->len, ==, 5);
  return titles;
}

static void
assert_no_titles (const char *text)
{
  g_autoptr(GPtrArray) titles = fixture_titles ();

  for (guint i = 0; text != NULL && i < titles->len; i++)
    {
      const char *title = g_ptr_array_index (titles, i);

      g_assert_null (strstr (text, title));
      /* Not even a word of it. */
      g_assert_null (strstr (text, "приём"));
      g_assert_null (strstr (text, "УЗИ"));
    }
}

static void
assert_log_clean (void)
{
  g_mutex_lock (&log_mutex);
  assert_no_titles (log_text->str);
  g_mutex_unlock (&log_mutex);
}

static void
assert_purchase_clean (const SkPurchase *p)
{
  assert_no_titles (p->business_id);
  assert_no_titles (p->external_id);
  assert_no_titles (p->phone_e164);
  assert_no_titles (p->customer_hash);
  assert_no_titles (p->member_id);
  assert_no_titles (p->original_external_id);
}

static void
assert_sales (GPtrArray  *purchases,
              const char *business_id)
{
  g_assert_cmpuint (purchases->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      SkPurchase *p = g_ptr_array_index (purchases, i);
      g_autofree char *message = g_strconcat ("purchase:", expected[i].id, NULL);
      g_autofree char *invoice_hash = g_compute_hmac_for_string (G_CHECKSUM_SHA256,
                                                                 (const guchar *) HASH_KEY,
                                                                 strlen (HASH_KEY), message, -1);
      g_autofree char *external_id = g_strconcat ("renovatio:clinic:", invoice_hash, NULL);
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (p->external_id, ==, external_id);
      g_assert_null (strstr (p->external_id, expected[i].id));
      g_assert_null (p->phone_e164);
      if (expected[i].phone != NULL)
        {
          g_autofree char *hash = sk_customer_hash ((const guint8 *) HASH_KEY, strlen (HASH_KEY),
                                                    expected[i].phone);
          /* The same as the CSV import's, by hand. */
          g_autofree char *hmac = g_compute_hmac_for_string (G_CHECKSUM_SHA256,
                                                             (const guchar *) HASH_KEY,
                                                             strlen (HASH_KEY),
                                                             expected[i].phone, -1);

          g_assert_cmpstr (p->customer_hash, ==, hash);
          g_assert_cmpstr (p->customer_hash, ==, hmac);
        }
      else
        g_assert_null (p->customer_hash);
      g_assert_cmpint (p->amount, ==, expected[i].amount);
      g_assert_cmpint (p->occurred_at, ==, DAY_US);
      g_assert_cmpint (p->category, ==, SK_CATEGORY_MEDICAL_SERVICE);
      g_assert_true (p->completed);
      g_assert_cmpint (p->source, ==, SK_PURCHASE_SOURCE_PARTNER);
      g_assert_null (p->original_external_id);
      g_assert_null (p->member_id);
      g_assert_cmpstr (p->business_id, ==, business_id);
      assert_purchase_clean (p);

      if (business_id != NULL)
        {
          sk_purchase_validate (p, &error);
          g_assert_no_error (error);
        }
    }
}

static void
serve_invoices (SkFakePartner     *fake,
                SoupServerMessage *msg,
                gpointer           user_data)
{
  Fixture *f = user_data;
  JsonArray *invoices = json_object_get_array_member (json_node_get_object (f->fixture), "data");
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  guint64 page, count;

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "POST");
  g_assert_cmpstr (g_uri_get_path (soup_server_message_get_uri (msg)), ==, "/api/public/getInvoices");
  /* The key is never in the URL. */
  g_assert_null (g_uri_get_query (soup_server_message_get_uri (msg)));
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/x-www-form-urlencoded");

  form = soup_form_decode (text);
  if (g_strcmp0 (g_hash_table_lookup (form, "api_key"), API_KEY) != 0)
    {
      sk_fake_reply_text (msg, 200, "application/json",
                          "{\"error\":1,\"data\":{\"code\":403,\"desc\":\"No access to method\"}}");
      return;
    }

  g_assert_cmpstr (g_hash_table_lookup (form, "date_from"), ==, "19.11.2026");
  g_assert_cmpstr (g_hash_table_lookup (form, "date_to"), ==, "21.11.2026");
  g_assert_cmpstr (g_hash_table_lookup (form, "clinic_id"), ==, "3");
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (form, "page"), 10, 1, 100, &page, NULL));
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (form, "count"), 10, 1, 1000, &count, NULL));
  g_assert_cmpuint (count, ==, PAGE_SIZE);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "data");
  json_builder_begin_array (b);
  for (guint i = (page - 1) * count; i < json_array_get_length (invoices) && i < page * count; i++)
    json_builder_add_value (b, json_node_copy (json_array_get_element (invoices, i)));
  json_builder_end_array (b);
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/json", reply);
}

static SkConnector *
make_connector (Fixture    *f,
                const char *api_key)
{
  g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *page_size = g_strdup_printf ("%u", PAGE_SIZE);
  SkConnector *connector;

  g_hash_table_insert (settings, "base-url", (char *) sk_fake_partner_get_url (f->fake));
  g_hash_table_insert (settings, "api-key", (char *) api_key);
  g_hash_table_insert (settings, "phone-hash-key", HASH_KEY);
  g_hash_table_insert (settings, "clinic-id", "3");
  g_hash_table_insert (settings, "account", "clinic");
  g_hash_table_insert (settings, "business-id", "b-renovatio");
  g_hash_table_insert (settings, "page-size", page_size);
  connector = sk_connector_new ("renovatio", settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sk_connector_get_system (connector), ==, "renovatio");
  return connector;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->fixture = sk_test_fixture_json ("renovatio-invoices.json");
  f->fake = sk_fake_partner_new (serve_invoices, f);
  f->client = sk_test_client_new ();
  f->connector = make_connector (f, API_KEY);
  g_mutex_lock (&log_mutex);
  g_string_truncate (log_text, 0);
  g_mutex_unlock (&log_mutex);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  assert_log_clean ();
  g_clear_object (&f->connector);
  g_assert_finalize_object (f->client);
  g_clear_pointer (&f->fake, sk_fake_partner_free);
  g_clear_pointer (&f->fixture, json_node_unref);
}

static SkConnectorBatch *
fetch (Fixture  *f,
       GError  **error)
{
  SkConnectorBatch *batch = sk_connector_fetch (f->connector, f->client, "1795122000000000",
                                                NOW_US, NULL, error);

  if (error != NULL && *error != NULL)
    assert_no_titles ((*error)->message);
  return batch;
}

static void
assert_full_batch (SkConnectorBatch *batch)
{
  assert_sales (batch->purchases, "b-renovatio");
  g_assert_cmpuint (batch->n_fetched, ==, 5);
  /* Deleted, not paid. */
  g_assert_cmpuint (batch->n_skipped, ==, 2);
  g_assert_cmpuint (batch->n_invalid, ==, 0);
  g_assert_cmpuint (batch->n_unmatched, ==, 1);
  g_assert_cmpstr (batch->cursor, ==, "1795208400000000");
}

static void
test_fetch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_no_error (error);
  assert_full_batch (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 2);
}

static void
test_wrong_key (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  g_clear_object (&f->connector);
  f->connector = make_connector (f, "0ld-k3y");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_null (batch);
  g_assert_null (strstr (error->message, "0ld-k3y"));
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static void
test_http_forbidden (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 403, NULL,
                         "{\"error\":1,\"data\":{\"code\":403,\"desc\":\"No access to method\"}}");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static void
test_rate_limited (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 429, "0", NULL);
  batch = fetch (f, &error);
  g_assert_no_error (error);
  assert_full_batch (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 3);
}

static void
test_server_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 500, NULL, NULL);
  sk_fake_partner_queue (f->fake, 500, NULL, NULL);
  batch = fetch (f, &error);
  g_assert_no_error (error);
  assert_full_batch (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 4);
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 200, NULL,
                         "{\"error\":0,\"data\":[{\"id\":50411,\"services\":[{\"title\":"
                         "\"Первичный приём терапевта\"");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
  g_assert_null (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static SkConnectorPage *
parse (const SkPageContext  *ctx,
       const char           *data,
       gsize                 len,
       GError              **error)
{
  return sk_renovatio_parse_page (ctx, (const guint8 *) HASH_KEY, strlen (HASH_KEY), data, len,
                                  error);
}

static void
test_parse_fixture (void)
{
  SkPageContext ctx = { .account = "clinic", .page = 1, .page_size = 100 };
  gsize len;
  g_autofree char *text = sk_test_fixture_text ("renovatio-invoices.json", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = NULL;

  ctx.tz = g_time_zone_new_identifier ("Europe/Moscow");
  page = parse (&ctx, text, len, &error);
  g_time_zone_unref (ctx.tz);

  g_assert_no_error (error);
  g_assert_true (page->done);
  g_assert_null (page->next);
  g_assert_cmpuint (page->n_records, ==, 5);
  g_assert_cmpuint (page->n_skipped, ==, 2);
  g_assert_cmpuint (page->contact_ids->len, ==, 3);
  assert_sales (page->purchases, NULL);
}

static const struct
{
  const char *mobile;
  const char *e164;
} phones[] = {
  { "\"+79161112233\"", "+79161112233" },
  { "\"8 (916) 111-22-33\"", "+79161112233" },
  { "\"89161112233\"", "+79161112233" },
  { "\"79161112233\"", "+79161112233" },
  { "\"9161112233\"", "+79161112233" },
  { "\"+7 916 111 22 33\"", "+79161112233" },
  { "\"8-916-111-22-33\"", "+79161112233" },
  { "\"\"", NULL },
  { "null", NULL },
  { "79161112233", NULL },
  { "\"+380441234567\"", NULL },
  { "\"нет телефона\"", NULL },
};

static void
test_phones (void)
{
  SkPageContext ctx = { .account = "clinic", .page = 1, .page_size = 10 };

  for (guint i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"error\":0,\"data\":[{\"id\":1,\"status\":\"paid\","
                                               "\"is_deleted\":0,\"paid\":\"1900.50\","
                                               "\"date_created\":\"20.11.2026 16:50\","
                                               "\"patient_mobile\":%s}]}", phones[i].mobile);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = parse (&ctx, json, strlen (json), &error);
      g_autofree char *hash = NULL;
      SkPurchase *p;

      g_assert_no_error (error);
      g_assert_cmpuint (page->purchases->len, ==, 1);
      p = g_ptr_array_index (page->purchases, 0);
      if (phones[i].e164 != NULL)
        hash = sk_customer_hash ((const guint8 *) HASH_KEY, strlen (HASH_KEY), phones[i].e164);
      g_assert_cmpstr (p->customer_hash, ==, hash);
      g_assert_null (p->phone_e164);
      g_assert_cmpint (p->amount, ==, 190050);
    }
}

/* What is and is not a sale, and what cannot be read: the log names the invoice only. */
static void
test_records (void)
{
  static const struct
  {
    const char *invoice;
    gboolean    sale;
    gboolean    invalid;
  } records[] = {
    { "\"status\":\"paid\",\"is_deleted\":0,\"paid\":100", TRUE, FALSE },
    { "\"status\":\"paid\",\"is_deleted\":false,\"paid\":100", TRUE, FALSE },
    { "\"status\":\"paid\",\"is_deleted\":\"0\",\"paid\":100", TRUE, FALSE },
    { "\"status\":\"paid\",\"paid\":100", FALSE, FALSE },
    { "\"status\":\"paid\",\"is_deleted\":1,\"paid\":100", FALSE, FALSE },
    { "\"status\":\"paid\",\"is_deleted\":true,\"paid\":100", FALSE, FALSE },
    { "\"status\":\"paid\",\"is_deleted\":0,\"paid\":0.0", FALSE, FALSE },
    { "\"status\":\"paid\",\"is_deleted\":0,\"paid\":-100", FALSE, FALSE },
    { "\"status\":\"partially_paid\",\"is_deleted\":0,\"paid\":100", FALSE, FALSE },
    { "\"status\":\"paid\",\"is_deleted\":0,\"paid\":\"сто\"", FALSE, TRUE },
    { "\"status\":\"paid\",\"is_deleted\":0,\"paid\":1e400", FALSE, TRUE },
  };
  SkPageContext ctx = { .account = "clinic", .business_id = "b", .page = 1, .page_size = 10 };
  static const char *dates[] = {
    "\"2026-11-20 16:50\"", "\"31.02.2026 10:00\"", "\"20.11.2026 24:00\"", "\"20.11.0001 10:00\"",
    "\"20.11.2026\"", "1795122000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"error\":0,\"data\":[{\"id\":77,%s,"
                                               "\"date_created\":\"20.11.2026 16:50:05\","
                                               "\"patient_mobile\":\"+79161112233\",\"services\":"
                                               "[{\"title\":\"Консультация дерматолога\"}]}]}",
                                               records[i].invoice);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = parse (&ctx, json, strlen (json), &error);

      g_assert_no_error (error);
      g_assert_cmpuint (page->purchases->len, ==, records[i].sale ? 1 : 0);
      g_assert_cmpuint (page->n_invalid, ==, records[i].invalid ? 1 : 0);
      g_assert_cmpuint (page->n_skipped, ==, !records[i].sale && !records[i].invalid ? 1 : 0);
    }

  g_mutex_lock (&log_mutex);
  g_string_truncate (log_text, 0);
  g_mutex_unlock (&log_mutex);
  for (guint i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"error\":0,\"data\":[{\"id\":77,\"status\":\"paid\","
                                               "\"is_deleted\":0,\"paid\":100,\"date_created\":%s,"
                                               "\"services\":[{\"title\":\"Консультация дерматолога\"}]}]}",
                                               dates[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = parse (&ctx, json, strlen (json), &error);

      g_assert_no_error (error);
      g_assert_cmpuint (page->n_invalid, ==, 1);
    }
  g_mutex_lock (&log_mutex);
  g_assert_nonnull (strstr (log_text->str, "invoice 77:"));
  g_assert_null (strstr (log_text->str, "дерматолог"));
  g_mutex_unlock (&log_mutex);
}

static void
test_envelope (void)
{
  static const struct
  {
    const char *json;
    int         code;
  } envelopes[] = {
    { "{\"error\":1,\"data\":{\"code\":403,\"desc\":\"No access to method\"}}", SK_CONNECTOR_ERROR_AUTH },
    { "{\"error\":1,\"data\":{\"code\":401}}", SK_CONNECTOR_ERROR_AUTH },
    { "{\"error\":1,\"data\":{\"code\":500,\"desc\":\"Первичный приём терапевта\"}}",
      SK_CONNECTOR_ERROR_PARTNER },
    { "{\"error\":1,\"data\":[]}", SK_CONNECTOR_ERROR_PARTNER },
    { "{\"error\":1,\"data\":{\"code\":99999999999}}", SK_CONNECTOR_ERROR_PARTNER },
    { "{\"error\":0,\"data\":{}}", SK_CONNECTOR_ERROR_PARSE },
    { "{\"error\":\"0\",\"data\":[]}", SK_CONNECTOR_ERROR_PARSE },
    { "{\"data\":[]}", SK_CONNECTOR_ERROR_PARSE },
  };
  SkPageContext ctx = { .account = "clinic", .page = 1, .page_size = 10 };

  for (guint i = 0; i < G_N_ELEMENTS (envelopes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = parse (&ctx, envelopes[i].json, strlen (envelopes[i].json),
                                               &error);

      g_assert_error (error, SK_CONNECTOR_ERROR, envelopes[i].code);
      g_assert_null (page);
      assert_no_titles (error->message);
    }
}

static void
test_settings (void)
{
  static const struct
  {
    const char *key;
    const char *value;
  } bad[] = {
    { "phone-hash-key", "short" },
    { "phone-hash-key", "" },
    { "api-key", "" },
    { "clinic-id", "3&api_key=x" },
    { "page-size", "1001" },
    { "base-url", "app.rnova.org" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnector) connector = NULL;

      g_hash_table_insert (settings, "api-key", API_KEY);
      g_hash_table_insert (settings, "phone-hash-key", HASH_KEY);
      g_hash_table_insert (settings, (char *) bad[i].key, (char *) bad[i].value);
      connector = sk_connector_new ("renovatio", settings, &error);
      g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS);
      g_assert_null (connector);
      g_assert_null (strstr (error->message, HASH_KEY));
    }
}

static void
test_garbage (void)
{
  static const char *inputs[] = {
    "{\"error\":0,\"data\":[null,1,[],{\"id\":{}},{\"id\":\"\"},{\"id\":1,\"status\":\"paid\","
      "\"is_deleted\":0,\"paid\":1,\"date_created\":\"29.02.2028 23:59:59\"}]}",
    "{\"error\":0,\"data\":[{\"id\":1,\"status\":\"paid\",\"is_deleted\":0,\"paid\":92233720368547758,"
      "\"date_created\":\"01.01.9998 00:00\"}]}",
    "{\"error\":0,\"data\":[{\"id\":1,\"status\":\"paid\",\"is_deleted\":0,\"paid\":\"1,5\","
      "\"date_created\":\"01.01.1971 00:00\",\"patient_mobile\":{}}]}",
    "{\"error\":1}",
    "{\"error\":-1,\"data\":null}",
  };
  g_autoptr(GTimeZone) far = g_time_zone_new_offset (-(9 * 3600 + 30 * 60));
  SkPageContext contexts[] = {
    { .account = "clinic", .page = G_MAXUINT, .page_size = G_MAXUINT },
    { .account = "clinic", .tz = far, .page = 1, .page_size = 0 },
    { .account = "ж", .business_id = "b", .tz = far, .page = 1, .page_size = 1 },
  };

  sk_test_check_garbage (parse);
  for (guint c = 0; c < G_N_ELEMENTS (contexts); c++)
    for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(SkConnectorPage) page = parse (&contexts[c], inputs[i], strlen (inputs[i]), &error);

        g_assert_true ((page == NULL) != (error == NULL));
        for (guint j = 0; page != NULL && j < page->purchases->len; j++)
          {
            SkPurchase *p = g_ptr_array_index (page->purchases, j);

            g_assert_null (p->phone_e164);
            g_assert_cmpint (p->category, ==, SK_CATEGORY_MEDICAL_SERVICE);
            g_assert_true (g_str_has_prefix (p->external_id, "renovatio:"));
          }
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  log_text = g_string_new (NULL);
  g_log_set_handler ("sk-connectors", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     log_cb, NULL);

  g_test_add_func ("/connectors/renovatio/parse-fixture", test_parse_fixture);
  g_test_add_func ("/connectors/renovatio/phones", test_phones);
  g_test_add_func ("/connectors/renovatio/records", test_records);
  g_test_add_func ("/connectors/renovatio/envelope", test_envelope);
  g_test_add_func ("/connectors/renovatio/settings", test_settings);
  g_test_add_func ("/connectors/renovatio/garbage", test_garbage);
  g_test_add ("/connectors/renovatio/fetch", Fixture, NULL,
              fixture_setup, test_fetch, fixture_teardown);
  g_test_add ("/connectors/renovatio/wrong-api-key", Fixture, NULL,
              fixture_setup, test_wrong_key, fixture_teardown);
  g_test_add ("/connectors/renovatio/http-forbidden", Fixture, NULL,
              fixture_setup, test_http_forbidden, fixture_teardown);
  g_test_add ("/connectors/renovatio/429-then-success", Fixture, NULL,
              fixture_setup, test_rate_limited, fixture_teardown);
  g_test_add ("/connectors/renovatio/500-twice-then-success", Fixture, NULL,
              fixture_setup, test_server_errors, fixture_teardown);
  g_test_add ("/connectors/renovatio/malformed-json", Fixture, NULL,
              fixture_setup, test_malformed, fixture_teardown);

  return g_test_run ();
}
