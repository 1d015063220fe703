/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-fake-partner.h"

/* 2026-11-21 00:00 Moscow: the end of the fixtures' day. */
#define NOW_US (G_GINT64_CONSTANT (1795208400) * G_USEC_PER_SEC)
#define API_LOGIN "a1b2c3d4-login"
#define ORGANIZATION "7f3c1e52-9b04-4d6a-8e1f-2a6d5c0b9e31"
#define ACCOUNT "iiko:" ORGANIZATION ":"

static const SkExpectedSale expected[] = {
  { ACCOUNT "e8a0c1d2-1f3b-4a5c-8d7e-0b1c2d3e4f51", "+79031112233", 185000 },
  { ACCOUNT "e8a0c1d2-1f3b-4a5c-8d7e-0b1c2d3e4f52", "+79265554012", 264000 },
  { ACCOUNT "e8a0c1d2-1f3b-4a5c-8d7e-0b1c2d3e4f54", NULL, 74000 },
};

typedef enum
{
  MODE_NORMAL,
  MODE_FIRST_TOKEN_EXPIRES,
  MODE_TOKENS_REFUSED,
  MODE_BROKEN_ORDERS,
  MODE_REVISION_REFUSED,
} Mode;

typedef struct
{
  SkFakePartner   *fake;
  JsonNode        *fixture;
  SkPartnerClient *client;
  SkConnector     *connector;
  Mode             mode;
  int              n_tokens;
  /* Orders added since the fixture, each with its revision (above the fixture's). */
  GPtrArray       *new_orders;
  GArray          *new_revisions;
  gboolean         any_window;   /* by date: any window, not only the fetch's own */
  int              n_by_revision;
} Fixture;

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
serve_token (Fixture           *f,
             SoupServerMessage *msg)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *request = request_body (msg, &root);
  g_autofree char *reply = NULL;

  if (g_strcmp0 (json_object_get_string_member (request, "apiLogin"), API_LOGIN) != 0)
    {
      sk_fake_reply_text (msg, 401, "application/json",
                          "{\"correlationId\":\"c0\",\"errorDescription\":"
                          "\"Login is not authorized\",\"error\":\"Unauthorized\"}");
      return;
    }

  reply = g_strdup_printf ("{\"correlationId\":\"c1\",\"token\":\"token-%d\"}",
                           g_atomic_int_add (&f->n_tokens, 1) + 1);
  sk_fake_reply_text (msg, 200, "application/json", reply);
}

static gboolean
token_valid (Fixture    *f,
             const char *authorization)
{
  int n;

  if (authorization == NULL || !g_str_has_prefix (authorization, "Bearer token-"))
    return FALSE;
  n = atoi (authorization + strlen ("Bearer token-"));
  if (n < 1 || n > g_atomic_int_get (&f->n_tokens))
    return FALSE;
  if (f->mode == MODE_TOKENS_REFUSED || (f->mode == MODE_FIRST_TOKEN_EXPIRES && n == 1))
    return FALSE;
  return TRUE;
}

/* The fake's "delivery date" is whenCreated, so the window's slices split the day. */
static void
serve_orders (Fixture           *f,
              SoupServerMessage *msg)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *request = request_body (msg, &root);
  JsonArray *ids = json_object_get_array_member (request, "organizationIds");
  JsonArray *statuses = json_object_get_array_member (request, "statuses");
  const char *from = json_object_get_string_member (request, "deliveryDateFrom");
  const char *to = json_object_get_string_member (request, "deliveryDateTo");
  JsonObject *fixture = json_node_get_object (f->fixture);
  JsonArray *organizations = json_object_get_array_member (fixture, "ordersByOrganizations");
  JsonObject *organization = json_array_get_object_element (organizations, 0);
  JsonArray *orders = json_object_get_array_member (organization, "orders");
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;

  if (!token_valid (f, sk_fake_header (msg, "Authorization")))
    {
      sk_fake_reply_text (msg, 401, "application/json",
                          "{\"correlationId\":\"c2\",\"errorDescription\":\"Token expired\"}");
      return;
    }
  if (f->mode == MODE_BROKEN_ORDERS)
    {
      sk_fake_reply_text (msg, 200, "application/json", "{\"correlationId\":\"c3\",\"maxRevision\":");
      return;
    }

  g_assert_cmpuint (json_array_get_length (ids), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (ids, 0), ==, ORGANIZATION);
  g_assert_cmpuint (json_array_get_length (statuses), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (statuses, 0), ==, "Closed");
  g_assert_cmpstr (json_array_get_string_element (statuses, 1), ==, "Cancelled");
  /* 15-hour slices of 2026-11-19 23:45 to 2026-11-21 00:00, the last one cut short. */
  if (f->any_window)
    ;
  else if (g_str_equal (from, "2026-11-19 23:45:00.000"))
    g_assert_cmpstr (to, ==, "2026-11-20 14:44:59.999");
  else
    {
      g_assert_cmpstr (from, ==, "2026-11-20 14:45:00.000");
      g_assert_cmpstr (to, ==, "2026-11-20 23:59:59.999");
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "correlationId");
  json_builder_add_string_value (b, "c4");
  json_builder_set_member_name (b, "maxRevision");
  json_builder_add_int_value (b, json_object_get_int_member (fixture, "maxRevision"));
  json_builder_set_member_name (b, "ordersByOrganizations");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "organizationId");
  json_builder_add_string_value (b, ORGANIZATION);
  json_builder_set_member_name (b, "orders");
  json_builder_begin_array (b);
  for (guint i = 0; i < json_array_get_length (orders); i++)
    {
      JsonNode *info = json_array_get_element (orders, i);
      JsonObject *order = json_object_get_object_member (json_node_get_object (info), "order");
      const char *created = json_object_get_string_member (order, "whenCreated");

      if (strcmp (created, from) >= 0 && strcmp (created, to) <= 0)
        json_builder_add_value (b, json_node_copy (info));
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/json; charset=utf-8", reply);
}

/* POST /api/1/deliveries/by_revision: the orders added after startRevision. */
static void
serve_by_revision (Fixture           *f,
                   SoupServerMessage *msg)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *request = request_body (msg, &root);
  JsonArray *ids = json_object_get_array_member (request, "organizationIds");
  gint64 start = json_object_get_int_member (request, "startRevision");
  gint64 max_revision = json_object_get_int_member (json_node_get_object (f->fixture),
                                                    "maxRevision");
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;

  g_atomic_int_inc (&f->n_by_revision);
  if (!token_valid (f, sk_fake_header (msg, "Authorization")))
    {
      sk_fake_reply_text (msg, 401, "application/json",
                          "{\"correlationId\":\"c2\",\"errorDescription\":\"Token expired\"}");
      return;
    }
  if (f->mode == MODE_REVISION_REFUSED)
    {
      sk_fake_reply_text (msg, 400, "application/json",
                          "{\"correlationId\":\"c6\",\"errorDescription\":"
                          "\"Revision is too old\",\"error\":\"BadRequest\"}");
      return;
    }
  g_assert_cmpuint (json_array_get_length (ids), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (ids, 0), ==, ORGANIZATION);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "correlationId");
  json_builder_add_string_value (b, "c7");
  json_builder_set_member_name (b, "ordersByOrganizations");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "organizationId");
  json_builder_add_string_value (b, ORGANIZATION);
  json_builder_set_member_name (b, "orders");
  json_builder_begin_array (b);
  for (guint i = 0; i < f->new_orders->len; i++)
    {
      gint64 revision = g_array_index (f->new_revisions, gint64, i);

      max_revision = MAX (max_revision, revision);
      if (revision > start)
        json_builder_add_value (b, json_node_copy (g_ptr_array_index (f->new_orders, i)));
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "maxRevision");
  json_builder_add_int_value (b, max_revision);
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/json; charset=utf-8", reply);
}

static void
serve (SkFakePartner     *fake,
       SoupServerMessage *msg,
       gpointer           user_data)
{
  Fixture *f = user_data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "POST");
  if (g_str_equal (path, "/api/1/access_token"))
    serve_token (f, msg);
  else if (g_str_equal (path, "/api/1/deliveries/by_delivery_date_and_status"))
    serve_orders (f, msg);
  else if (g_str_equal (path, "/api/1/deliveries/by_revision"))
    serve_by_revision (f, msg);
  else
    sk_fake_reply_text (msg, 404, "application/json", "{}");
}

static SkConnector *
make_connector (Fixture    *f,
                const char *api_login)
{
  g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  SkConnector *connector;

  g_hash_table_insert (settings, "base-url", (char *) sk_fake_partner_get_url (f->fake));
  g_hash_table_insert (settings, "api-login", (char *) api_login);
  g_hash_table_insert (settings, "organization-ids", " " ORGANIZATION " ");
  g_hash_table_insert (settings, "business-id", "b-iiko");
  g_hash_table_insert (settings, "window-hours", "15");
  connector = sk_connector_new ("iiko", settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sk_connector_get_system (connector), ==, "iiko");
  return connector;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->fixture = sk_test_fixture_json ("iiko-orders.json");
  f->fake = sk_fake_partner_new (serve, f);
  f->client = sk_test_client_new ();
  f->connector = make_connector (f, API_LOGIN);
  f->mode = GPOINTER_TO_INT (data);
  f->new_orders = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  f->new_revisions = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->connector);
  g_assert_finalize_object (f->client);
  g_clear_pointer (&f->fake, sk_fake_partner_free);
  g_clear_pointer (&f->fixture, json_node_unref);
  g_clear_pointer (&f->new_orders, g_ptr_array_unref);
  g_clear_pointer (&f->new_revisions, g_array_unref);
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
  /* Cancelled, Delivered, deleted. */
  g_assert_cmpuint (batch->n_skipped, ==, 3);
  g_assert_cmpuint (batch->n_invalid, ==, 0);
  g_assert_cmpuint (batch->n_unmatched, ==, 1);
  g_assert_cmpstr (batch->cursor, ==, "1795208400000000:r48213377");

  /* whenClosed "2026-11-20 13:58:40.000", Moscow time */
  first = g_ptr_array_index (batch->purchases, 0);
  g_assert_cmpint (first->occurred_at, ==, G_GINT64_CONSTANT (1795172320) * G_USEC_PER_SEC);
  g_assert_cmpstr (first->business_id, ==, "b-iiko");
}

static void
test_fetch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_no_error (error);
  assert_full_batch (batch);
  /* One token, two slices. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 3);
  g_assert_cmpint (g_atomic_int_get (&f->n_tokens), ==, 1);
}

static void
test_wrong_login (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  g_clear_object (&f->connector);
  f->connector = make_connector (f, "0ld-l0gin");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_null (batch);
  g_assert_null (strstr (error->message, "0ld-l0gin"));
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

static void
test_token_expires (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_no_error (error);
  assert_full_batch (batch);
  /* Token, refused slice, new token, two slices. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 5);
  g_assert_cmpint (g_atomic_int_get (&f->n_tokens), ==, 2);
}

static void
test_tokens_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_null (batch);
  /* A new token once, not in a loop. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 4);
  g_assert_cmpint (g_atomic_int_get (&f->n_tokens), ==, 2);
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

  sk_fake_partner_queue (f->fake, 500, NULL,
                         "{\"correlationId\":\"c5\",\"errorDescription\":\"Internal error\"}");
  sk_fake_partner_queue (f->fake, 500, NULL, NULL);
  batch = fetch (f, &error);
  g_assert_no_error (error);
  assert_full_batch (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 5);
}

static void
test_malformed_token (Fixture       *f,
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

static void
test_malformed_orders (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
  g_assert_null (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 2);
}

static const struct
{
  const char *phone;
  const char *e164;
} phones[] = {
  { "\"+79031112233\"", "+79031112233" },
  { "\"8 926 555-40-12\"", "+79265554012" },
  { "\"8(926)5554012\"", "+79265554012" },
  { "\"79265554012\"", "+79265554012" },
  { "\"9265554012\"", "+79265554012" },
  { "\"+7 (926) 555 40 12\"", "+79265554012" },
  { "\"\"", NULL },
  { "null", NULL },
  { "79265554012", NULL },
  { "\"+380441234567\"", NULL },
};

static void
test_phones (void)
{
  SkPageContext ctx = { .account = "org", .page = 1 };

  for (guint i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autofree char *json =
        g_strdup_printf ("{\"ordersByOrganizations\":[{\"organizationId\":\"o\",\"orders\":["
                         "{\"id\":\"x1\",\"creationStatus\":\"Success\",\"order\":"
                         "{\"status\":\"Closed\",\"isDeleted\":false,\"sum\":740.0,"
                         "\"whenClosed\":\"2026-11-20 16:41:12.000\",\"phone\":%s}}]}]}",
                         phones[i].phone);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = sk_iiko_parse_page (&ctx, json, strlen (json), &error);
      SkPurchase *p;

      g_assert_no_error (error);
      g_assert_cmpuint (page->purchases->len, ==, 1);
      p = g_ptr_array_index (page->purchases, 0);
      g_assert_cmpstr (p->phone_e164, ==, phones[i].e164);
      g_assert_cmpstr (p->external_id, ==, "iiko:org:x1");
      g_assert_cmpint (p->amount, ==, 74000);
    }
}

static void
test_parse_fixture (void)
{
  SkPageContext ctx = { .account = ORGANIZATION, .page = 1 };
  gsize len;
  g_autofree char *text = sk_test_fixture_text ("iiko-orders.json", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = sk_iiko_parse_page (&ctx, text, len, &error);

  g_assert_no_error (error);
  g_assert_true (page->done);
  g_assert_null (page->next);
  g_assert_cmpstr (page->resume_at, ==, "48213377");
  /* Cancelled and deleted, not the one delivered and not closed yet. */
  g_assert_cmpuint (page->cancelled->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (page->cancelled, 0), ==,
                   ACCOUNT "e8a0c1d2-1f3b-4a5c-8d7e-0b1c2d3e4f53");
  g_assert_cmpstr (g_ptr_array_index (page->cancelled, 1), ==,
                   ACCOUNT "e8a0c1d2-1f3b-4a5c-8d7e-0b1c2d3e4f56");
  g_assert_cmpuint (page->n_records, ==, 6);
  g_assert_cmpuint (page->n_skipped, ==, 3);
  sk_test_assert_sales (page->purchases, expected, G_N_ELEMENTS (expected));
}

static void
test_parse_token (void)
{
  static const struct
  {
    const char *json;
    const char *token;
    int         code;
  } tokens[] = {
    { "{\"correlationId\":\"c\",\"token\":\"eyJhbGciOi.J9\"}", "eyJhbGciOi.J9", -1 },
    { "{\"token\":\"two words\"}", NULL, SK_CONNECTOR_ERROR_PARSE },
    { "{\"token\":\"line\\nbreak\"}", NULL, SK_CONNECTOR_ERROR_PARSE },
    { "{\"token\":\"\"}", NULL, SK_CONNECTOR_ERROR_PARSE },
    { "{\"token\":5}", NULL, SK_CONNECTOR_ERROR_PARSE },
    { "{\"errorDescription\":\"Login is not authorized\"}", NULL, SK_CONNECTOR_ERROR_PARTNER },
    { "[]", NULL, SK_CONNECTOR_ERROR_PARSE },
    { "", NULL, SK_CONNECTOR_ERROR_PARSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *token = sk_iiko_parse_token (tokens[i].json, strlen (tokens[i].json), &error);

      g_assert_cmpstr (token, ==, tokens[i].token);
      if (tokens[i].code >= 0)
        g_assert_error (error, SK_CONNECTOR_ERROR, tokens[i].code);
      else
        g_assert_no_error (error);
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
    { "organization-ids", "7f3c1e52-9b04-4d6a-8e1f-2a6d5c0b9e31,," },
    { "organization-ids", "../admin" },
    { "window-hours", "0" },
    { "lookback-hours", "169" },
    { "base-url", "api-ru.iiko.services" },
    { "api-login", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnector) connector = NULL;

      g_hash_table_insert (settings, "api-login", API_LOGIN);
      g_hash_table_insert (settings, "organization-ids", ORGANIZATION);
      g_hash_table_insert (settings, (char *) bad[i].key, (char *) bad[i].value);
      connector = sk_connector_new ("iiko", settings, &error);
      g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS);
      g_assert_null (connector);
    }
}

static SkConnectorPage *
parse_token_as_page (const SkPageContext  *ctx,
                     const char           *data,
                     gsize                 len,
                     GError              **error)
{
  g_autofree char *token = sk_iiko_parse_token (data, len, error);

  return token != NULL ? sk_connector_page_new () : NULL;
}

static void
test_garbage (void)
{
  static const char *inputs[] = {
    "{\"ordersByOrganizations\":[null,1,{\"orders\":{}},{\"orders\":[null,{\"id\":1},"
      "{\"id\":\"a\",\"creationStatus\":\"Success\",\"order\":[]},"
      "{\"id\":\"b\",\"creationStatus\":\"Success\",\"order\":{\"status\":\"Closed\",\"sum\":1e400,"
      "\"whenClosed\":\"2026-11-20 16:41:12.000\"}},"
      "{\"id\":\"c\",\"creationStatus\":\"Success\",\"order\":{\"status\":\"Closed\",\"sum\":-5,"
      "\"whenClosed\":\"2026-11-20 16:41:12.000\"}},"
      "{\"id\":\"d\",\"creationStatus\":\"Success\",\"order\":{\"status\":\"Closed\",\"sum\":5,"
      "\"whenClosed\":\"2026-13-40 99:41:12.000\"}}]}]}",
    "{\"ordersByOrganizations\":{}}",
    "{\"error\":null}",
  };
  SkPageContext ctx = { .account = "org", .page = 1 };

  sk_test_check_garbage (sk_iiko_parse_page);
  sk_test_check_garbage (parse_token_as_page);
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = sk_iiko_parse_page (&ctx, inputs[i], strlen (inputs[i]),
                                                            &error);

      g_assert_true ((page == NULL) != (error == NULL));
      g_assert_true (page == NULL || page->purchases->len == 0);
    }
}

/* The fixture's first order again under a new id, added at @revision. */
static void
add_order (Fixture    *f,
           const char *id,
           gint64      revision)
{
  JsonObject *fixture = json_node_get_object (f->fixture);
  JsonArray *organizations = json_object_get_array_member (fixture, "ordersByOrganizations");
  JsonArray *orders = json_object_get_array_member (json_array_get_object_element (organizations, 0),
                                                    "orders");
  g_autofree char *text = json_to_string (json_array_get_element (orders, 0), FALSE);
  JsonNode *copy = json_from_string (text, NULL);

  json_object_set_string_member (json_node_get_object (copy), "id", id);
  g_ptr_array_add (f->new_orders, copy);
  g_array_append_val (f->new_revisions, revision);
}

#define LATER_US (NOW_US + G_GINT64_CONSTANT (15) * 60 * G_USEC_PER_SEC)

/* After a full read, the next run within three hours asks only for what changed since the
 * revision it stored; one that comes later reads the window again. */
static void
test_by_revision (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) first = fetch (f, &error);
  g_autoptr(SkConnectorBatch) second = NULL;
  g_autoptr(SkConnectorBatch) late = NULL;
  g_autofree char *stale = NULL;
  SkPurchase *p;
  guint requests;

  g_assert_no_error (error);
  assert_full_batch (first);
  g_assert_cmpint (g_atomic_int_get (&f->n_by_revision), ==, 0);

  add_order (f, "e8a0c1d2-1f3b-4a5c-8d7e-0b1c2d3e4f99", 48213400);
  requests = sk_fake_partner_get_n_requests (f->fake);
  second = sk_connector_fetch (f->connector, f->client, first->cursor, LATER_US, NULL, &error);
  g_assert_no_error (error);
  /* A token and one by_revision call: nothing older is read again. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, requests + 2);
  g_assert_cmpint (g_atomic_int_get (&f->n_by_revision), ==, 1);
  g_assert_cmpuint (second->purchases->len, ==, 1);
  p = g_ptr_array_index (second->purchases, 0);
  g_assert_cmpstr (p->external_id, ==, ACCOUNT "e8a0c1d2-1f3b-4a5c-8d7e-0b1c2d3e4f99");
  g_assert_cmpint (p->amount, ==, 185000);
  g_assert_cmpstr (second->cursor, ==, "1795209300000000:r48213400");

  /* Four hours on, iiko has forgotten the revision: the window by date instead. */
  f->any_window = TRUE;
  stale = g_strdup_printf ("%" G_GINT64_FORMAT ":r48213400", NOW_US - 4 * 3600 * (gint64) G_USEC_PER_SEC);
  late = sk_connector_fetch (f->connector, f->client, stale, NOW_US, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&f->n_by_revision), ==, 1);
  g_assert_cmpuint (late->purchases->len, ==, 3);
  g_assert_cmpstr (late->cursor, ==, "1795208400000000:r48213377");
}

/* iiko refuses the stored revision: the run reads the window instead of failing forever. */
static void
test_revision_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT ":r17", NOW_US - 3600 * (gint64) G_USEC_PER_SEC);

  f->any_window = TRUE;
  batch = sk_connector_fetch (f->connector, f->client, cursor, NOW_US, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_atomic_int_get (&f->n_by_revision), ==, 1);
  sk_test_assert_sales (batch->purchases, expected, G_N_ELEMENTS (expected));
  g_assert_cmpstr (batch->cursor, ==, "1795208400000000:r48213377");

  /* A cursor whose revision is not a number is refused, not guessed. */
  g_clear_pointer (&batch, sk_connector_batch_free);
  batch = sk_connector_fetch (f->connector, f->client, "1795208400000000:rX", NOW_US, NULL, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS);
  g_assert_null (batch);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connectors/iiko/parse-fixture", test_parse_fixture);
  g_test_add_func ("/connectors/iiko/parse-token", test_parse_token);
  g_test_add_func ("/connectors/iiko/phones", test_phones);
  g_test_add_func ("/connectors/iiko/settings", test_settings);
  g_test_add_func ("/connectors/iiko/garbage", test_garbage);
  g_test_add ("/connectors/iiko/fetch", Fixture, GINT_TO_POINTER (MODE_NORMAL),
              fixture_setup, test_fetch, fixture_teardown);
  g_test_add ("/connectors/iiko/wrong-api-login", Fixture, GINT_TO_POINTER (MODE_NORMAL),
              fixture_setup, test_wrong_login, fixture_teardown);
  g_test_add ("/connectors/iiko/token-expires", Fixture, GINT_TO_POINTER (MODE_FIRST_TOKEN_EXPIRES),
              fixture_setup, test_token_expires, fixture_teardown);
  g_test_add ("/connectors/iiko/tokens-refused", Fixture, GINT_TO_POINTER (MODE_TOKENS_REFUSED),
              fixture_setup, test_tokens_refused, fixture_teardown);
  g_test_add ("/connectors/iiko/429-then-success", Fixture, GINT_TO_POINTER (MODE_NORMAL),
              fixture_setup, test_rate_limited, fixture_teardown);
  g_test_add ("/connectors/iiko/500-twice-then-success", Fixture, GINT_TO_POINTER (MODE_NORMAL),
              fixture_setup, test_server_errors, fixture_teardown);
  g_test_add ("/connectors/iiko/malformed-token", Fixture, GINT_TO_POINTER (MODE_NORMAL),
              fixture_setup, test_malformed_token, fixture_teardown);
  g_test_add ("/connectors/iiko/malformed-json", Fixture, GINT_TO_POINTER (MODE_BROKEN_ORDERS),
              fixture_setup, test_malformed_orders, fixture_teardown);
  g_test_add ("/connectors/iiko/by-revision", Fixture, GINT_TO_POINTER (MODE_NORMAL),
              fixture_setup, test_by_revision, fixture_teardown);
  g_test_add ("/connectors/iiko/revision-refused", Fixture, GINT_TO_POINTER (MODE_REVISION_REFUSED),
              fixture_setup, test_revision_refused, fixture_teardown);

  return g_test_run ();
}
