/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-studio"

#include "sk-window.h"

struct _SkWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GtkSelectionModel    *pages;

  /* Template widgets */
  AdwLeaflet           *leaflet;
  GtkListBox           *sidebar;
  GtkStack             *stack;
  AdwWindowTitle       *content_title;
};

G_DEFINE_FINAL_TYPE (SkWindow, sk_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_VISIBLE_PAGE_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * sk_window_new:
 * @application: the #SkApplication
 *
 * Returns: (transfer full): a new #SkWindow
 */
SkWindow *
sk_window_new (SkApplication *application)
{
  g_return_val_if_fail (SK_IS_APPLICATION (application), NULL);

  return g_object_new (SK_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/**
 * sk_window_get_visible_page_name:
 * @self: a #SkWindow
 *
 * Returns: (nullable): the name of the page in the content area
 */
const char *
sk_window_get_visible_page_name (SkWindow *self)
{
  g_return_val_if_fail (SK_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * sk_window_set_visible_page_name:
 * @self: a #SkWindow
 * @name: the name of a page
 *
 * Shows the page called @name in the content area.
 */
void
sk_window_set_visible_page_name (SkWindow   *self,
                                 const char *name)
{
  g_return_if_fail (SK_IS_WINDOW (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (gtk_stack_get_child_by_name (self->stack, name) != NULL);

  /* The stack notifies, and stack_visible_child_cb() passes it on. */
  gtk_stack_set_visible_child_name (self->stack, name);
}

static GtkWidget *
create_sidebar_row_cb (gpointer item,
                       gpointer user_data)
{
  GtkStackPage *page = item;
  GtkWidget *box;
  GtkWidget *image;
  GtkWidget *label;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  image = gtk_image_new ();
  g_object_bind_property (page, "icon-name", image, "icon-name", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (box), image);

  label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  g_object_bind_property (page, "title", label, "label", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (box), label);

  return box;
}

static void
sidebar_row_activated_cb (SkWindow      *self,
                          GtkListBoxRow *row)
{
  g_assert (SK_IS_WINDOW (self));
  g_assert (GTK_IS_LIST_BOX_ROW (row));

  gtk_selection_model_select_item (self->pages, gtk_list_box_row_get_index (row), TRUE);

  /* Folded, a click on the row that is already selected must still show the page. */
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
sync_visible_page (SkWindow *self)
{
  GtkWidget *child;
  guint n_pages;

  g_assert (SK_IS_WINDOW (self));

  child = gtk_stack_get_visible_child (self->stack);
  n_pages = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  for (guint i = 0; i < n_pages; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (self->pages), i);
      GtkStackPage *page = GTK_STACK_PAGE (item);

      if (gtk_stack_page_get_child (page) == child)
        {
          gtk_list_box_select_row (self->sidebar, gtk_list_box_get_row_at_index (self->sidebar, i));
          adw_window_title_set_title (self->content_title, gtk_stack_page_get_title (page));
          break;
        }
    }
}

static void
stack_visible_child_cb (SkWindow   *self,
                        GParamSpec *pspec,
                        GtkStack   *stack)
{
  g_assert (SK_IS_WINDOW (self));
  g_assert (GTK_IS_STACK (stack));

  sync_visible_page (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_PAGE_NAME]);
}

static void
sidebar_show_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  SkWindow *self = SK_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
sk_window_dispose (GObject *object)
{
  SkWindow *self = SK_WINDOW (object);

  /* Let go of the stack and its pages before the template disposes of them. */
  if (self->stack != NULL)
    g_signal_handlers_disconnect_by_func (self->stack, stack_visible_child_cb, self);
  if (self->sidebar != NULL)
    gtk_list_box_bind_model (self->sidebar, NULL, NULL, NULL, NULL);
  g_clear_object (&self->pages);

  gtk_widget_dispose_template (GTK_WIDGET (self), SK_TYPE_WINDOW);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sk_window_parent_class)->dispose (object);
}

static void
sk_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SkWindow *self = SK_WINDOW (object);

  switch (prop_id)
    {
    case PROP_VISIBLE_PAGE_NAME:
      g_value_set_string (value, sk_window_get_visible_page_name (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sk_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SkWindow *self = SK_WINDOW (object);

  switch (prop_id)
    {
    case PROP_VISIBLE_PAGE_NAME:
      sk_window_set_visible_page_name (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sk_window_class_init (SkWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sk_window_dispose;
  object_class->get_property = sk_window_get_property;
  object_class->set_property = sk_window_set_property;

  /**
   * SkWindow:visible-page-name:
   *
   * The name of the page in the content area, such as "connection".
   */
  properties[PROP_VISIBLE_PAGE_NAME] =
    g_param_spec_string ("visible-page-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/ru/svoikrug/Studio/sk-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SkWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, SkWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, SkWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SkWindow, content_title);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_activated_cb);

  gtk_widget_class_install_action (widget_class, "sidebar.show", NULL, sidebar_show_action);
}

static void
sk_window_init (SkWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (SK_APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  /* The sidebar lists the pages of the stack, so a new page in the .ui needs no code here. */
  self->pages = gtk_stack_get_pages (self->stack);
  gtk_list_box_bind_model (self->sidebar,
                           G_LIST_MODEL (self->pages),
                           create_sidebar_row_cb,
                           NULL, NULL);

  g_signal_connect_object (self->stack,
                           "notify::visible-child",
                           G_CALLBACK (stack_visible_child_cb),
                           self,
                           G_CONNECT_SWAPPED);
  sync_visible_page (self);
}
