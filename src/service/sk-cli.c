/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include "sk-cli.h"
#include "sk-command.h"
#include "sk-service.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sk-db.h"

G_DEFINE_QUARK (sk-service-error-quark, sk_service_error)

/* The dispatch table: a new subcommand is one more line here. */
static const SkCommand * const commands[] = {
  &sk_command_import_csv,
  &sk_command_jobs,
  &sk_command_migrate,
  &sk_command_partner,
  &sk_command_report,
  &sk_command_seed_demo,
  &sk_command_serve,
  &sk_command_sync,
};

/**
 * sk_service_exit_status:
 *
 * Returns: 2 for usage and configuration errors, 1 for everything else.
 */
int
sk_service_exit_status (const GError *error)
{
  if (error == NULL)
    return SK_EXIT_OK;
  if (error->domain == G_OPTION_ERROR)
    return SK_EXIT_USAGE;
  if (error->domain == SK_SERVICE_ERROR &&
      (error->code == SK_SERVICE_ERROR_USAGE || error->code == SK_SERVICE_ERROR_CONFIG))
    return SK_EXIT_USAGE;
  return SK_EXIT_RUNTIME;
}

static const SkCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i]->name, name))
      return commands[i];
  return NULL;
}

static void
print_usage (FILE *out)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, _("Usage: %s [--config FILE] COMMAND [OPTION…]\n"), "svoikrugd");
  g_string_append_c (text, '\n');
  g_string_append (text, _("The Svoi Krug companion service."));
  g_string_append (text, "\n\n");
  g_string_append (text, _("Commands:"));
  g_string_append_c (text, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-12s %s\n", commands[i]->name, _(commands[i]->summary));
  g_string_append_printf (text, "  %-12s %s\n", "help", _("Show the help of a command"));
  g_string_append_c (text, '\n');
  g_string_append (text, _("Options:"));
  g_string_append_c (text, '\n');
  g_string_append_printf (text, "  %-16s %s\n", "--config FILE",
                          _("Read the configuration from FILE"));
  g_string_append_printf (text, "  %-16s %s\n", "--version", _("Print the version and exit"));
  g_string_append_printf (text, "  %-16s %s\n", "-h, --help", _("Show this help"));
  g_string_append_c (text, '\n');
  g_string_append_printf (text, _("Default configuration file: %s\n"), sk_config_default_path ());

  fputs (text->str, out);
}

/* The one global option may come before or after the command: take it out of argv first. */
static gboolean
extract_config_option (GPtrArray  *args,
                       char      **config_path,
                       GError    **error)
{
  for (guint i = 1; i < args->len; i++)
    {
      const char *arg = g_ptr_array_index (args, i);

      if (g_str_equal (arg, "--"))
        break;

      if (g_str_equal (arg, "--config"))
        {
          if (i + 1 >= args->len)
            {
              g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                           _("--config needs a file name"));
              return FALSE;
            }
          g_free (*config_path);
          *config_path = g_strdup (g_ptr_array_index (args, i + 1));
          g_ptr_array_remove_range (args, i, 2);
          i--;
        }
      else if (g_str_has_prefix (arg, "--config="))
        {
          g_free (*config_path);
          *config_path = g_strdup (arg + strlen ("--config="));
          g_ptr_array_remove_index (args, i);
          i--;
        }
    }

  if (*config_path != NULL && **config_path == '\0')
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--config needs a file name"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
dispatch (GPtrArray  *args,
          gboolean   *printed,
          GError    **error)
{
  g_autofree char *config_path = NULL;
  SkCommandContext context = { 0, };
  const char *name;

  if (!extract_config_option (args, &config_path, error))
    return FALSE;

  if (args->len < 2)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("no command given; try “svoikrugd --help”"));
      return FALSE;
    }

  name = g_ptr_array_index (args, 1);

  if (g_str_equal (name, "--version"))
    {
      g_print ("svoikrugd %s\n", SK_VERSION);
      *printed = TRUE;
      return TRUE;
    }

  if (g_str_equal (name, "--help") || g_str_equal (name, "-h") ||
      (g_str_equal (name, "help") && args->len == 2))
    {
      print_usage (stdout);
      *printed = TRUE;
      return TRUE;
    }

  if (g_str_equal (name, "help"))
    {
      /* "help COMMAND" is "COMMAND --help". */
      g_ptr_array_remove_index (args, 1);
      g_ptr_array_insert (args, 2, g_strdup ("--help"));
      name = g_ptr_array_index (args, 1);
    }

  if (name[0] == '-')
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("unknown option %s; try “svoikrugd --help”"), name);
      return FALSE;
    }

  context.command = find_command (name);
  context.config_path = config_path;
  if (context.command == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("unknown command “%s”; try “svoikrugd --help”"), name);
      return FALSE;
    }

  {
    /* The command sees the arguments from its own name on. */
    g_auto(GStrv) command_args = g_new0 (char *, args->len);

    for (guint i = 1; i < args->len; i++)
      command_args[i - 1] = g_strdup (g_ptr_array_index (args, i));

    return context.command->run (&context, &command_args, error);
  }
}

/**
 * sk_cli_run:
 *
 * Runs svoikrugd with @argv. Failures are printed as one line on stderr.
 *
 * Returns: the process exit status: 0, 1 (runtime failure) or 2 (usage or configuration).
 */
int
sk_cli_run (int    argc,
            char **argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gboolean printed = FALSE;

  for (int i = 0; i < argc; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));

  if (!dispatch (args, &printed, &error))
    {
      int status = sk_service_exit_status (error);

      fflush (stdout);
      fprintf (stderr, "svoikrugd: %s\n", error->message);
      return status;
    }

  fflush (stdout);
  return SK_EXIT_OK;
}

/**
 * sk_command_parse_options:
 * @entries: (nullable): the command's own options, ended by an empty entry
 * @help_shown: (out): set when `--help` printed the command's help (then run nothing)
 *
 * Parses the command's options (@args[0] is the command's name). Anything left that is not
 * an option is an error: no command takes positional arguments yet.
 */
gboolean
sk_command_parse_options (const SkCommandContext  *context,
                          const GOptionEntry      *entries,
                          GStrv                   *args,
                          gboolean                *help_shown,
                          GError                 **error)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autofree char *prgname = NULL;
  g_autofree char *help = NULL;
  gboolean want_help = FALSE;
  char *unused_config = NULL;
  GOptionEntry common[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &unused_config,
      N_("Read the configuration from FILE"), N_("FILE") },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &want_help, N_("Show this help"), NULL },
    { NULL }
  };

  *help_shown = FALSE;

  options = g_option_context_new (context->command->parameters);
  g_option_context_set_help_enabled (options, FALSE);
  g_option_context_set_summary (options, _(context->command->summary));
  g_option_context_set_translation_domain (options, GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (options, common, GETTEXT_PACKAGE);

  /* The usage line names the command: "svoikrugd serve [OPTION…]". */
  prgname = g_strdup_printf ("svoikrugd %s", context->command->name);
  g_set_prgname (prgname);

  if (!g_option_context_parse_strv (options, args, error))
    {
      g_set_prgname ("svoikrugd");
      g_free (unused_config);
      return FALSE;
    }
  g_free (unused_config);

  if (want_help)
    {
      help = g_option_context_get_help (options, TRUE, NULL);
      g_print ("%s", help);
      g_set_prgname ("svoikrugd");
      *help_shown = TRUE;
      return TRUE;
    }
  g_set_prgname ("svoikrugd");

  for (guint i = 1; (*args)[i] != NULL; i++)
    {
      if (g_str_equal ((*args)[i], "--"))
        continue;
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("%s: unexpected argument “%s”"), context->command->name, (*args)[i]);
      return FALSE;
    }

  return TRUE;
}

/* "2026-01-15": midnight of that day in the club's time zone. */
static GDateTime *
parse_day (const char *text,
           GTimeZone  *tz)
{
  g_auto(GStrv) parts = NULL;
  guint64 y, m, d;

  if (strlen (text) != strlen ("YYYY-MM-DD") || text[4] != '-' || text[7] != '-')
    return NULL;

  parts = g_strsplit (text, "-", -1);
  if (g_strv_length (parts) != 3 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, 9999, &y, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, 12, &m, NULL) ||
      !g_ascii_string_to_unsigned (parts[2], 10, 1, 31, &d, NULL) ||
      !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return NULL;

  return g_date_time_new (tz, (int) y, (int) m, (int) d, 0, 0, 0);
}

/**
 * sk_command_parse_time:
 * @text: what the user typed
 * @tz: the zone of a time without an offset (the club's)
 *
 * ISO 8601: a day (its midnight), or a day and a time with or without seconds and offset.
 * `jobs run-once --now` and `sync --since` read their times with it.
 *
 * Returns: (transfer full) (nullable): the time, or %NULL when @text is not one
 */
GDateTime *
sk_command_parse_time (const char *text,
           GTimeZone  *tz)
{
  g_autoptr(GRegex) minutes_only = NULL;
  g_autofree char *with_seconds = NULL;
  GDateTime *now;

  now = parse_day (text, tz);
  if (now != NULL)
    return now;

  now = g_date_time_new_from_iso8601 (text, tz);
  if (now != NULL)
    return now;

  /* GLib wants the seconds; ISO 8601 lets "T03:00" leave them out. */
  minutes_only = g_regex_new ("^([0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2})"
                              "($|[Zz+-])",
                              G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, NULL);
  g_assert (minutes_only != NULL);
  with_seconds = g_regex_replace (minutes_only, text, -1, 0, "\\1:00\\2",
                                  G_REGEX_MATCH_DEFAULT, NULL);
  if (with_seconds == NULL || g_str_equal (with_seconds, text))
    return NULL;

  return g_date_time_new_from_iso8601 (with_seconds, tz);
}

/**
 * sk_command_load_config:
 *
 * Returns: (transfer full): the configuration, checked for what the command needs.
 */
SkConfig *
sk_command_load_config (const SkCommandContext  *context,
                        GError                 **error)
{
  g_autoptr(SkConfig) config = sk_config_load (context->config_path, error);

  if (config == NULL)
    return NULL;

  if ((context->command->flags & SK_COMMAND_NEEDS_DATABASE) != 0 &&
      !sk_config_require_database (config, error))
    return NULL;

  return g_steal_pointer (&config);
}
