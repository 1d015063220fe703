/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

#include "sk-credentials.h"
#include "sk-sync.h"

G_BEGIN_DECLS

/* Purchases recorded per transaction: the cursor moves only with the last one. */
#define SK_SYNC_RUNNER_CHUNK 1000

/**
 * SkSyncSummary:
 * @integration_id: the integration
 * @system: (nullable): its system, when the run could read it
 * @business_id: (nullable): its partner, when the run could read it
 * @busy: another connection (this or another instance) was running it: nothing was done,
 *   and that is not a failure
 * @cancelled: the run was stopped (the service is shutting down): what it committed stays,
 *   the rest is fetched again next time; not a failure either
 * @started_at: unix microseconds
 * @finished_at: unix microseconds
 * @counts: what was fetched and recorded (all zero when the run did not start)
 * @error: (nullable): why the run failed, for people; never a credential or a phone
 *
 * What one run of one partner did: a line of `svoikrugd sync` and of the service's log.
 */
typedef struct
{
  gint64        integration_id;
  char         *system;
  char         *business_id;
  gboolean      busy;
  gboolean      cancelled;
  gint64        started_at;
  gint64        finished_at;
  SkSyncCounts  counts;
  char         *error;
} SkSyncSummary;

typedef struct _SkSyncRunner SkSyncRunner;

SkSyncRunner  *sk_sync_runner_new       (SkMasterKey          *master_key,
                                         GBytes               *phone_hash_key);
void           sk_sync_runner_free      (SkSyncRunner         *self);
SkSyncSummary *sk_sync_runner_run       (const SkSyncRunner   *self,
                                         PGconn               *conn,
                                         gint64                integration_id,
                                         const char           *cursor,
                                         GCancellable         *cancellable);

void           sk_sync_summary_free     (SkSyncSummary        *summary);
gboolean       sk_sync_summary_failed   (const SkSyncSummary  *summary);
char          *sk_sync_summary_describe (const SkSyncSummary  *summary,
                                         GTimeZone            *tz);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkSyncRunner, sk_sync_runner_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkSyncSummary, sk_sync_summary_free)

G_END_DECLS
