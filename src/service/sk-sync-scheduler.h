/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sk-sync-runner.h"

G_BEGIN_DECLS

#define SK_TYPE_SYNC_SCHEDULER (sk_sync_scheduler_get_type ())

G_DECLARE_FINAL_TYPE (SkSyncScheduler, sk_sync_scheduler, SK, SYNC_SCHEDULER, GObject)

SkSyncScheduler *sk_sync_scheduler_new   (const char       *database_url,
                                          SkSyncRunner     *runner,
                                          GTimeZone        *tz,
                                          guint             tick_seconds);
void             sk_sync_scheduler_start (SkSyncScheduler  *self);
void             sk_sync_scheduler_stop  (SkSyncScheduler  *self);

G_END_DECLS
