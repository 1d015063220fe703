/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-studio"

#include <locale.h>

#include "sk-application.h"
#include "sk-i18n.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SkApplication) app = NULL;

  setlocale (LC_ALL, "");
  sk_i18n_init ();

  app = sk_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
