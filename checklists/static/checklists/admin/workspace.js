// The clinicians' workspace on a tablet: the admin's navigation sidebar starts closed below
// TABLET_MAX_WIDTH, so the page gets the whole width. Loaded before the admin's nav_sidebar.js (which
// reads the choice from localStorage and defaults to open); once the clinician toggles the sidebar,
// their choice is stored there and this file leaves it alone. No inline script: the strict CSP.
"use strict";
{
  const TABLET_MAX_WIDTH = 1023; // px: an 820 px portrait tablet, and a 1024 px one in landscape
  const KEY = "django.admin.navSidebarIsOpen";
  try {
    if (localStorage.getItem(KEY) === null && window.matchMedia(`(max-width: ${TABLET_MAX_WIDTH}px)`).matches) {
      localStorage.setItem(KEY, "false");
    }
  } catch (error) {
    // Storage refused (private mode, policy): the admin's default applies, the page still works.
  }
}
