/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include "sk-server.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sk-db.h"

/* How long a health check waits for PostgreSQL unless the URL sets connect_timeout. */
#define HEALTH_CONNECT_TIMEOUT "5"

struct _SkServer
{
  GObject     parent_instance;

  SoupServer *soup;
  char       *database_url;
  GPtrArray  *requests;      /* HealthRequest, in flight */
};

G_DEFINE_FINAL_TYPE (SkServer, sk_server, G_TYPE_OBJECT)

/* One paused /healthz request while its check runs in a worker thread. */
typedef struct
{
  SkServer          *self;      /* borrowed: the server waits for every request */
  SoupServerMessage *message;
  GCancellable      *cancellable;
  gulong             finished_id;
  gboolean           finished;
} HealthRequest;

static void
health_request_free (HealthRequest *request)
{
  g_clear_signal_handler (&request->finished_id, request->message);
  g_clear_object (&request->message);
  g_clear_object (&request->cancellable);
  g_free (request);
}

static void
set_json_response (SoupServerMessage *message,
                   guint              status,
                   JsonBuilder       *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize length;
  char *body;

  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, &length);

  soup_server_message_set_status (message, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE,
                                    body, length);
}

static void
set_error_response (SoupServerMessage *message,
                    guint              status,
                    const char        *code)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, code);
  json_builder_end_object (builder);

  set_json_response (message, status, builder);
}

static void
health_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const char *conninfo = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;

  conn = sk_db_connect_for (conninfo, "svoikrugd-health", HEALTH_CONNECT_TIMEOUT, &error);
  if (conn == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  result = PQexec (conn, "SELECT 1");
  if (!sk_db_result_ok (result, "SELECT 1", &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
health_done_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  HealthRequest *request = user_data;
  SkServer *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean ok;

  ok = g_task_propagate_boolean (G_TASK (result), &error);

  /* The client went away (or we are shutting down): nothing to answer. */
  if (!request->finished)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, ok ? "ok" : "degraded");
      json_builder_set_member_name (builder, "database");
      json_builder_add_string_value (builder, ok ? "ok" : error->message);
      if (ok)
        {
          json_builder_set_member_name (builder, "version");
          json_builder_add_string_value (builder, SK_VERSION);
        }
      json_builder_end_object (builder);

      set_json_response (request->message,
                         ok ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE,
                         builder);
      soup_server_message_unpause (request->message);
    }

  g_ptr_array_remove (self->requests, request);
}

static void
message_finished_cb (SoupServerMessage *message,
                     HealthRequest     *request)
{
  request->finished = TRUE;
  g_cancellable_cancel (request->cancellable);
}

static void
handle_healthz (SkServer          *self,
                SoupServerMessage *message)
{
  g_autoptr(GTask) task = NULL;
  HealthRequest *request = g_new0 (HealthRequest, 1);

  request->self = self;
  request->message = g_object_ref (message);
  request->cancellable = g_cancellable_new ();
  request->finished_id = g_signal_connect (message, "finished",
                                           G_CALLBACK (message_finished_cb), request);
  g_ptr_array_add (self->requests, request);

  soup_server_message_pause (message);

  /* The check talks to PostgreSQL, so it runs in a worker with a connection of its own. */
  task = g_task_new (self, request->cancellable, health_done_cb, request);
  g_task_set_source_tag (task, handle_healthz);
  g_task_set_task_data (task, g_strdup (self->database_url), g_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, health_thread);
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *message,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  SkServer *self = SK_SERVER (user_data);
  const char *method = soup_server_message_get_method (message);

  if (!g_str_equal (path, "/healthz"))
    {
      set_error_response (message, SOUP_STATUS_NOT_FOUND, "not found");
      return;
    }

  if (!g_str_equal (method, SOUP_METHOD_GET))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                    "Allow", "GET");
      set_error_response (message, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed");
      return;
    }

  handle_healthz (self, message);
}

static void
sk_server_dispose (GObject *object)
{
  SkServer *self = SK_SERVER (object);

  sk_server_shutdown (self);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (sk_server_parent_class)->dispose (object);
}

static void
sk_server_finalize (GObject *object)
{
  SkServer *self = SK_SERVER (object);

  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_free (self->database_url);

  G_OBJECT_CLASS (sk_server_parent_class)->finalize (object);
}

static void
sk_server_class_init (SkServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sk_server_dispose;
  object_class->finalize = sk_server_finalize;
}

static void
sk_server_init (SkServer *self)
{
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) health_request_free);
  self->soup = soup_server_new ("server-header", "svoikrugd/" SK_VERSION " ", NULL);
  soup_server_add_handler (self->soup, NULL, server_callback, self, NULL);
}

/**
 * sk_server_new:
 * @database_url: the conninfo that /healthz checks
 *
 * Returns: (transfer full): a server that is not listening yet
 */
SkServer *
sk_server_new (const char *database_url)
{
  SkServer *self;

  g_return_val_if_fail (database_url != NULL, NULL);

  self = g_object_new (SK_TYPE_SERVER, NULL);
  self->database_url = g_strdup (database_url);
  return self;
}

/**
 * sk_server_listen:
 * @address: an IP address (IPv4 or IPv6)
 * @port: a port, or 0 to pick a free one
 */
gboolean
sk_server_listen (SkServer    *self,
                  const char  *address,
                  guint        port,
                  GError     **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;

  g_return_val_if_fail (SK_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (port <= 65535, FALSE);

  socket_address = g_inet_socket_address_new_from_string (address, port);
  if (socket_address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address"), address);
      return FALSE;
    }

  return soup_server_listen (self->soup, socket_address, 0, error);
}

/**
 * sk_server_dup_uri:
 *
 * Returns: (transfer full) (nullable): the base URI it listens on, with the real port
 */
char *
sk_server_dup_uri (SkServer *self)
{
  GSList *uris;
  char *text = NULL;

  g_return_val_if_fail (SK_IS_SERVER (self), NULL);

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    text = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return text;
}

/**
 * sk_server_shutdown:
 *
 * Stops listening, cancels the health checks in flight and waits for their workers, so that
 * no thread outlives the server.
 */
void
sk_server_shutdown (SkServer *self)
{
  g_return_if_fail (SK_IS_SERVER (self));

  if (self->soup != NULL)
    soup_server_disconnect (self->soup);

  for (guint i = 0; i < self->requests->len; i++)
    {
      HealthRequest *request = g_ptr_array_index (self->requests, i);

      request->finished = TRUE;
      g_cancellable_cancel (request->cancellable);
    }

  while (self->requests->len > 0)
    g_main_context_iteration (NULL, TRUE);
}
