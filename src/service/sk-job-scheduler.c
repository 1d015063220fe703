/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include "sk-job-scheduler.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "sk-db.h"

/* The first run waits this long, so that starting the service stays quick. */
#define FIRST_RUN_DELAY_SECONDS 1
/* How long a run waits for PostgreSQL unless the URL sets connect_timeout: shutting down
 * waits for a run's connection attempt. */
#define JOBS_CONNECT_TIMEOUT "10"

/*
 * SkJobScheduler runs jobs_run() (hold release, expiry, debt repayment, the club-wide
 * ranking and the tier recompute) shortly after the service starts and then every interval,
 * in a worker thread with a connection of its own so that the main loop keeps serving. A
 * tick that comes while a run is still going is skipped. Across instances the function's
 * advisory lock keeps the runs single.
 */
struct _SkJobScheduler
{
  GObject       parent_instance;

  char         *database_url;
  guint         interval_minutes;
  guint         timeout_id;
  GCancellable *cancellable;
  gboolean      running;
};

G_DEFINE_FINAL_TYPE (SkJobScheduler, sk_job_scheduler, G_TYPE_OBJECT)

/* Runs in the thread that cancels: PQcancel() is safe from any thread. */
static void
cancelled_cb (GCancellable *cancellable,
              PGcancel     *cancel)
{
  char reason[256];

  PQcancel (cancel, reason, sizeof reason);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  const char *conninfo = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGconn) conn = NULL;
  SkJobsReport report = { 0, };
  PGcancel *cancel;
  gulong cancelled_id = 0;
  gboolean ok;

  conn = sk_db_connect_for (conninfo, "svoikrugd-jobs", JOBS_CONNECT_TIMEOUT, &error);
  if (conn == NULL)
    {
      if (!g_task_return_error_if_cancelled (task))
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Shutting down cancels the statement: jobs_run() is one transaction, rolled back whole. */
  cancel = PQgetCancel (conn);
  if (cancel != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), cancel, NULL);

  ok = !g_cancellable_is_cancelled (cancellable) &&
       sk_pipeline_run_jobs (conn, NULL, &report, &error);

  g_cancellable_disconnect (cancellable, cancelled_id);
  g_clear_pointer (&cancel, PQfreeCancel);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (!ok)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_memdup2 (&report, sizeof report), g_free);
}

static void
run_done_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  SkJobScheduler *self = SK_JOB_SCHEDULER (source_object);
  g_autofree SkJobsReport *report = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(GError) error = NULL;

  self->running = FALSE;

  report = g_task_propagate_pointer (G_TASK (result), &error);
  if (report == NULL)
    {
      /* Stopped on purpose: nothing went wrong. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning (_("jobs failed: %s"), error->message);
      return;
    }

  summary = sk_job_scheduler_describe_report (report);
  g_message (_("jobs: %s"), summary);
}

static void
run (SkJobScheduler *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->running)
    {
      g_message ("%s", _("jobs: the previous run is still going, skipping this one"));
      return;
    }

  self->running = TRUE;
  task = g_task_new (self, self->cancellable, run_done_cb, NULL);
  g_task_set_source_tag (task, run);
  g_task_set_task_data (task, g_strdup (self->database_url), g_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, run_thread);
}

static gboolean
tick_cb (gpointer user_data)
{
  SkJobScheduler *self = SK_JOB_SCHEDULER (user_data);

  run (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
first_run_cb (gpointer user_data)
{
  SkJobScheduler *self = SK_JOB_SCHEDULER (user_data);

  /* This source ends here; the interval counts from the first run. */
  self->timeout_id = g_timeout_add_seconds (self->interval_minutes * 60, tick_cb, self);
  run (self);
  return G_SOURCE_REMOVE;
}

static void
sk_job_scheduler_dispose (GObject *object)
{
  SkJobScheduler *self = SK_JOB_SCHEDULER (object);

  sk_job_scheduler_stop (self);

  G_OBJECT_CLASS (sk_job_scheduler_parent_class)->dispose (object);
}

static void
sk_job_scheduler_finalize (GObject *object)
{
  SkJobScheduler *self = SK_JOB_SCHEDULER (object);

  g_clear_object (&self->cancellable);
  g_free (self->database_url);

  G_OBJECT_CLASS (sk_job_scheduler_parent_class)->finalize (object);
}

static void
sk_job_scheduler_class_init (SkJobSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sk_job_scheduler_dispose;
  object_class->finalize = sk_job_scheduler_finalize;
}

static void
sk_job_scheduler_init (SkJobScheduler *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * sk_job_scheduler_new:
 * @database_url: the conninfo the runs connect with
 * @interval_minutes: minutes between two runs
 *
 * Returns: (transfer full): a scheduler that is not started yet
 */
SkJobScheduler *
sk_job_scheduler_new (const char *database_url,
                      guint       interval_minutes)
{
  SkJobScheduler *self;

  g_return_val_if_fail (database_url != NULL, NULL);
  g_return_val_if_fail (interval_minutes >= 1 && interval_minutes <= G_MAXUINT / 60, NULL);

  self = g_object_new (SK_TYPE_JOB_SCHEDULER, NULL);
  self->database_url = g_strdup (database_url);
  self->interval_minutes = interval_minutes;
  return self;
}

/**
 * sk_job_scheduler_start:
 *
 * Schedules the first run shortly from now and the next ones every interval, on the thread
 * default main context. A stopped scheduler does not start again.
 */
void
sk_job_scheduler_start (SkJobScheduler *self)
{
  g_return_if_fail (SK_IS_JOB_SCHEDULER (self));
  g_return_if_fail (self->timeout_id == 0);
  g_return_if_fail (!g_cancellable_is_cancelled (self->cancellable));

  self->timeout_id = g_timeout_add_seconds (FIRST_RUN_DELAY_SECONDS, first_run_cb, self);
}

/**
 * sk_job_scheduler_stop:
 *
 * Stops scheduling, cancels the run in progress and waits for its worker, so that no thread
 * outlives the scheduler. Calling it again does nothing.
 */
void
sk_job_scheduler_stop (SkJobScheduler *self)
{
  g_return_if_fail (SK_IS_JOB_SCHEDULER (self));

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);

  while (self->running)
    g_main_context_iteration (NULL, TRUE);
}

/**
 * sk_job_scheduler_describe_report:
 * @report: what a run of the jobs did
 *
 * The one summary line of a run, for `jobs run-once` and the service's log.
 *
 * Returns: (transfer full): the translated line, without a final newline
 */
char *
sk_job_scheduler_describe_report (const SkJobsReport *report)
{
  g_return_val_if_fail (report != NULL, NULL);

  return g_strdup_printf (_("released %" PRId64 ", expired %" PRId64 ", debt repaid %" PRId64
                            ", tiers changed %" PRId64 ", ranked %" PRId64),
                          (int64_t) report->released, (int64_t) report->expired,
                          (int64_t) report->debt_repaid, (int64_t) report->tiers_changed,
                          (int64_t) report->ranked);
}
