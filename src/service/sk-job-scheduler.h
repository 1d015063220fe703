/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sk-pipeline.h"

G_BEGIN_DECLS

#define SK_TYPE_JOB_SCHEDULER (sk_job_scheduler_get_type ())

G_DECLARE_FINAL_TYPE (SkJobScheduler, sk_job_scheduler, SK, JOB_SCHEDULER, GObject)

SkJobScheduler *sk_job_scheduler_new             (const char         *database_url,
                                                  guint               interval_minutes);
void            sk_job_scheduler_start           (SkJobScheduler     *self);
void            sk_job_scheduler_stop            (SkJobScheduler     *self);
char           *sk_job_scheduler_describe_report (const SkJobsReport *report);

G_END_DECLS
