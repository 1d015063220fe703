/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-credentials.h"

G_BEGIN_DECLS

#define SK_CONFIG_DEFAULT_ADDRESS  "127.0.0.1"
#define SK_CONFIG_DEFAULT_PORT     8080
#define SK_CONFIG_DEFAULT_TIMEZONE "Europe/Moscow"
#define SK_CONFIG_DEFAULT_JOBS_INTERVAL 60
#define SK_CONFIG_DEFAULT_SYNC_TICK 60

/* The service's configuration: defaults, then the key file, then the environment. Every
 * field is valid once sk_config_load() returned it; strings are never NULL except the two
 * database URLs, which only the commands that need a database require. */
typedef struct
{
  char  *path;            /* the key file read, or NULL */
  char  *database_url;
  char  *analytics_url;
  char  *listen_address;
  guint  port;
  char  *timezone;
  char  *migrations_dir;
  char  *phone_hash_key_file;   /* [security] phone-hash-key-file, or NULL */
  char  *phone_hash_key;        /* SVOIKRUG_PHONE_HASH_KEY (wins over the file), or NULL */
  guint  jobs_interval_minutes; /* [jobs] interval-minutes: 1 to 1440 */
  char  *master_key_file;       /* [security] master-key-file, or NULL */
  char  *master_key;            /* SVOIKRUG_MASTER_KEY (wins over the file), or NULL */
  guint  sync_tick_seconds;     /* [sync] tick-seconds: how often serve looks for due syncs */
} SkConfig;

SkConfig   *sk_config_load              (const char  *explicit_path,
                                         GError     **error);
void        sk_config_free              (SkConfig    *self);
gboolean    sk_config_require_database  (SkConfig    *self,
                                         GError     **error);
gboolean    sk_config_parse_port        (const char  *text,
                                         gboolean     allow_zero,
                                         guint       *port);
const char *sk_config_default_path      (void);
GBytes     *sk_config_load_phone_hash_key (SkConfig  *self,
                                           GError   **error);
SkMasterKey *sk_config_load_master_key  (SkConfig    *self,
                                         GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkConfig, sk_config_free)

G_END_DECLS
