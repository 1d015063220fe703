/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-fake-partner.h"

/*
 * A partner API on 127.0.0.1, port 0, served from its own thread and main context: the
 * connectors' client is synchronous, so the test's thread is blocked while it talks to us.
 * Canned answers queued with sk_fake_partner_queue() come first (429, 500, broken JSON); then
 * the test's handler serves the fixtures.
 */
typedef struct
{
  guint  status;
  char  *retry_after;
  char  *body;
} Canned;

struct _SkFakePartner
{
  SkFakeHandler  handler;
  gpointer       user_data;

  GThread       *thread;
  GMainContext  *context;
  GMainLoop     *loop;
  SoupServer    *server;
  char          *url;

  GMutex         mutex;
  GCond          cond;
  gboolean       ready;
  GQueue         canned;
  guint          n_requests;
};

static void
canned_free (Canned *c)
{
  g_free (c->retry_after);
  g_free (c->body);
  g_free (c);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SkFakePartner *fake = user_data;
  Canned *canned;

  g_mutex_lock (&fake->mutex);
  fake->n_requests++;
  canned = g_queue_pop_head (&fake->canned);
  g_mutex_unlock (&fake->mutex);

  if (canned != NULL)
    {
      if (canned->retry_after != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Retry-After", canned->retry_after);
      sk_fake_reply_text (msg, canned->status, "application/json",
                          canned->body != NULL ? canned->body : "");
      canned_free (canned);
      return;
    }

  fake->handler (fake, msg, fake->user_data);
}

static gpointer
server_thread (gpointer data)
{
  SkFakePartner *fake = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (fake->context);

  fake->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fake->server, NULL, server_cb, fake, NULL);
  soup_server_listen_local (fake->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (fake->server);
  g_assert_nonnull (uris);
  fake->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&fake->mutex);
  fake->ready = TRUE;
  g_cond_signal (&fake->cond);
  g_mutex_unlock (&fake->mutex);

  g_main_loop_run (fake->loop);

  soup_server_disconnect (fake->server);
  g_clear_object (&fake->server);
  /* Let the server's sources finish before the context goes. */
  while (g_main_context_iteration (fake->context, FALSE))
    ;
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

SkFakePartner *
sk_fake_partner_new (SkFakeHandler handler,
                     gpointer      user_data)
{
  SkFakePartner *fake = g_new0 (SkFakePartner, 1);

  fake->handler = handler;
  fake->user_data = user_data;
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);
  g_mutex_init (&fake->mutex);
  g_cond_init (&fake->cond);
  g_queue_init (&fake->canned);

  fake->thread = g_thread_new ("fake-partner", server_thread, fake);
  g_mutex_lock (&fake->mutex);
  while (!fake->ready)
    g_cond_wait (&fake->cond, &fake->mutex);
  g_mutex_unlock (&fake->mutex);

  return fake;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
sk_fake_partner_free (SkFakePartner *fake)
{
  if (fake == NULL)
    return;

  g_main_context_invoke (fake->context, quit_cb, fake->loop);
  g_thread_join (fake->thread);

  g_queue_clear_full (&fake->canned, (GDestroyNotify) canned_free);
  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_mutex_clear (&fake->mutex);
  g_cond_clear (&fake->cond);
  g_free (fake->url);
  g_free (fake);
}

/* "http://127.0.0.1:PORT", no trailing slash. */
const char *
sk_fake_partner_get_url (SkFakePartner *fake)
{
  return fake->url;
}

guint
sk_fake_partner_get_n_requests (SkFakePartner *fake)
{
  guint n;

  g_mutex_lock (&fake->mutex);
  n = fake->n_requests;
  g_mutex_unlock (&fake->mutex);
  return n;
}

/* The next request gets this answer instead of the handler's. */
void
sk_fake_partner_queue (SkFakePartner *fake,
                       guint          status,
                       const char    *retry_after,
                       const char    *body)
{
  Canned *c = g_new0 (Canned, 1);

  c->status = status;
  c->retry_after = g_strdup (retry_after);
  c->body = g_strdup (body);

  g_mutex_lock (&fake->mutex);
  g_queue_push_tail (&fake->canned, c);
  g_mutex_unlock (&fake->mutex);
}

void
sk_fake_reply_text (SoupServerMessage *msg,
                    guint              status,
                    const char        *content_type,
                    const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  if (status != SOUP_STATUS_NO_CONTENT)
    soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, text, strlen (text));
}

void
sk_fake_reply_json (SoupServerMessage *msg,
                    guint              status,
                    const char        *content_type,
                    JsonNode          *root)
{
  g_autofree char *text = json_to_string (root, FALSE);

  sk_fake_reply_text (msg, status, content_type, text);
}

/* Every value of @key in the raw query, in order: GHashTable queries keep only the last of a
 * repeated key (amoCRM's filter[id][]). */
GPtrArray *
sk_fake_query_values (SoupServerMessage *msg,
                      const char        *key)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_auto(GStrv) pairs = g_strsplit (query != NULL ? query : "", "&", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *eq = strchr (pairs[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL)
        continue;
      *eq = '\0';
      name = g_uri_unescape_string (pairs[i], NULL);
      if (g_strcmp0 (name, key) == 0)
        g_ptr_array_add (values, g_uri_unescape_string (eq + 1, NULL));
    }
  return values;
}

const char *
sk_fake_header (SoupServerMessage *msg,
                const char        *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (msg), name);
}

char *
sk_test_fixture_text (const char *name,
                      gsize      *len)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "connectors", "fixtures", name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, len, &error);
  g_assert_no_error (error);
  return text;
}

/* The fixture as json-glib reads it, for the fake to cut into pages. */
JsonNode *
sk_test_fixture_json (const char *name)
{
  gsize len;
  g_autofree char *text = sk_test_fixture_text (name, &len);
  g_autoptr(GError) error = NULL;
  JsonNode *root = json_from_string (text, &error);

  g_assert_no_error (error);
  return root;
}

void
sk_test_assert_sales (GPtrArray            *purchases,
                      const SkExpectedSale *expected,
                      guint                 n_expected)
{
  g_assert_cmpuint (purchases->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      SkPurchase *p = g_ptr_array_index (purchases, i);

      g_assert_cmpstr (p->external_id, ==, expected[i].external_id);
      g_assert_cmpstr (p->phone_e164, ==, expected[i].phone);
      g_assert_null (p->customer_hash);
      g_assert_cmpint (p->amount, ==, expected[i].amount);
      g_assert_true (p->completed);
      g_assert_cmpint (p->source, ==, SK_PURCHASE_SOURCE_PARTNER);
      g_assert_null (p->original_external_id);
    }
}

/* Retries in milliseconds, not seconds, so the suite stays fast. */
SkPartnerClient *
sk_test_client_new (void)
{
  return g_object_new (SK_TYPE_PARTNER_CLIENT,
                       "timeout", 10,
                       "max-attempts", 4,
                       "backoff-base", 1,
                       "backoff-max", 5,
                       NULL);
}

/* Inputs a fuzzer finds first: each must give a page or an error, never a crash or leak. */
void
sk_test_check_garbage (SkConnectorPage *(*parse) (const SkPageContext *,
                                                  const char *,
                                                  gsize,
                                                  GError **))
{
  static const char *inputs[] = {
    "", " ", "null", "0", "1.5e999", "\"x\"", "[]", "{}", "[[[[", "{\"a\":",
    "{\"success\":true,\"data\":[1,\"x\",null,[],{\"id\":{}},{\"id\":1e3}]}",
    "{\"success\":true,\"data\":[{\"id\":1,\"attendance\":1,\"services\":[{\"cost\":1e400}]}]}",
    "{\"success\":true,\"data\":[{\"id\":1,\"attendance\":1,\"services\":[{\"cost\":92233720368547758}],"
      "\"datetime\":\"2026-11-20T11:00:00+03:00\"}]}",
    "{\"success\":false}",
    "{\"_embedded\":{\"leads\":[{\"id\":1,\"status_id\":142,\"price\":-5,\"closed_at\":-1},"
      "{\"id\":\"\",\"status_id\":142},{\"id\":2,\"status_id\":142,\"price\":1.234,\"closed_at\":1}]},"
      "\"_links\":{\"next\":{\"href\":7}}}",
    "{\"result\":[{\"ID\":\"1\",\"CLOSED\":\"Y\",\"STAGE_SEMANTIC_ID\":\"S\",\"CURRENCY_ID\":\"RUB\","
      "\"OPPORTUNITY\":\"1e5\",\"CLOSEDATE\":\"2026\"}],\"next\":-1}",
    "{\"error\":\"QUERY_LIMIT_EXCEEDED\"}",
    "{\"result\":{},\"next\":\"50\"}",
  };
  SkPageContext ctx = { .account = "acc", .page = 1, .page_size = 0 };
  g_autoptr(GString) deep = g_string_new (NULL);
  const char bytes[] = { '{', '"', 0, '"', '}' };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnectorPage) page = parse (&ctx, inputs[i], strlen (inputs[i]), &error);

      g_assert_true ((page == NULL) != (error == NULL));
      if (page != NULL)
        g_assert_cmpuint (page->purchases->len, ==, page->contact_ids->len);
    }

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SkConnectorPage) page = parse (&ctx, deep->str, deep->len, &error);

    g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
    g_assert_null (page);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SkConnectorPage) page = parse (&ctx, bytes, sizeof bytes, &error);

    g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
  }
}
