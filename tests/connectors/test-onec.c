/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-fake-partner.h"

/* 2026-11-21 00:00 Moscow: the end of the fixtures' day. */
#define NOW_US (G_GINT64_CONSTANT (1795208400) * G_USEC_PER_SEC)
#define BASE "/roznica"
#define DOCUMENTS BASE "/odata/standard.odata/Document_ЧекККМ"
/* "Администратор:s3cret" */
#define USER "Администратор"
#define PASSWORD "s3cret"
/* 1C pages by $top; the fake's connector asks for 4, so the fixture's 6 checks take two. */
#define PAGE_SIZE 4

static const SkExpectedSale expected[] = {
  { "onec:lotos:8d2f6a10-c5a1-11ef-a3b2-00155d0a1f03", "+79164012283", 345050 },
  { "onec:lotos:8d2f6a2e-c5a1-11ef-a3b2-00155d0a1f03", "+79263331415", 128000 },
  { "onec:lotos:8d2f6a82-c5a1-11ef-a3b2-00155d0a1f03", NULL, 76000 },
};

typedef struct
{
  SkFakePartner   *fake;
  JsonNode        *fixture;
  SkPartnerClient *client;
  SkConnector     *connector;
} Fixture;

static void
serve_documents (SkFakePartner     *fake,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  Fixture *f = user_data;
  JsonObject *root = json_node_get_object (f->fixture);
  JsonArray *documents = json_object_get_array_member (root, "value");
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *path = g_uri_unescape_string (g_uri_get_path (soup_server_message_get_uri (msg)),
                                                 NULL);
  g_autofree char *basic = NULL;
  g_autofree char *credentials = g_base64_encode ((const guchar *) USER ":" PASSWORD,
                                                  strlen (USER ":" PASSWORD));
  GHashTable *query = soup_form_decode (g_uri_get_query (soup_server_message_get_uri (msg)));
  guint64 top, skip;

  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "GET");
  g_assert_cmpstr (path, ==, DOCUMENTS);

  basic = g_strconcat ("Basic ", credentials, NULL);
  if (g_strcmp0 (sk_fake_header (msg, "Authorization"), basic) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Basic realm=\"1C\"");
      sk_fake_reply_text (msg, 401, "text/plain", "");
      g_hash_table_unref (query);
      return;
    }

  g_assert_cmpstr (g_hash_table_lookup (query, "$format"), ==, "json");
  g_assert_cmpstr (g_hash_table_lookup (query, "$filter"), ==,
                   "Date ge datetime'2026-11-19T23:45:00' and Date lt datetime'2026-11-21T00:00:00' "
                   "and Posted eq true and DeletionMark eq false");
  g_assert_cmpstr (g_hash_table_lookup (query, "$expand"), ==, "Контрагент");
  g_assert_cmpstr (g_hash_table_lookup (query, "$orderby"), ==, "Date,Ref_Key");
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (query, "$top"), 10, 1, 1000, &top, NULL));
  g_assert_true (g_ascii_string_to_unsigned (g_hash_table_lookup (query, "$skip"), 10, 0, 1000, &skip, NULL));
  g_assert_cmpuint (top, ==, PAGE_SIZE);
  g_hash_table_unref (query);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "odata.metadata");
  json_builder_add_string_value (b, json_object_get_string_member (root, "odata.metadata"));
  json_builder_set_member_name (b, "value");
  json_builder_begin_array (b);
  for (guint i = (guint) skip; i < json_array_get_length (documents) && i < skip + top; i++)
    json_builder_add_value (b, json_node_copy (json_array_get_element (documents, i)));
  json_builder_end_array (b);
  json_builder_end_object (b);

  reply = json_builder_get_root (b);
  sk_fake_reply_json (msg, 200, "application/json;odata=minimalmetadata", reply);
}

static SkConnector *
make_connector (Fixture    *f,
                const char *password)
{
  g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (sk_fake_partner_get_url (f->fake), BASE "/", NULL);
  g_autofree char *page_size = g_strdup_printf ("%u", PAGE_SIZE);
  SkConnector *connector;

  g_hash_table_insert (settings, "base-url", url);
  g_hash_table_insert (settings, "user", USER);
  g_hash_table_insert (settings, "password", (char *) password);
  g_hash_table_insert (settings, "account", "lotos");
  g_hash_table_insert (settings, "business-id", "b-onec");
  g_hash_table_insert (settings, "page-size", page_size);
  connector = sk_connector_new ("onec", settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sk_connector_get_system (connector), ==, "onec");
  return connector;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->fixture = sk_test_fixture_json ("onec-odata-checks.json");
  f->fake = sk_fake_partner_new (serve_documents, f);
  f->client = sk_test_client_new ();
  f->connector = make_connector (f, PASSWORD);
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
  /* Marked for deletion, not posted, a refund. */
  g_assert_cmpuint (batch->n_skipped, ==, 3);
  g_assert_cmpuint (batch->n_invalid, ==, 0);
  g_assert_cmpuint (batch->n_unmatched, ==, 1);
  g_assert_cmpstr (batch->cursor, ==, "1795208400000000");

  /* "2026-11-20T10:14:52", Moscow time */
  first = g_ptr_array_index (batch->purchases, 0);
  g_assert_cmpint (first->occurred_at, ==, G_GINT64_CONSTANT (1795158892) * G_USEC_PER_SEC);
  g_assert_cmpstr (first->business_id, ==, "b-onec");
}

static void
test_fetch (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = fetch (f, &error);

  g_assert_no_error (error);
  assert_full_batch (batch);
  /* Six checks at four a page. */
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 2);
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  g_clear_object (&f->connector);
  f->connector = make_connector (f, "0ld-passw0rd");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH);
  g_assert_null (batch);
  g_assert_null (strstr (error->message, "0ld-passw0rd"));
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

  sk_fake_partner_queue (f->fake, 200, NULL, "{\"odata.metadata\":\"x\",\"value\":[{\"Ref_Key\":");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
  g_assert_null (batch);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (f->fake), ==, 1);
}

/* An infobase whose user lost the rights answers an OData error with 200 on some publishers. */
static void
test_odata_error (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorBatch) batch = NULL;

  sk_fake_partner_queue (f->fake, 200, NULL,
                         "{\"odata.error\":{\"code\":\"-1\",\"message\":{\"lang\":\"ru\","
                         "\"value\":\"Не найден объект\"}}}");
  batch = fetch (f, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARTNER);
  g_assert_null (batch);
}

static const struct
{
  const char *rows;
  const char *e164;
} phones[] = {
  { "{\"Тип\":\"Телефон\",\"НомерТелефона\":\"79164012283\",\"Представление\":\"+7 (916) 401-22-83\"}",
    "+79164012283" },
  { "{\"Тип\":\"Телефон\",\"НомерТелефона\":\"89164012283\"}", "+79164012283" },
  { "{\"Тип\":\"Телефон\",\"НомерТелефона\":\"\",\"Представление\":\"8 (916) 401-22-83\"}",
    "+79164012283" },
  { "{\"Тип\":\"Телефон\",\"Представление\":\"+7 916 401 22 83\"}", "+79164012283" },
  { "{\"Тип\":\"Телефон\",\"НомерТелефона\":\"9164012283\"}", "+79164012283" },
  { "{\"Тип\":\"АдресЭлектроннойПочты\",\"Представление\":\"anna@example.ru\"},"
    "{\"Тип\":\"Телефон\",\"НомерТелефона\":\"+7-916-401-22-83\"}", "+79164012283" },
  { "{\"Тип\":\"Телефон\",\"Представление\":\"нет\"},"
    "{\"Тип\":\"Телефон\",\"Представление\":\"8 916 401-22-83\"}", "+79164012283" },
  { "{\"Тип\":\"Адрес\",\"Представление\":\"79164012283\"}", NULL },
  { "{\"Тип\":\"Телефон\",\"НомерТелефона\":\"+380441234567\"}", NULL },
  { "{\"Тип\":\"Телефон\"}", NULL },
};

static SkConnectorPage *
parse_one (const char         *counterparty,
           const SkOnecFields *fields)
{
  g_autofree char *json = g_strdup_printf ("{\"value\":[{\"Ref_Key\":\"r1\",\"Posted\":true,"
                                           "\"DeletionMark\":false,\"ВидОперации\":\"Продажа\","
                                           "\"Date\":\"2026-11-20T10:00:00\","
                                           "\"СуммаДокумента\":100,\"СуммаОплаты\":\"99.90\","
                                           "%s}]}", counterparty);
  SkPageContext ctx = { .account = "lotos", .page = 1, .page_size = 10 };
  g_autoptr(GError) error = NULL;
  SkConnectorPage *page = sk_onec_parse_page (&ctx, fields, json, strlen (json), &error);

  g_assert_no_error (error);
  g_assert_true (page->done);
  g_assert_null (page->next);
  g_assert_cmpuint (page->purchases->len, ==, 1);
  return page;
}

static void
test_phones (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autofree char *counterparty = g_strdup_printf ("\"Контрагент\":{\"КонтактнаяИнформация\":[%s]}",
                                                       phones[i].rows);
      g_autoptr(SkConnectorPage) page = parse_one (counterparty, NULL);
      SkPurchase *p = g_ptr_array_index (page->purchases, 0);

      g_assert_cmpstr (p->phone_e164, ==, phones[i].e164);
      g_assert_cmpint (p->amount, ==, 10000);
    }
}

/* Розница: the buyer through the discount card's owner, and another amount attribute. */
static void
test_fields (void)
{
  SkOnecFields fields = {
    .amount = "СуммаОплаты",
    .phone_path = "ДисконтнаяКарта/ВладелецКарты/КонтактнаяИнформация",
  };
  g_autoptr(SkConnectorPage) page =
    parse_one ("\"Контрагент\":null,\"ДисконтнаяКарта\":{\"ВладелецКарты\":{\"КонтактнаяИнформация\":"
               "[{\"Тип\":\"Телефон\",\"НомерТелефона\":\"89035124407\"}]}}", &fields);
  g_autoptr(SkConnectorPage) defaults =
    parse_one ("\"Контрагент\":null,\"ДисконтнаяКарта\":{\"ВладелецКарты\":{\"КонтактнаяИнформация\":"
               "[{\"Тип\":\"Телефон\",\"НомерТелефона\":\"89035124407\"}]}}", NULL);
  SkPurchase *p = g_ptr_array_index (page->purchases, 0);

  g_assert_cmpstr (p->phone_e164, ==, "+79035124407");
  g_assert_cmpint (p->amount, ==, 9990);
  p = g_ptr_array_index (defaults->purchases, 0);
  g_assert_null (p->phone_e164);
  g_assert_cmpint (p->amount, ==, 10000);
}

/* A "Возврат" naming its sale is a refund of it; one naming none, or the empty reference, is
 * skipped; the reference attribute is configurable. */
static void
test_refunds (void)
{
  const char *json =
    "{\"value\":["
    "{\"Ref_Key\":\"s1\",\"Posted\":true,\"DeletionMark\":false,\"ВидОперации\":\"Продажа\","
    " \"Date\":\"2026-11-20T10:00:00\",\"СуммаДокумента\":1280},"
    "{\"Ref_Key\":\"r1\",\"Posted\":true,\"DeletionMark\":false,\"ВидОперации\":\"Возврат\","
    " \"Date\":\"2026-11-20T15:08:09\",\"СуммаДокумента\":\"500.50\",\"ЧекККМПродажа_Key\":\"s1\","
    " \"Основание_Key\":\"s9\"},"
    "{\"Ref_Key\":\"r2\",\"Posted\":true,\"DeletionMark\":false,\"ВидОперации\":\"Возврат\","
    " \"Date\":\"2026-11-20T15:09:00\",\"СуммаДокумента\":100,"
    " \"ЧекККМПродажа_Key\":\"00000000-0000-0000-0000-000000000000\"},"
    "{\"Ref_Key\":\"r3\",\"Posted\":true,\"DeletionMark\":false,\"ВидОперации\":\"Возврат\","
    " \"Date\":\"2026-11-20T15:10:00\",\"СуммаДокумента\":100},"
    "{\"Ref_Key\":\"r4\",\"Posted\":true,\"DeletionMark\":false,\"ВидОперации\":\"Возврат\","
    " \"Date\":\"2026-11-20T15:11:00\",\"СуммаДокумента\":100,\"ЧекККМПродажа_Key\":\"r4\"}"
    "]}";
  SkOnecFields other = { .refund_reference = "Основание_Key" };
  SkPageContext ctx = { .account = "lotos", .business_id = "aaaaaaaa-0000-4000-8000-000000000002",
                        .page = 1, .page_size = 10 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = sk_onec_parse_page (&ctx, NULL, json, strlen (json), &error);
  g_autoptr(SkConnectorPage) configured = NULL;
  SkPurchase *refund;

  g_assert_no_error (error);
  g_assert_cmpuint (page->n_records, ==, 5);
  g_assert_cmpuint (page->purchases->len, ==, 2);
  g_assert_cmpuint (page->n_skipped, ==, 2);   /* r2: empty reference, r3: none */
  g_assert_cmpuint (page->n_invalid, ==, 1);   /* r4 refunds itself */

  refund = g_ptr_array_index (page->purchases, 1);
  g_assert_cmpstr (refund->external_id, ==, "onec:lotos:r1");
  g_assert_cmpstr (refund->original_external_id, ==, "onec:lotos:s1");
  g_assert_cmpint (refund->amount, ==, -50050);
  g_assert_null (refund->phone_e164);
  g_assert_true (sk_purchase_is_refund (refund));
  g_assert_true (sk_purchase_validate (refund, &error));
  g_assert_no_error (error);

  configured = sk_onec_parse_page (&ctx, &other, json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (configured->purchases->len, ==, 2);
  refund = g_ptr_array_index (configured->purchases, 1);
  g_assert_cmpstr (refund->original_external_id, ==, "onec:lotos:s9");
}

static void
test_settings (void)
{
  static const struct
  {
    const char *key;
    const char *value;
  } bad[] = {
    { "base-url", "ftp://1c.example.ru/base" },
    { "base-url", "https://1c.example.ru/base?x=1" },
    { "document", "Document_ЧекККМ?$top=1" },
    { "document", "Document/ЧекККМ" },
    { "amount-field", "Сумма Документа" },
    { "phone-path", "Контрагент//КонтактнаяИнформация" },
    { "phone-path", "/КонтактнаяИнформация" },
    { "page-size", "0" },
    { "time-zone", "Europe/Nowhere" },
    { "user", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnector) connector = NULL;

      g_hash_table_insert (settings, "base-url", "https://1c.example.ru/base");
      g_hash_table_insert (settings, "user", USER);
      g_hash_table_insert (settings, "password", PASSWORD);
      g_hash_table_insert (settings, (char *) bad[i].key, (char *) bad[i].value);
      connector = sk_connector_new ("onec", settings, &error);
      g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS);
      g_assert_null (connector);
      g_assert_null (strstr (error->message, PASSWORD));
    }
}

static void
test_parse_fixture (void)
{
  SkPageContext ctx = { .account = "lotos", .page = 1, .page_size = 500 };
  gsize len;
  g_autofree char *text = sk_test_fixture_text ("onec-odata-checks.json", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(SkConnectorPage) page = NULL;

  ctx.tz = g_time_zone_new_identifier ("Europe/Moscow");
  page = sk_onec_parse_page (&ctx, NULL, text, len, &error);
  g_time_zone_unref (ctx.tz);

  g_assert_no_error (error);
  g_assert_true (page->done);
  g_assert_cmpuint (page->n_records, ==, 6);
  g_assert_cmpuint (page->n_skipped, ==, 3);
  sk_test_assert_sales (page->purchases, expected, G_N_ELEMENTS (expected));
}

static SkConnectorPage *
parse_with_defaults (const SkPageContext  *ctx,
                     const char           *data,
                     gsize                 len,
                     GError              **error)
{
  return sk_onec_parse_page (ctx, NULL, data, len, error);
}

static void
test_garbage (void)
{
  static const char *inputs[] = {
    "{\"value\":[{\"Ref_Key\":\"r\",\"Posted\":true,\"DeletionMark\":false,"
      "\"ВидОперации\":\"Продажа\",\"Date\":\"2026-11-20T10:00:00\",\"СуммаДокумента\":1e400}]}",
    "{\"value\":[{\"Ref_Key\":\"r\",\"Posted\":true,\"DeletionMark\":false,"
      "\"ВидОперации\":\"Продажа\",\"Date\":\"9999-99-99T00:00:00\",\"СуммаДокумента\":1}]}",
    "{\"value\":[{\"Ref_Key\":\"r\",\"Posted\":\"true\",\"DeletionMark\":0}]}",
    "{\"value\":[{\"Ref_Key\":\"r\",\"Posted\":true,\"DeletionMark\":false,\"ВидОперации\":\"Продажа\","
      "\"Date\":\"2026-11-20T10:00:00\",\"СуммаДокумента\":5,\"Контрагент\":{\"КонтактнаяИнформация\":"
      "[null,1,{\"Тип\":\"Телефон\",\"НомерТелефона\":7}]}}]}",
    "{\"value\":{}}",
    "{\"odata.error\":null}",
  };
  SkPageContext ctx = { .account = "lotos", .page = G_MAXUINT, .page_size = G_MAXUINT };

  sk_test_check_garbage (parse_with_defaults);
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = sk_onec_parse_page (&ctx, NULL, inputs[i],
                                                            strlen (inputs[i]), &error);

      g_assert_true ((page == NULL) != (error == NULL));
      g_assert_true (page == NULL || page->done == (page->next == NULL));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connectors/onec/parse-fixture", test_parse_fixture);
  g_test_add_func ("/connectors/onec/phones", test_phones);
  g_test_add_func ("/connectors/onec/fields", test_fields);
  g_test_add_func ("/connectors/onec/settings", test_settings);
  g_test_add_func ("/connectors/onec/refunds", test_refunds);
  g_test_add_func ("/connectors/onec/garbage", test_garbage);
  g_test_add ("/connectors/onec/fetch", Fixture, NULL,
              fixture_setup, test_fetch, fixture_teardown);
  g_test_add ("/connectors/onec/wrong-password", Fixture, NULL,
              fixture_setup, test_wrong_password, fixture_teardown);
  g_test_add ("/connectors/onec/429-then-success", Fixture, NULL,
              fixture_setup, test_rate_limited, fixture_teardown);
  g_test_add ("/connectors/onec/500-twice-then-success", Fixture, NULL,
              fixture_setup, test_server_errors, fixture_teardown);
  g_test_add ("/connectors/onec/malformed-json", Fixture, NULL,
              fixture_setup, test_malformed, fixture_teardown);
  g_test_add ("/connectors/onec/odata-error", Fixture, NULL,
              fixture_setup, test_odata_error, fixture_teardown);

  return g_test_run ();
}
