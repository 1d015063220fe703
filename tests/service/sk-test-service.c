/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include "sk-test-service.h"

#include <string.h>
#include <glib/gstdio.h>

static char *tmp_dir;

const char *
sk_test_bin (void)
{
  const char *bin = g_getenv ("SVOIKRUG_BIN");

  if (bin == NULL || *bin == '\0')
    g_error ("SVOIKRUG_BIN is not set; run the tests with meson test");
  return bin;
}

static void
remove_tmp_dir (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (tmp_dir == NULL)
    return;

  dir = g_dir_open (tmp_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

/* Writes @contents to @name in this test's own temporary folder (removed at exit). */
char *
sk_test_write_file (const char *name,
                    const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path;

  if (tmp_dir == NULL)
    {
      tmp_dir = g_dir_make_tmp ("sk-service-test-XXXXXX", &error);
      g_assert_no_error (error);
      atexit (remove_tmp_dir);
    }

  path = g_build_filename (tmp_dir, name, NULL);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

void
sk_run_free (SkRun *run)
{
  if (run == NULL)
    return;
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

GSubprocessLauncher *
sk_test_launcher (const char * const *env)
{
  GSubprocessLauncher *launcher;
  g_auto(GStrv) environ = g_get_environ ();
  g_autofree char *empty_config = sk_test_write_file ("empty.conf", "");

  for (guint i = 0; environ[i] != NULL; i++)
    {
      if (g_str_has_prefix (environ[i], "SVOIKRUG_") &&
          !g_str_has_prefix (environ[i], "SVOIKRUG_MIGRATIONS_DIR="))
        {
          g_autofree char *name = g_strndup (environ[i], strcspn (environ[i], "="));

          environ = g_environ_unsetenv (environ, name);
          i = (guint) -1;
        }
    }
  environ = g_environ_setenv (environ, "LC_ALL", "C.UTF-8", TRUE);
  environ = g_environ_unsetenv (environ, "LANGUAGE");
  environ = g_environ_setenv (environ, "SVOIKRUG_CONFIG", empty_config, TRUE);

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *eq = strchr (env[i], '=');

      if (eq == NULL)
        environ = g_environ_unsetenv (environ, env[i]);
      else
        {
          g_autofree char *name = g_strndup (env[i], eq - env[i]);

          environ = g_environ_setenv (environ, name, eq + 1, TRUE);
        }
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, environ);
  return launcher;
}

SkRun *
sk_test_runv (const char * const *env,
              const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = sk_test_launcher (env);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  SkRun *run = g_new0 (SkRun, 1);

  g_ptr_array_add (argv, (gpointer) sk_test_bin ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);

  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  return run;
}

SkRun *
sk_test_run (const char * const *env,
             const char         *first_arg,
             ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return sk_test_runv (env, (const char * const *) args->pdata);
}
