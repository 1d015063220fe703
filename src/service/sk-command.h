/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-config.h"

G_BEGIN_DECLS

typedef enum
{
  SK_COMMAND_NONE           = 0,
  SK_COMMAND_NEEDS_DATABASE = 1 << 0,
} SkCommandFlags;

typedef struct _SkCommand SkCommand;

/* What the dispatcher hands a command: the global options it took out of argv. */
typedef struct
{
  const SkCommand *command;
  const char      *config_path;   /* --config FILE, or NULL */
} SkCommandContext;

/* One subcommand of svoikrugd. To add one, write sk-cmd-NAME.c defining a SkCommand and list
 * it in sk-cli.c. @run receives the arguments from the command's name on, as a GStrv it may
 * change (option parsing removes what it parsed), and returns FALSE with @error set on
 * failure; the dispatcher prints the error and picks the exit status. */
struct _SkCommand
{
  const char      *name;
  const char      *parameters;   /* after the options in the usage line, or NULL */
  const char      *summary;      /* N_(): translated when shown */
  SkCommandFlags   flags;
  gboolean       (*run)          (const SkCommandContext  *context,
                                  GStrv                   *args,
                                  GError                 **error);
};

extern const SkCommand sk_command_import_csv;
extern const SkCommand sk_command_jobs;
extern const SkCommand sk_command_migrate;
extern const SkCommand sk_command_partner;
extern const SkCommand sk_command_report;
extern const SkCommand sk_command_seed_demo;
extern const SkCommand sk_command_serve;
extern const SkCommand sk_command_sync;

gboolean  sk_command_parse_options (const SkCommandContext  *context,
                                    const GOptionEntry      *entries,
                                    GStrv                   *args,
                                    gboolean                *help_shown,
                                    GError                 **error);
SkConfig *sk_command_load_config   (const SkCommandContext  *context,
                                    GError                 **error);
GDateTime *sk_command_parse_time   (const char              *text,
                                    GTimeZone               *tz);

G_END_DECLS
