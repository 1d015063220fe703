/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include "sk-sync-scheduler.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "sk-db.h"
#include "sk-sync.h"

/* The first look waits this long, so that starting the service stays quick. */
#define FIRST_TICK_DELAY_SECONDS 1
/* How long a worker waits for PostgreSQL unless the URL sets connect_timeout: shutting down
 * waits for a worker's connection attempt. */
#define SYNC_CONNECT_TIMEOUT "10"
/* Partners synced at once; the others wait for a later tick. */
#define MAX_PARALLEL 4

/*
 * SkSyncScheduler looks every tick (a minute by default) for the partners whose sync is due
 * (sk_sync_due(): each integration's own interval, 15 minutes unless set) and runs each in a
 * worker thread with a connection of its own, so that the main loop keeps serving. A partner
 * still running from an earlier tick is not started again (the set of running ids); another
 * service instance running it is kept out by its advisory lock, and that run is reported as
 * busy. Each run logs one line. Stopping cancels the runs: what they committed stays, the
 * rest is fetched again by the next run.
 */
struct _SkSyncScheduler
{
  GObject       parent_instance;

  char         *database_url;
  SkSyncRunner *runner;
  GTimeZone    *tz;
  guint         tick_seconds;
  guint         timeout_id;
  GCancellable *cancellable;
  gboolean      checking;
  GHashTable   *running;
};

G_DEFINE_FINAL_TYPE (SkSyncScheduler, sk_sync_scheduler, G_TYPE_OBJECT)

/* Runs in the thread that cancels: PQcancel() is safe from any thread. */
static void
cancelled_cb (GCancellable *cancellable,
              PGcancel     *cancel)
{
  char reason[256];

  PQcancel (cancel, reason, sizeof reason);
}

static void
due_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  SkSyncScheduler *self = source_object;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGconn) conn = NULL;
  GArray *ids;

  conn = sk_db_connect_for (self->database_url, "svoikrugd-sync", SYNC_CONNECT_TIMEOUT, &error);
  ids = conn != NULL ? sk_sync_due (conn, &error) : NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_clear_pointer (&ids, g_array_unref);
      return;
    }
  if (ids == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  SkSyncScheduler *self = source_object;
  gint64 id = *(gint64 *) task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGconn) conn = NULL;
  SkSyncSummary *summary;
  PGcancel *cancel;
  gulong cancelled_id = 0;

  conn = sk_db_connect_for (self->database_url, "svoikrugd-sync", SYNC_CONNECT_TIMEOUT, &error);
  if (conn == NULL)
    {
      if (!g_task_return_error_if_cancelled (task))
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Shutting down cancels the statement too: a page is one transaction, rolled back whole. */
  cancel = PQgetCancel (conn);
  if (cancel != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), cancel, NULL);

  summary = sk_sync_runner_run (self->runner, conn, id, NULL, cancellable);

  g_cancellable_disconnect (cancellable, cancelled_id);
  g_clear_pointer (&cancel, PQfreeCancel);

  g_task_return_pointer (task, summary, (GDestroyNotify) sk_sync_summary_free);
}

static void
run_done_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  SkSyncScheduler *self = SK_SYNC_SCHEDULER (source_object);
  gint64 id = *(gint64 *) g_task_get_task_data (G_TASK (result));
  g_autoptr(SkSyncSummary) summary = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_hash_table_remove (self->running, &id);

  summary = g_task_propagate_pointer (G_TASK (result), &error);
  if (summary == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning (_("sync of integration %" PRId64 " failed: %s"), (int64_t) id,
                   error->message);
      return;
    }

  /* Stopped on purpose: nothing went wrong. */
  if (summary->cancelled)
    return;

  line = sk_sync_summary_describe (summary, self->tz);
  if (sk_sync_summary_failed (summary))
    g_warning (_("sync: %s"), line);
  else
    g_message (_("sync: %s"), line);
}

static void
start_run (SkSyncScheduler *self,
           gint64           id)
{
  g_autoptr(GTask) task = NULL;
  gint64 *key = g_memdup2 (&id, sizeof id);

  g_hash_table_add (self->running, key);
  task = g_task_new (self, self->cancellable, run_done_cb, NULL);
  g_task_set_source_tag (task, start_run);
  g_task_set_task_data (task, g_memdup2 (&id, sizeof id), g_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, run_thread);
}

static void
due_done_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  SkSyncScheduler *self = SK_SYNC_SCHEDULER (source_object);
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;

  self->checking = FALSE;

  ids = g_task_propagate_pointer (G_TASK (result), &error);
  if (ids == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning (_("sync: cannot look for due partners: %s"), error->message);
      return;
    }

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);

      if (g_cancellable_is_cancelled (self->cancellable) ||
          g_hash_table_size (self->running) >= MAX_PARALLEL)
        break;
      if (!g_hash_table_contains (self->running, &id))
        start_run (self, id);
    }
}

static void
check (SkSyncScheduler *self)
{
  g_autoptr(GTask) task = NULL;

  /* A slow database: the last look is still going. */
  if (self->checking)
    return;

  self->checking = TRUE;
  task = g_task_new (self, self->cancellable, due_done_cb, NULL);
  g_task_set_source_tag (task, check);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, due_thread);
}

static gboolean
tick_cb (gpointer user_data)
{
  check (SK_SYNC_SCHEDULER (user_data));
  return G_SOURCE_CONTINUE;
}

static gboolean
first_tick_cb (gpointer user_data)
{
  SkSyncScheduler *self = SK_SYNC_SCHEDULER (user_data);

  /* This source ends here; the ticks count from the first look. */
  self->timeout_id = g_timeout_add_seconds (self->tick_seconds, tick_cb, self);
  check (self);
  return G_SOURCE_REMOVE;
}

static void
sk_sync_scheduler_dispose (GObject *object)
{
  SkSyncScheduler *self = SK_SYNC_SCHEDULER (object);

  sk_sync_scheduler_stop (self);

  G_OBJECT_CLASS (sk_sync_scheduler_parent_class)->dispose (object);
}

static void
sk_sync_scheduler_finalize (GObject *object)
{
  SkSyncScheduler *self = SK_SYNC_SCHEDULER (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->running, g_hash_table_unref);
  g_clear_pointer (&self->runner, sk_sync_runner_free);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_free (self->database_url);

  G_OBJECT_CLASS (sk_sync_scheduler_parent_class)->finalize (object);
}

static void
sk_sync_scheduler_class_init (SkSyncSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sk_sync_scheduler_dispose;
  object_class->finalize = sk_sync_scheduler_finalize;
}

static void
sk_sync_scheduler_init (SkSyncScheduler *self)
{
  self->cancellable = g_cancellable_new ();
  self->running = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/**
 * sk_sync_scheduler_new:
 * @database_url: the conninfo the workers connect with
 * @runner: (transfer full): runs one partner
 * @tz: the zone of the times in the log (the club's)
 * @tick_seconds: seconds between two looks for due partners
 *
 * Returns: (transfer full): a scheduler that is not started yet
 */
SkSyncScheduler *
sk_sync_scheduler_new (const char   *database_url,
                       SkSyncRunner *runner,
                       GTimeZone    *tz,
                       guint         tick_seconds)
{
  SkSyncScheduler *self;

  g_return_val_if_fail (database_url != NULL, NULL);
  g_return_val_if_fail (runner != NULL, NULL);
  g_return_val_if_fail (tz != NULL, NULL);
  g_return_val_if_fail (tick_seconds >= 1, NULL);

  self = g_object_new (SK_TYPE_SYNC_SCHEDULER, NULL);
  self->database_url = g_strdup (database_url);
  self->runner = runner;
  self->tz = g_time_zone_ref (tz);
  self->tick_seconds = tick_seconds;
  return self;
}

/**
 * sk_sync_scheduler_start:
 *
 * Looks for due partners shortly from now and then every tick, on the thread default main
 * context. A stopped scheduler does not start again.
 */
void
sk_sync_scheduler_start (SkSyncScheduler *self)
{
  g_return_if_fail (SK_IS_SYNC_SCHEDULER (self));
  g_return_if_fail (self->timeout_id == 0);
  g_return_if_fail (!g_cancellable_is_cancelled (self->cancellable));

  self->timeout_id = g_timeout_add_seconds (FIRST_TICK_DELAY_SECONDS, first_tick_cb, self);
}

/**
 * sk_sync_scheduler_stop:
 *
 * Stops looking, cancels the runs in progress and waits for their workers, so that no
 * thread outlives the scheduler. Calling it again does nothing.
 */
void
sk_sync_scheduler_stop (SkSyncScheduler *self)
{
  g_return_if_fail (SK_IS_SYNC_SCHEDULER (self));

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);

  while (self->checking || g_hash_table_size (self->running) > 0)
    g_main_context_iteration (NULL, TRUE);
}
