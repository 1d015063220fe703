/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-fake-partner.h"

#define COMPANY "731402"
/* 2026-11-21 00:00 Moscow: the end of the fixtures' day. */
#define NOW_US (G_GINT64_CONSTANT (1795208400) * G_USEC_PER_SEC)

static const SkExpectedSale expected[] = {
  { "yclients:731402:912004411", "+79167003341", 250000 },
  { "yclients:731402:912004437", "+79035124407", 216000 },
  { "yclients:731402:912004471", NULL, 110000 },
};

typedef struct
{
  SkFakePartner   *fake;
  JsonNode        *fixture;
  SkPartnerClient *client;
  SkConnector     *connector;
} Fixture;

static void
serve_records (SkFakePartner     *fake,
               SoupServerMessage *msg,
               gpointer           user_data)
{
  Fixture *f = user_data;
  JsonObject *root = json_node_get_object (f->fixture);
  JsonArray *records = json_object_get_array_member (root, "data");
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  GHashTable *query = soup_server_message_get_uri (msg) != NULL ?
    soup_form_decode (g_uri_get_query (soup_server_message_get_uri (msg))) : NULL;
  guint64 page, count;

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "GET");
  g_assert_cmpstr (g_uri_get_path (soup_server_message_get_uri (msg)), ==,
                   "/api/v1/records/" COMPANY);
  g_assert_cmpstr (sk_fake_header (msg, "Accept"), ==, "application/vnd.yclients.v2+json");

  if (g_strcmp0 (sk_fake_header (msg, "Authorization"), "Bearer partner-token, User user-token") != 0)
    {
      sk_fake_reply_text (msg, 401, "application/json",
                          "{\"success\":false,\"data\":null,\"meta\":{\"message\":\"INVALID_PARTNER_TOKEN\"}}");
      g_hash_table_unref (query);
      return;
    }

  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (query, "page"), 10, 1, 100, &page, NULL));
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (query, "count"), 10, 1, 300, &count, NULL));
  g_assert_cmpstr (g_hash_table_lookup (query, "changed_before"), ==, "2026-11-21T00:00:00");
  g_assert_nonnull (g_hash_table_lookup (query, "changed_after"));
  g_hash_table_unref (query);

  /* The fixture cut into pages of `count` records, with the real envelope. */
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "success");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "data");
  json_builder_begin_array (b);
  for (guint i = (page - 1) * count; i < json_array_get_length (records) && i < page * count; i++)
    json_builder_add_value (b, json_node_copy (json_array_get_element (records, i)));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "meta");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "page");
  json_builder_add_int_value (b, (gint64) page);
  json_builder_set_member_name (b, "total_count");
  json_builder_add_int_value (b, json_array_get_length (records));
  json_builder_end_object (b);
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/json", reply);
}

static SkConnector *
make_connector (Fixture    *f,
                const char *partner_token)
{
  g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  SkConnector *connector;

  g_hash_table_insert (settings, "base-url", (char *) sk_fake_partner_get_url (f->fake));
  g_hash_table_insert (settings, "company-id", COMPANY);
  g_hash_table_insert (settings, "partner-token", (char *) partner_token);
  g_hash_table_insert (settings, "user-token", "user-token");
  g_hash_table_insert (settings, "business-id", "b-yclients");
  g_hash_table_insert (settings, "page-size", "4");
  connector = sk_connector_new ("yclients", settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sk_connector_get_system (connector), ==, "yclients");
  return connector;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->fixture = sk_test_fixture_json ("yclients-records.json");
  f->fake = sk_fake_partner_new (serve_records, f);
  f->client = sk_test_client_new ();
  f->connector = make_connector (f, "partner-token");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->connector);
  g_assert_finalize_object (f->client);
  g_clear_pointer (&f->fake, sk_fake_partner_free);
  g_clear_pointer (&f->fixture, json_node_unref);
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
  SkPurchase *first;

  sk_test_assert_sales (batch->purchases, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (batch->n_fetched, ==, 6);
  g_assert_cmpuint (batch->n_skipped, ==, 3);
  g_assert_cmpuint (batch->n_invalid, ==, 0);
  g_assert_cmpuint (batch->n_unmatched, ==, 1);
  g_assert_cmpstr (batch->cursor, ==, "1795208400000000");

  /* 2026-11-20T11:00:00+03:00 */
  first = g_ptr_array_index (batch->purchases, 0);
  g_assert_cmpint (first->occurred_at, ==, G_GINT64_CONSTANT (1795161600) * G_USEC_PER_SEC);
  g_assert_cmpstr (first->business_id, ==, "b-yclients");
}

static void
test_fetch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_no_error (error);
  assert_full_batch (batch);
  /* Six records at four a page. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 2);
}

static void
test_wrong_token (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  g_clear_object (&f->connector);
  f->connector = make_connector (f, "stale-token");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_null (batch);
  g_assert_null (strstr (error->message, "stale-token"));
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static void
test_rate_limited (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 429, "0", "{\"success\":false}");
  batch = fetch (f, &error);
  g_assert_no_error (error);
  assert_full_batch (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 3);
}

static void
test_retry_after_one_second (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;
  gint64 start = g_get_monotonic_time ();

  sk_fake_partner_queue (f->fake, 429, "1", NULL);
  batch = fetch (f, &error);
  g_assert_no_error (error);
  assert_full_batch (batch);
  /* The client's own backoff is a few ms: only Retry-After explains a second. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
}

static void
test_server_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 500, NULL, "oops");
  sk_fake_partner_queue (f->fake, 500, NULL, "oops");
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

  sk_fake_partner_queue (f->fake, 200, NULL, "{\"success\": true, \"data\": [{\"id\": 9");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
  g_assert_null (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

/* The fixture's own bytes, decimals ("1600.0") and all, on one page. */
static void
test_parse_fixture (void)
{
  gsize len;
  g_autofree char *text = sk_test_fixture_text ("yclients-records.json", &len);
  g_autoptr(GTimeZone) msk = g_time_zone_new_identifier ("Europe/Moscow");
  SkPageContext ctx = { .account = COMPANY, .tz = msk, .page = 1, .page_size = 300 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = sk_yclients_parse_page (&ctx, text, len, &error);

  g_assert_no_error (error);
  sk_test_assert_sales (page->purchases, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (page->n_records, ==, 6);
  g_assert_cmpuint (page->n_skipped, ==, 3);
  g_assert_true (page->done);
  g_assert_null (page->next);
  /* A no-show, a deleted record and one not yet happened: none is a visit now. */
  g_assert_cmpuint (page->cancelled->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (page->cancelled, 0), ==, "yclients:" COMPANY ":912004452");
  g_assert_cmpstr (g_ptr_array_index (page->cancelled, 1), ==, "yclients:" COMPANY ":912004468");
  g_assert_cmpstr (g_ptr_array_index (page->cancelled, 2), ==, "yclients:" COMPANY ":912004489");
}

static const struct
{
  const char *raw;
  const char *e164;
} phones[] = {
  { "+79167003341", "+79167003341" },
  { "+7 916 700-33-41", "+79167003341" },
  { "+7 (916) 700-33-41", "+79167003341" },
  { "8 (916) 700-33-41", "+79167003341" },
  { "8-916-700-33-41", "+79167003341" },
  { "89167003341", "+79167003341" },
  { "79167003341", "+79167003341" },
  { "9167003341", "+79167003341" },
  { "8\\u00a0916\\u00a0700\\u00a033\\u00a041", "+79167003341" },
  { "", NULL },
  { "700-33-41", NULL },
  { "+380501234567", NULL },
  { "+7 916 700-33-41 доб. 12", NULL },
};

static void
test_phones (void)
{
  SkPageContext ctx = { .account = COMPANY, .page = 1, .page_size = 300 };

  for (guint i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autofree char *json = g_strdup_printf (
        "{\"success\":true,\"meta\":{\"total_count\":1},\"data\":[{\"id\":1,\"attendance\":1,"
        "\"deleted\":false,\"datetime\":\"2026-11-20T11:00:00+03:00\","
        "\"services\":[{\"cost\":100}],\"client\":{\"phone\":\"%s\"}}]}", phones[i].raw);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = sk_yclients_parse_page (&ctx, json, strlen (json), &error);
      SkPurchase *p;

      g_assert_no_error (error);
      g_assert_cmpuint (page->purchases->len, ==, 1);
      p = g_ptr_array_index (page->purchases, 0);
      g_assert_cmpstr (p->phone_e164, ==, phones[i].e164);
    }
}

static void
test_garbage (void)
{
  sk_test_check_garbage (sk_yclients_parse_page);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connectors/yclients/parse-fixture", test_parse_fixture);
  g_test_add_func ("/connectors/yclients/phones", test_phones);
  g_test_add_func ("/connectors/yclients/garbage", test_garbage);
  g_test_add ("/connectors/yclients/fetch", Fixture, NULL,
              fixture_setup, test_fetch, fixture_teardown);
  g_test_add ("/connectors/yclients/wrong-token", Fixture, NULL,
              fixture_setup, test_wrong_token, fixture_teardown);
  g_test_add ("/connectors/yclients/429-then-success", Fixture, NULL,
              fixture_setup, test_rate_limited, fixture_teardown);
  g_test_add ("/connectors/yclients/retry-after-1", Fixture, NULL,
              fixture_setup, test_retry_after_one_second, fixture_teardown);
  g_test_add ("/connectors/yclients/500-twice-then-success", Fixture, NULL,
              fixture_setup, test_server_errors, fixture_teardown);
  g_test_add ("/connectors/yclients/malformed-json", Fixture, NULL,
              fixture_setup, test_malformed, fixture_teardown);

  return g_test_run ();
}
