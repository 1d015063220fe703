/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-fake-partner.h"

/* 2026-11-21 00:00 Moscow: the end of the fixtures' day. */
#define NOW_US (G_GINT64_CONSTANT (1795208400) * G_USEC_PER_SEC)
#define WEBHOOK "/rest/1/k3y9webhook/"
/* Bitrix24 pages by 50; the fake pages by 3 so the fixture's 5 deals take two calls. */
#define DEALS_PER_PAGE 3

static const SkExpectedSale expected[] = {
  { "bitrix24:svoykrug:2051", "+79163330771", 2400000 },
  { "bitrix24:svoykrug:2058", "+79162041890", 375050 },
  { "bitrix24:svoykrug:2070", NULL, 199000 },
  { "bitrix24:svoykrug:2077", "+79857770011", 560000 },
};

typedef struct
{
  SkFakePartner   *fake;
  JsonNode        *deals;
  JsonNode        *contacts;
  SkPartnerClient *client;
  SkConnector     *connector;
} Fixture;

static void
reply_result (SoupServerMessage *msg,
              GPtrArray         *items,
              guint              total,
              gint64             next)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "result");
  json_builder_begin_array (b);
  for (guint i = 0; i < items->len; i++)
    json_builder_add_value (b, json_node_copy (g_ptr_array_index (items, i)));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, total);
  if (next > 0)
    {
      json_builder_set_member_name (b, "next");
      json_builder_add_int_value (b, next);
    }
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/json", reply);
}

static JsonObject *
request_body (SoupServerMessage *msg,
              JsonNode         **root)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  g_assert_cmpstr (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
                   ==, "application/json");
  *root = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_node_get_object (*root);
}

static void
serve_deals (Fixture           *f,
             SoupServerMessage *msg)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *request = request_body (msg, &root);
  JsonObject *filter = json_object_get_object_member (request, "filter");
  JsonArray *deals = json_object_get_array_member (json_node_get_object (f->deals), "result");
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  gint64 start = json_object_get_int_member (request, "start");
  guint n = json_array_get_length (deals);

  g_assert_cmpstr (json_object_get_string_member (filter, "CLOSED"), ==, "Y");
  g_assert_cmpstr (json_object_get_string_member (filter, "STAGE_SEMANTIC_ID"), ==, "S");
  g_assert_cmpstr (json_object_get_string_member (filter, "CURRENCY_ID"), ==, "RUB");
  g_assert_cmpstr (json_object_get_string_member (filter, ">=DATE_MODIFY"), ==,
                   "2026-11-19T23:45:00+03:00");
  g_assert_cmpstr (json_object_get_string_member (filter, "<DATE_MODIFY"), ==,
                   "2026-11-21T00:00:00+03:00");

  for (guint i = (guint) start; i < n && i < start + DEALS_PER_PAGE; i++)
    g_ptr_array_add (items, json_array_get_element (deals, i));
  reply_result (msg, items, n, start + DEALS_PER_PAGE < n ? start + DEALS_PER_PAGE : 0);
}

static void
serve_contacts (Fixture           *f,
                SoupServerMessage *msg)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *request = request_body (msg, &root);
  JsonArray *wanted = json_object_get_array_member (json_object_get_object_member (request, "filter"),
                                                    "@ID");
  JsonArray *select = json_object_get_array_member (request, "select");
  JsonArray *contacts = json_object_get_array_member (json_node_get_object (f->contacts), "result");
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  g_autoptr(GString) ids = g_string_new (NULL);

  g_assert_cmpstr (json_array_get_string_element (select, 1), ==, "PHONE");
  for (guint i = 0; i < json_array_get_length (wanted); i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? "," : "", json_array_get_string_element (wanted, i));
  /* The won deals' contacts, once each; 773 belongs to the lost deal. */
  g_assert_cmpstr (ids->str, ==, "771,772,775");

  for (guint i = 0; i < json_array_get_length (contacts); i++)
    {
      JsonNode *contact = json_array_get_element (contacts, i);
      const char *id = json_object_get_string_member (json_node_get_object (contact), "ID");

      for (guint j = 0; j < json_array_get_length (wanted); j++)
        if (g_str_equal (id, json_array_get_string_element (wanted, j)))
          g_ptr_array_add (items, contact);
    }
  reply_result (msg, items, items->len, 0);
}

static void
serve (SkFakePartner     *fake,
       SoupServerMessage *msg,
       gpointer           user_data)
{
  Fixture *f = user_data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "POST");
  if (!g_str_has_prefix (path, WEBHOOK))
    {
      sk_fake_reply_text (msg, 401, "application/json",
                          "{\"error\":\"INVALID_CREDENTIALS\","
                          "\"error_description\":\"Invalid request credentials\"}");
      return;
    }

  path += strlen (WEBHOOK);
  if (g_str_equal (path, "crm.deal.list.json"))
    serve_deals (f, msg);
  else if (g_str_equal (path, "crm.contact.list.json"))
    serve_contacts (f, msg);
  else
    sk_fake_reply_text (msg, 400, "application/json", "{\"error\":\"ERROR_METHOD_NOT_FOUND\"}");
}

static SkConnector *
make_connector (Fixture    *f,
                const char *webhook)
{
  g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (sk_fake_partner_get_url (f->fake), webhook, NULL);
  SkConnector *connector;

  g_hash_table_insert (settings, "webhook-url", url);
  g_hash_table_insert (settings, "account", "svoykrug");
  connector = sk_connector_new ("bitrix24", settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sk_connector_get_system (connector), ==, "bitrix24");
  return connector;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->deals = sk_test_fixture_json ("bitrix24-deals.json");
  f->contacts = sk_test_fixture_json ("bitrix24-contacts.json");
  f->fake = sk_fake_partner_new (serve, f);
  f->client = sk_test_client_new ();
  /* Without the trailing slash: the connector adds it. */
  f->connector = make_connector (f, "/rest/1/k3y9webhook");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->connector);
  g_assert_finalize_object (f->client);
  g_clear_pointer (&f->fake, sk_fake_partner_free);
  g_clear_pointer (&f->deals, json_node_unref);
  g_clear_pointer (&f->contacts, json_node_unref);
}

static SkConnectorBatch *
fetch (Fixture  *f,
       GError  **error)
{
  return sk_connector_fetch (f->connector, f->client, "1795122000000000", NOW_US, NULL, error);
}

static void
assert_full_batch (SkConnectorBatch *batch)
{
  sk_test_assert_sales (batch->purchases, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (batch->n_fetched, ==, 5);
  g_assert_cmpuint (batch->n_skipped, ==, 1);
  g_assert_cmpuint (batch->n_invalid, ==, 0);
  g_assert_cmpuint (batch->n_unmatched, ==, 1);
  g_assert_cmpstr (batch->cursor, ==, "1795208400000000");
  /* CLOSEDATE 2026-11-20T00:00:00+03:00 */
  g_assert_cmpint (((SkPurchase *) g_ptr_array_index (batch->purchases, 0))->occurred_at, ==,
                   G_GINT64_CONSTANT (1795122000) * G_USEC_PER_SEC);
}

static void
test_fetch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_no_error (error);
  assert_full_batch (batch);
  /* Two pages of deals, one of contacts. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 3);
}

static void
test_wrong_webhook (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  g_clear_object (&f->connector);
  f->connector = make_connector (f, "/rest/1/0ld-c0de/");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_null (strstr (error->message, "0ld-c0de"));
  g_assert_null (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

/* Some portals answer an expired token with an error envelope and 200. */
static void
test_error_envelope (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 200, NULL, "{\"error\":\"expired_token\"}");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static void
test_query_limit (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 503, NULL,
                         "{\"error\":\"QUERY_LIMIT_EXCEEDED\",\"error_description\":\"Too many requests\"}");
  sk_fake_partner_queue (f->fake, 429, "0", NULL);
  batch = fetch (f, &error);
  g_assert_no_error (error);
  assert_full_batch (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 5);
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
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 5);
}

static void
test_retries_run_out (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  for (guint i = 0; i < 4; i++)
    sk_fake_partner_queue (f->fake, 503, NULL, NULL);
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_HTTP);
  g_assert_null (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 4);
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 200, NULL, "<html>502 Bad Gateway</html>");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
  g_assert_null (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static const struct
{
  const char *numbers;
  const char *e164;
} phones[] = {
  { "{\"VALUE_TYPE\":\"WORK\",\"VALUE\":\"8 (916) 204-18-90\"}", "+79162041890" },
  { "{\"VALUE_TYPE\":\"MOBILE\",\"VALUE\":\"79162041890\"}", "+79162041890" },
  { "{\"VALUE_TYPE\":\"HOME\",\"VALUE\":\"+7 916 204 18 90\"}", "+79162041890" },
  { "{\"VALUE_TYPE\":\"OTHER\",\"VALUE\":\"(916) 204-18-90\"}", "+79162041890" },
  { "{\"VALUE_TYPE\":\"WORK\",\"VALUE\":\"+74951110022\"},"
    "{\"VALUE_TYPE\":\"MOBILE\",\"VALUE\":\"8-916-204-18-90\"}", "+79162041890" },
  { "{\"VALUE_TYPE\":\"MOBILE\",\"VALUE\":\"n/a\"},"
    "{\"VALUE_TYPE\":\"WORK\",\"VALUE\":\"9162041890\"}", "+79162041890" },
  { "{\"VALUE_TYPE\":\"MOBILE\",\"VALUE\":\"+7 701 123 45 67\"}", NULL },
  { "{\"VALUE_TYPE\":\"MOBILE\"}", NULL },
};

static void
test_phones (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"result\":[{\"ID\":\"772\",\"PHONE\":[%s]}],"
                                               "\"total\":1}", phones[i].numbers);
      g_autoptr(GError) error = NULL;
      g_autofree char *next = NULL;
      g_autoptr(GHashTable) table = sk_bitrix24_parse_contacts (json, strlen (json), &next, &error);

      g_assert_no_error (error);
      g_assert_null (next);
      g_assert_cmpstr (g_hash_table_lookup (table, "772"), ==, phones[i].e164);
    }
}

static void
test_parse_fixture (void)
{
  SkPageContext ctx = { .account = "svoykrug", .page = 1 };
  gsize len;
  g_autofree char *deals = sk_test_fixture_text ("bitrix24-deals.json", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = sk_bitrix24_parse_deals (&ctx, deals, len, &error);
  g_autofree char *contacts = NULL;
  g_autoptr(GHashTable) phones = NULL;

  g_assert_no_error (error);
  g_assert_true (page->done);
  g_assert_cmpuint (page->n_records, ==, 5);
  g_assert_cmpuint (page->n_skipped, ==, 1);
  g_assert_cmpuint (page->cancelled->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (page->cancelled, 0), ==, "bitrix24:svoykrug:2063");
  g_assert_cmpstr (g_ptr_array_index (page->contact_ids, 2), ==, "");

  contacts = sk_test_fixture_text ("bitrix24-contacts.json", &len);
  phones = sk_bitrix24_parse_contacts (contacts, len, NULL, &error);
  g_assert_no_error (error);
  sk_connector_page_resolve_phones (page, phones);
  sk_test_assert_sales (page->purchases, expected, G_N_ELEMENTS (expected));
}

static SkConnectorPage *
parse_contacts_as_page (const SkPageContext  *ctx,
                        const char           *data,
                        gsize                 len,
                        GError              **error)
{
  g_autofree char *next = NULL;
  g_autoptr(GHashTable) phones = sk_bitrix24_parse_contacts (data, len, &next, error);

  return phones != NULL ? sk_connector_page_new () : NULL;
}

static void
test_garbage (void)
{
  sk_test_check_garbage (sk_bitrix24_parse_deals);
  sk_test_check_garbage (parse_contacts_as_page);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connectors/bitrix24/parse-fixture", test_parse_fixture);
  g_test_add_func ("/connectors/bitrix24/phones", test_phones);
  g_test_add_func ("/connectors/bitrix24/garbage", test_garbage);
  g_test_add ("/connectors/bitrix24/fetch", Fixture, NULL,
              fixture_setup, test_fetch, fixture_teardown);
  g_test_add ("/connectors/bitrix24/wrong-webhook", Fixture, NULL,
              fixture_setup, test_wrong_webhook, fixture_teardown);
  g_test_add ("/connectors/bitrix24/error-envelope", Fixture, NULL,
              fixture_setup, test_error_envelope, fixture_teardown);
  g_test_add ("/connectors/bitrix24/query-limit-then-success", Fixture, NULL,
              fixture_setup, test_query_limit, fixture_teardown);
  g_test_add ("/connectors/bitrix24/500-twice-then-success", Fixture, NULL,
              fixture_setup, test_server_errors, fixture_teardown);
  g_test_add ("/connectors/bitrix24/retries-run-out", Fixture, NULL,
              fixture_setup, test_retries_run_out, fixture_teardown);
  g_test_add ("/connectors/bitrix24/malformed-json", Fixture, NULL,
              fixture_setup, test_malformed, fixture_teardown);

  return g_test_run ();
}
