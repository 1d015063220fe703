/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

#include "sk-credentials.h"

G_BEGIN_DECLS

/* Consecutive failed runs after which platform admins are alerted (once per streak). */
#define SK_SYNC_ALERT_FAILURES 3
/* sync_log.error keeps at most this many characters. */
#define SK_SYNC_ERROR_MAX 500

/**
 * SkSyncStart:
 * @SK_SYNC_STARTED: the run is ours: the lock is held and a sync_log row started
 * @SK_SYNC_BUSY: another connection (this or another service instance) runs this integration
 * @SK_SYNC_FAILED: the run could not start; the error says why
 */
typedef enum
{
  SK_SYNC_STARTED,
  SK_SYNC_BUSY,
  SK_SYNC_FAILED,
} SkSyncStart;

/**
 * SkSyncCounts:
 * @fetched: records the connector read (purchases and skipped ones)
 * @recorded: purchases recorded and matched to a member
 * @duplicates: purchases recorded before (nothing changed)
 * @unmatched: purchases recorded without a member
 * @skipped: records the connector skipped (cancelled, unpaid…) plus @rejected
 * @rejected: purchases the database refused (also counted in @skipped)
 */
typedef struct
{
  guint fetched;
  guint recorded;
  guint duplicates;
  guint unmatched;
  guint skipped;
  guint rejected;
} SkSyncCounts;

/**
 * SkIntegrationInfo:
 * @id: the integration's id
 * @business_id: the partner (uuid text)
 * @system: yclients, onec, iiko, amocrm, bitrix24, renovatio or csv
 * @account_id: the partner's account in that system, or ""
 * @enabled: whether it is synced
 * @has_credentials: whether credentials are stored (never what they are)
 * @interval_minutes: minutes between syncs
 * @last_success_at: unix microseconds of the last successful run, 0 for never
 * @last_failure_at: unix microseconds of the last failed run, 0 for never
 * @consecutive_failures: failed runs since the last success
 *
 * What `svoikrugd partner list` shows: the state of an integration, no secret.
 */
typedef struct
{
  gint64    id;
  char     *business_id;
  char     *system;
  char     *account_id;
  gboolean  enabled;
  gboolean  has_credentials;
  guint     interval_minutes;
  gint64    last_success_at;
  gint64    last_failure_at;
  guint     consecutive_failures;
} SkIntegrationInfo;

typedef struct _SkSyncRun SkSyncRun;

SkSyncStart         sk_sync_try_begin                (PGconn             *conn,
                                                      const SkMasterKey  *key,
                                                      gint64              integration_id,
                                                      SkSyncRun         **out_run,
                                                      GError            **error);
gboolean            sk_sync_record_page              (SkSyncRun          *run,
                                                      GPtrArray          *purchases,
                                                      guint               skipped,
                                                      const char         *next_cursor,
                                                      SkSyncCounts       *page,
                                                      GError            **error);
gboolean            sk_sync_reverse_cancelled        (SkSyncRun          *run,
                                                      GPtrArray          *external_ids,
                                                      guint              *n_reversals,
                                                      GError            **error);
gboolean            sk_sync_finish                   (SkSyncRun          *run,
                                                      const char         *failure,
                                                      GError            **error);
void                sk_sync_run_free                 (SkSyncRun          *run);

gint64              sk_sync_run_get_integration_id   (const SkSyncRun    *run);
gint64              sk_sync_run_get_log_id           (const SkSyncRun    *run);
const char         *sk_sync_run_get_business_id      (const SkSyncRun    *run);
const char         *sk_sync_run_get_system           (const SkSyncRun    *run);
const char         *sk_sync_run_get_account_id       (const SkSyncRun    *run);
const char         *sk_sync_run_get_time_zone        (const SkSyncRun    *run);
guint               sk_sync_run_get_interval_minutes (const SkSyncRun    *run);
const char         *sk_sync_run_get_cursor           (const SkSyncRun    *run);
const char         *sk_sync_run_get_credentials      (const SkSyncRun    *run);
const SkSyncCounts *sk_sync_run_get_counts           (const SkSyncRun    *run);

GArray             *sk_sync_due                      (PGconn             *conn,
                                                      GError            **error);
GPtrArray          *sk_sync_list_integrations        (PGconn             *conn,
                                                      const char         *business_id,
                                                      GError            **error);
void                sk_integration_info_free         (SkIntegrationInfo  *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkIntegrationInfo, sk_integration_info_free)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkSyncRun, sk_sync_run_free)

G_END_DECLS
