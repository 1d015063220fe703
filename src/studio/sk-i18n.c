/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-studio"

#include <glib/gi18n.h>

#include "sk-i18n.h"

/**
 * sk_i18n_init:
 *
 * Binds the message catalogs of Svoi Krug. Call it after setlocale() and
 * before any translated string is looked up.
 *
 * `SVOIKRUG_LOCALEDIR` overrides the installed locale directory, so that an
 * uninstalled build (the tests, `scripts/run`) finds the catalogs meson built
 * into `_build/po`.
 */
void
sk_i18n_init (void)
{
  const char *localedir = g_getenv ("SVOIKRUG_LOCALEDIR");

  if (localedir == NULL || localedir[0] == '\0')
    localedir = LOCALEDIR;

  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
