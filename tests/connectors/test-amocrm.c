/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-fake-partner.h"

/* 2026-11-21 00:00 Moscow: the end of the fixtures' day. */
#define NOW_US (G_GINT64_CONSTANT (1795208400) * G_USEC_PER_SEC)
#define LEADS_PER_PAGE 3

static const SkExpectedSale expected[] = {
  { "amocrm:svoykrug-demo:27340011", "+79167003341", 1200000 },
  { "amocrm:svoykrug-demo:27340028", "+79261182045", 450000 },
  { "amocrm:svoykrug-demo:27340042", NULL, 730000 },
  { "amocrm:svoykrug-demo:27340059", "+79152407710", 320000 },
};

typedef struct
{
  SkFakePartner   *fake;
  JsonNode        *leads;
  JsonNode        *contacts;
  SkPartnerClient *client;
  SkConnector     *connector;
  gboolean         no_leads;
} Fixture;

static JsonArray *
embedded (JsonNode   *root,
          const char *name)
{
  return json_object_get_array_member (json_object_get_object_member (json_node_get_object (root),
                                                                      "_embedded"),
                                       name);
}

static void
reply_list (SoupServerMessage *msg,
            const char        *name,
            GPtrArray         *items,
            guint              page,
            const char        *next)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "_page");
  json_builder_add_int_value (b, page);
  json_builder_set_member_name (b, "_links");
  json_builder_begin_object (b);
  if (next != NULL)
    {
      json_builder_set_member_name (b, "next");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "href");
      json_builder_add_string_value (b, next);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "_embedded");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < items->len; i++)
    json_builder_add_value (b, json_node_copy (g_ptr_array_index (items, i)));
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/hal+json", reply);
}

static guint64
query_uint (SoupServerMessage *msg,
            const char        *key)
{
  g_autoptr(GPtrArray) values = sk_fake_query_values (msg, key);
  guint64 n = 0;

  g_assert_cmpuint (values->len, ==, 1);
  g_assert_true (g_ascii_string_to_unsigned (g_ptr_array_index (values, 0), 10, 0, G_MAXINT64,
                                             &n, NULL));
  return n;
}

static void
serve_leads (Fixture           *f,
             SoupServerMessage *msg)
{
  JsonArray *leads = embedded (f->leads, "leads");
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  guint64 page = query_uint (msg, "page");

  g_assert_cmpuint (query_uint (msg, "limit"), ==, 250);
  if (page == 1)
    {
      /* The window, Moscow's 2026-11-20 less the 15 min overlap. */
      g_assert_cmpuint (query_uint (msg, "filter[closed_at][from]"), ==, 1795122000 - 900);
      g_assert_cmpuint (query_uint (msg, "filter[closed_at][to]"), ==, 1795208399);
      g_assert_cmpuint (query_uint (msg, "filter[statuses][0][pipeline_id]"), ==, 8123401);
      g_assert_cmpuint (query_uint (msg, "filter[statuses][0][status_id]"), ==, 142);
    }

  if (f->no_leads)
    {
      sk_fake_reply_text (msg, 204, NULL, NULL);
      return;
    }

  for (guint i = (page - 1) * LEADS_PER_PAGE;
       i < json_array_get_length (leads) && i < page * LEADS_PER_PAGE; i++)
    g_ptr_array_add (items, json_array_get_element (leads, i));

  /* The real link names the account's host: the connector must stay on its own origin. */
  reply_list (msg, "leads", items, page,
              page * LEADS_PER_PAGE < json_array_get_length (leads) ?
              "https://svoykrug-demo.amocrm.ru/api/v4/leads?with=contacts&limit=250&page=2" : NULL);
}

static void
serve_contacts (Fixture           *f,
                SoupServerMessage *msg)
{
  JsonArray *contacts = embedded (f->contacts, "contacts");
  g_autoptr(GPtrArray) ids = sk_fake_query_values (msg, "filter[id][]");
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  g_autofree char *joined = NULL;

  /* Only the won leads' contacts, each once, in one batch. */
  g_ptr_array_add (ids, NULL);
  joined = g_strjoinv (",", (char **) ids->pdata);
  g_assert_cmpstr (joined, ==, "40551201,40551202,40551204,40551205");

  for (guint i = 0; i < json_array_get_length (contacts); i++)
    {
      JsonNode *contact = json_array_get_element (contacts, i);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                             json_object_get_int_member (json_node_get_object (contact), "id"));

      if (g_strv_contains ((const char * const *) ids->pdata, id))
        g_ptr_array_add (items, contact);
    }
  if (items->len == 0)
    sk_fake_reply_text (msg, 204, NULL, NULL);
  else
    reply_list (msg, "contacts", items, 1, NULL);
}

static void
serve (SkFakePartner     *fake,
       SoupServerMessage *msg,
       gpointer           user_data)
{
  Fixture *f = user_data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "GET");
  if (g_strcmp0 (sk_fake_header (msg, "Authorization"), "Bearer long-lived-token") != 0)
    {
      sk_fake_reply_text (msg, 401, "application/problem+json",
                          "{\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"Invalid token\"}");
      return;
    }

  if (g_str_equal (path, "/api/v4/leads"))
    serve_leads (f, msg);
  else if (g_str_equal (path, "/api/v4/contacts"))
    serve_contacts (f, msg);
  else
    sk_fake_reply_text (msg, 404, "application/problem+json", "{}");
}

static SkConnector *
make_connector (Fixture    *f,
                const char *token)
{
  g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  SkConnector *connector;

  g_hash_table_insert (settings, "base-url", (char *) sk_fake_partner_get_url (f->fake));
  g_hash_table_insert (settings, "token", (char *) token);
  g_hash_table_insert (settings, "pipeline-ids", "8123401");
  g_hash_table_insert (settings, "account", "svoykrug-demo");
  connector = sk_connector_new ("amocrm", settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sk_connector_get_system (connector), ==, "amocrm");
  return connector;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->leads = sk_test_fixture_json ("amocrm-leads.json");
  f->contacts = sk_test_fixture_json ("amocrm-contacts.json");
  f->fake = sk_fake_partner_new (serve, f);
  f->client = sk_test_client_new ();
  f->connector = make_connector (f, "long-lived-token");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->connector);
  g_assert_finalize_object (f->client);
  g_clear_pointer (&f->fake, sk_fake_partner_free);
  g_clear_pointer (&f->leads, json_node_unref);
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
  g_assert_cmpuint (batch->n_fetched, ==, 6);
  g_assert_cmpuint (batch->n_skipped, ==, 2);
  g_assert_cmpuint (batch->n_invalid, ==, 0);
  g_assert_cmpuint (batch->n_unmatched, ==, 1);
  g_assert_cmpstr (batch->cursor, ==, "1795208400000000");
  g_assert_cmpint (((SkPurchase *) g_ptr_array_index (batch->purchases, 0))->occurred_at, ==,
                   G_GINT64_CONSTANT (1795158900) * G_USEC_PER_SEC);
}

static void
test_fetch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_no_error (error);
  assert_full_batch (batch);
  /* Two pages of leads, one batch of contacts. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 3);
}

static void
test_no_content (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  f->no_leads = TRUE;
  batch = fetch (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batch->purchases->len, ==, 0);
  g_assert_cmpuint (batch->n_fetched, ==, 0);
  g_assert_cmpstr (batch->cursor, ==, "1795208400000000");
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static void
test_wrong_token (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  g_clear_object (&f->connector);
  f->connector = make_connector (f, "revoked-token");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_null (batch);
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
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 4);
}

static void
test_server_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 502, NULL, NULL);
  sk_fake_partner_queue (f->fake, 500, NULL, NULL);
  batch = fetch (f, &error);
  g_assert_no_error (error);
  assert_full_batch (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 5);
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 200, NULL, "{\"_embedded\": {\"leads\": [}");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
  g_assert_null (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static const struct
{
  const char *values;
  const char *e164;
} phones[] = {
  { "{\"value\":\"+7 916 700-33-41\",\"enum_code\":\"WORK\"}", "+79167003341" },
  { "{\"value\":\"8 (916) 700-33-41\",\"enum_code\":\"MOB\"}", "+79167003341" },
  { "{\"value\":\"9167003341\"}", "+79167003341" },
  { "{\"value\":\"7-916-700-33-41\",\"enum_code\":\"HOME\"}", "+79167003341" },
  /* MOB wins over an earlier WORK number; an unusable MOB does not. */
  { "{\"value\":\"+7 495 222-33-44\",\"enum_code\":\"WORK\"},"
    "{\"value\":\"89167003341\",\"enum_code\":\"MOB\"}", "+79167003341" },
  { "{\"value\":\"+79167003341\",\"enum_code\":\"WORK\"},"
    "{\"value\":\"12-34\",\"enum_code\":\"MOB\"}", "+79167003341" },
  { "{\"value\":\"\"}", NULL },
  { "{\"value\":\"+1 212 555 0100\",\"enum_code\":\"MOB\"}", NULL },
  { "{\"value\":79167003341}", NULL },
};

static void
test_phones (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autofree char *json = g_strdup_printf (
        "{\"_embedded\":{\"contacts\":[{\"id\":7,\"custom_fields_values\":[{\"field_code\":"
        "\"PHONE\",\"values\":[%s]}]}]}}", phones[i].values);
      g_autoptr(GError) error = NULL;
      g_autofree char *next = NULL;
      g_autoptr(GHashTable) table = sk_amocrm_parse_contacts (json, strlen (json), &next, &error);

      g_assert_no_error (error);
      g_assert_null (next);
      g_assert_cmpstr (g_hash_table_lookup (table, "7"), ==, phones[i].e164);
    }
}

static void
test_parse_fixture (void)
{
  SkPageContext ctx = { .account = "svoykrug-demo", .page = 1 };
  gsize len;
  g_autofree char *leads = sk_test_fixture_text ("amocrm-leads.json", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = sk_amocrm_parse_leads (&ctx, leads, len, &error);
  g_autofree char *contacts = NULL;
  g_autoptr(GHashTable) phones = NULL;

  g_assert_no_error (error);
  g_assert_true (page->done);
  g_assert_cmpuint (page->n_skipped, ==, 2);
  /* The lost lead; not the one still open. */
  g_assert_cmpuint (page->cancelled->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (page->cancelled, 0), ==, "amocrm:svoykrug-demo:27340035");
  g_assert_cmpuint (page->contact_ids->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (page->contact_ids, 3), ==, "40551205");

  contacts = sk_test_fixture_text ("amocrm-contacts.json", &len);
  phones = sk_amocrm_parse_contacts (contacts, len, NULL, &error);
  g_assert_no_error (error);
  /* 40551204 has only an e-mail. */
  g_assert_cmpuint (g_hash_table_size (phones), ==, 4);
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
  g_autoptr(GHashTable) phones = sk_amocrm_parse_contacts (data, len, &next, error);

  return phones != NULL ? sk_connector_page_new () : NULL;
}

static void
test_garbage (void)
{
  sk_test_check_garbage (sk_amocrm_parse_leads);
  sk_test_check_garbage (parse_contacts_as_page);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connectors/amocrm/parse-fixture", test_parse_fixture);
  g_test_add_func ("/connectors/amocrm/phones", test_phones);
  g_test_add_func ("/connectors/amocrm/garbage", test_garbage);
  g_test_add ("/connectors/amocrm/fetch", Fixture, NULL,
              fixture_setup, test_fetch, fixture_teardown);
  g_test_add ("/connectors/amocrm/no-content", Fixture, NULL,
              fixture_setup, test_no_content, fixture_teardown);
  g_test_add ("/connectors/amocrm/wrong-token", Fixture, NULL,
              fixture_setup, test_wrong_token, fixture_teardown);
  g_test_add ("/connectors/amocrm/429-then-success", Fixture, NULL,
              fixture_setup, test_rate_limited, fixture_teardown);
  g_test_add ("/connectors/amocrm/500-twice-then-success", Fixture, NULL,
              fixture_setup, test_server_errors, fixture_teardown);
  g_test_add ("/connectors/amocrm/malformed-json", Fixture, NULL,
              fixture_setup, test_malformed, fixture_teardown);

  return g_test_run ();
}
