"""Every string the PWA's JavaScript shows, translated with gettext and rendered into the page.

The shell template puts ``catalog()`` as JSON into ``<body data-i18n>`` (no inline script, strict CSP);
``src/i18n.js`` looks keys up and fills ``{placeholders}``. Plural strings carry their "one" and "other"
forms (enough for English and most languages we expect; Django's JavaScriptCatalog is the upgrade path).
"""

from django.utils.translation import gettext, ngettext, pgettext

from checklists.careplan import wording


def _plural(singular: str, plural: str) -> dict[str, str]:
    return {"one": ngettext(singular, plural, 1), "other": ngettext(singular, plural, 2)}


def _safety_situations() -> dict[str, str]:
    """Return each safety-net situation's title and its lines (one per line of text), keyed by situation."""
    strings: dict[str, str] = {}
    for key, (title, lines) in wording.SAFETY_SITUATIONS.items():
        strings[f"safety.{key}.title"] = str(title)
        strings[f"safety.{key}.lines"] = "\n".join(str(line) for line in lines)
    return strings


def catalog() -> dict[str, str | dict[str, str]]:
    """Return the JavaScript strings in the active language, keyed as the scripts look them up."""
    return {
        "app.name": gettext("RLS Care"),
        "app.loading": gettext("Loading…"),
        "error.start": gettext("RLS Care could not start. Reload the page; your saved changes are kept."),
        "error.offline": gettext("You are offline. Try again when you have a connection."),
        "error.server": gettext(
            "The server had a problem and could not do this. Try again in a few minutes."
        ),
        "error.unreachable": gettext(
            "The server cannot be reached right now, although this phone is online. Try again soon."
        ),
        "error.refused": gettext("This was not accepted. Check what you entered and try again."),
        "error.checkField": gettext("Check the {field} and try again."),
        "field.local_time": gettext("Enter the reminder time as hours and minutes, for example 21:30."),
        "field.quiet_hours_start": gettext(
            "Enter when quiet hours start as hours and minutes, for example 22:00, or leave it empty."
        ),
        "field.quiet_hours_end": gettext(
            "Enter when quiet hours end as hours and minutes, for example 07:00, or leave both empty."
        ),
        "field.time_zone": gettext("Choose a time zone from the list."),
        "nav.today": gettext("Today"),
        "nav.careplan": gettext("Care plan"),
        "nav.diary": gettext("Diary"),
        "nav.progress": gettext("Progress"),
        "nav.settings": gettext("Settings"),
        "status.offline": gettext("Offline"),
        "status.unreachable": gettext("Server not reachable"),
        "status.serverError": gettext("Server problem"),
        "status.retry": gettext("Retry"),
        "status.pending": _plural("{n} change waiting to sync", "{n} changes waiting to sync"),
        "status.allSynced": gettext("All changes synced"),
        "status.lastSynced": gettext("last synced {when}"),
        "status.neverSynced": gettext("Not synced yet"),
        "status.rejected": _plural("{n} change was not accepted", "{n} changes were not accepted"),
        "status.failed": gettext("Sync failed; your changes are kept and will be sent again."),
        "status.signInAgain": gettext("Sign in again to sync"),
        "update.ready": gettext("RLS Care has been updated. Your unsynced changes are kept."),
        "update.reload": gettext("Reload"),
        "today.title": gettext("Today"),
        "today.count": gettext("{done} of {total}"),
        # A weekly-target item: shown every day, owed per week, never in the day's "5 of 8".
        "today.weeklyTarget": _plural("{n} time a week, on any day", "{n} times a week, on any day"),
        "today.progressLabel": gettext("Done today"),
        "today.previous": gettext("Previous day"),
        "today.previousDay": gettext("Show the previous day"),
        "today.next": gettext("Next day"),
        "today.nextDay": gettext("Show the next day"),
        "today.nothing": gettext("Nothing is due on this day."),
        "today.unavailable": gettext(
            "This day is not on this phone yet. Connect to the internet to load it."
        ),
        "today.unreachable": gettext(
            "This day could not be loaded: the server cannot be reached right now, although this phone is"
            " online."
        ),
        "today.serverError": gettext(
            "This day could not be loaded: the server had a problem. It is not your connection."
        ),
        "today.retry": gettext("Retry"),
        "today.heading": gettext("Today, {date}"),
        # Shown until the care plan has loaded; the same texts the care-plan API sends.
        "careplan.title": str(wording.HEADING),
        "careplan.disclaimer": str(wording.DISCLAIMER),
        "careplan.nothingDue": gettext("Nothing due."),
        "careplan.dueOn": gettext("due {date}"),
        "careplan.overdueSince": gettext("overdue since {date}"),
        "careplan.ferritinTrend": gettext("Ferritin"),
        "careplan.ferritinChart": gettext("Ferritin results: {values}"),
        "careplan.latestFerritin": gettext("Latest ferritin {value} {unit} on {date}"),
        "careplan.tsat": gettext("TSAT (transferrin saturation) {value}%"),
        "careplan.results": gettext("Results"),
        "careplan.ferritinValue": gettext("ferritin {value} {unit}"),
        "careplan.tsatValue": gettext("TSAT {value}%"),
        "careplan.laboratory": gettext("laboratory: {name}"),
        "careplan.glossary": gettext("What TSAT and “morning draw” mean"),
        "careplan.tsatMeaning": str(wording.TSAT_MEANING),
        "careplan.morningDrawMeaning": str(wording.MORNING_DRAW_MEANING),
        "careplan.medicineWhen": gettext("when: {times}"),
        "careplan.timeline": gettext("Timeline"),
        "careplan.timelineHint": gettext("Overdue and coming follow-ups, by date."),
        "careplan.nothingPlanned": gettext("No follow-ups planned."),
        "careplan.severity": gettext("Severity (IRLS)"),
        "careplan.irlsTotal": gettext("IRLS total {total} of 40 on {date}: {band} (the {range} band)"),
        "careplan.noSeverity": gettext("No IRLS total recorded yet."),
        "careplan.nextStep": str(wording.OVERDUE_NEXT_STEP),
        "careplan.nextStepNoContact": str(wording.OVERDUE_NEXT_STEP_NO_CONTACT),
        "careplan.phone": gettext("Phone {phone}"),
        "careplan.email": gettext("Email {email}"),
        "careplan.hours": gettext("Open {hours}"),
        "careplan.yourCareTeam": gettext("your care team"),
        "careplan.noResults": gettext("No iron results yet."),
        "careplan.noMedicines": gettext("No medicines on your list."),
        "careplan.reviewFlag": gettext("Review with your clinician"),
        "careplan.unavailable": gettext("The care plan is not on this phone yet. Connect to load it."),
        # The safety net (checklists/careplan/wording.py): in the page, so its screen works offline.
        "safety.title": str(wording.SAFETY_HEADING),
        "safety.link": str(wording.SAFETY_HEADING),
        "safety.notWatched": str(wording.SAFETY_NOT_WATCHED),
        "safety.selfHarm": str(wording.SAFETY_SELF_HARM),
        "safety.supports": str(wording.SHORT_DISCLAIMER),
        "safety.forYou": gettext("For you now"),
        **_safety_situations(),
        "diary.tonight": gettext("Tonight's diary"),
        "diary.intro": gettext("A few questions about tonight's symptoms and last night's sleep."),
        "diary.severity": gettext("How bad are the symptoms (0 none, 10 worst)?"),
        "diary.severityHint": gettext("0 means no symptoms, 10 the worst you can imagine."),
        "diary.onset": gettext("When did the symptoms start?"),
        "diary.sleep": gettext("How well did you sleep (0 very badly, 10 very well)?"),
        "diary.sleepHint": gettext("0 means very badly, 10 very well."),
        "diary.arms": gettext("My arms were involved too"),
        "diary.note": gettext("Note (optional)"),
        "diary.save": gettext("Save diary"),
        "diary.savedLocally": gettext("Saved on this phone; it will sync when you are online."),
        "diary.synced": gettext("Saved and synced."),
        "diary.nightOf": gettext("Night of {date}"),
        "diary.afterMidnight": gettext(
            "After midnight and until 4:00 the diary is still the night that began on {date}."
        ),
        "diary.backToTonight": gettext("Back to tonight's diary"),
        "diary.pastNights": gettext("Past nights"),
        "diary.pastIntro": gettext("Tap a night to add or change its entry: late entries are fine."),
        "diary.notRecorded": gettext("Not recorded"),
        "diary.rowSeverity": gettext("Symptoms {n}/10"),
        "diary.rowOnset": gettext("began {time}"),
        "diary.rowSleep": gettext("sleep {n}/10"),
        "diary.openNight": gettext("Open another night"),
        "diary.nightDate": gettext("The night that began on"),
        "diary.open": gettext("Open"),
        "diary.noteLeft": _plural("{n} character left", "{n} characters left"),
        "diary.noteCut": gettext(
            "Only the first {kept} of the {pasted} characters you pasted fit: a note holds at most {max}."
        ),
        "progress.title": gettext("Progress"),
        "progress.streak": _plural(
            "{n} day in a row with everything done", "{n} days in a row with everything done"
        ),
        "progress.streakHint": gettext(
            "Today counts once everything on it is done. A weekly item breaks a day only once its week "
            "can no longer reach its target."
        ),
        "progress.overall": gettext("All checklists"),
        # {percent} is already formatted ("74%"); the label of each figure comes from the server.
        "progress.share": gettext("{percent} ({done} of {due})"),
        "progress.none": pgettext("no adherence data", "none"),
        "progress.chartLabel": gettext("{name}: share done per day, {label}: {rate}"),
        "progress.barsKey": gettext(
            "Each bar is one day: its height is the share of that day's items you ticked. Green: "
            "everything done that day. Blue: some done. Grey: nothing was due."
        ),
        "progress.keyFull": gettext("Everything done"),
        "progress.keyPart": gettext("Some done"),
        "progress.keyNone": gettext("Nothing due"),
        "progress.legs": gettext("How your legs have been"),
        "progress.lastDays": _plural("Last {n} day", "Last {n} days"),
        "progress.severity": gettext("Symptoms (0 none, 10 worst)"),
        "progress.sleep": gettext("Sleep quality (0 very badly, 10 very well)"),
        "progress.scoresLabel": gettext(
            "Diary from {from} to {to}: symptoms and sleep quality, 0 to 10, {n} nights recorded"
        ),
        "progress.noDiary": gettext("No diary entries in these days yet."),
        "progress.weeklyTarget": _plural("{text}: {n} time a week", "{text}: {n} times a week"),
        "progress.weekDone": gettext("Week of {from}: {done} of {target}"),
        "progress.weekComplete": gettext("Week of {from}: {done} of {target}, complete"),
        "progress.weeklyHint": gettext(
            "A weekly item counts per week (Monday to Sunday): a week with the target reached is complete. "
            "It never makes one day incomplete unless the week can no longer be reached."
        ),
        "progress.patterns": gettext("Patterns in your diary"),
        "progress.pattern": gettext(
            "{text}: on the {kept} nights after days you ticked it, your symptoms averaged {keptAverage} of "
            "10; on the {notKept} nights after days you did not, {notKeptAverage}."
        ),
        "progress.patternCaveat": gettext(
            "This is a pattern in your diary, not proof that one causes the other. Discuss it with your "
            "care team before changing anything."
        ),
        "progress.asOf": gettext("As of the last sync, {when}. Connect to the internet to update."),
        "progress.unavailable": gettext("Progress is not on this phone yet. Connect to load it."),
        "settings.title": gettext("Settings"),
        "settings.sync": gettext("Sync"),
        "settings.syncNow": gettext("Sync now"),
        "settings.dismiss": gettext("Dismiss"),
        "settings.reminders": gettext("Reminders"),
        "settings.remindersIntro": gettext(
            "Reminders say only that care tasks are due, never what they are, so nothing private shows "
            "on your lock screen."
        ),
        "settings.reminder": gettext("Reminder"),
        "settings.noReminders": gettext("No reminders are set up yet."),
        "settings.profile": gettext("Time zone and quiet hours"),
        "settings.timeZone": gettext("Time zone"),
        "settings.timeZoneHint": gettext("Type a city or region to search, for example London or Kolkata."),
        "settings.usePhoneZone": gettext("Use this phone's time zone ({zone})"),
        "trip.label": gettext("Time zone"),
        "trip.question": gettext(
            "This phone is set to {phone}, your profile to {profile}. Are you travelling? Your days and"
            " reminders follow the profile's zone."
        ),
        "trip.switch": gettext("Switch to {zone}"),
        "trip.keep": gettext("Keep {zone}"),
        "settings.quietHint": gettext("No reminders arrive during quiet hours; they wait until the end."),
        "settings.quietStart": gettext("Quiet hours start"),
        "settings.quietEnd": gettext("Quiet hours end"),
        "settings.save": gettext("Save"),
        "settings.saved": gettext("Saved."),
        "settings.storage": gettext("Storage on this phone"),
        "settings.account": gettext("Account"),
        "settings.signedInAs": gettext("Signed in as {name}."),
        "settings.changePassword": gettext("Change password"),
        "settings.version": gettext("Version {version}"),
        "storage.persisted": gettext("Your data on this phone is kept even when storage runs low."),
        "storage.notPersisted": gettext(
            "The browser may clear this app's data when storage runs low; install the app to keep it."
        ),
        "push.enable": gettext("Turn on reminders on this phone"),
        "push.denied": gettext("Notifications are blocked. Allow them in your browser's site settings."),
        "push.unsupported": gettext("This browser cannot show reminders. On iPhone, install the app first."),
        "push.done": gettext("Done"),
        "push.snooze": gettext("Snooze 30 min"),
        "install.title": gettext("Install the app"),
        "install.button": gettext("Install RLS Care"),
        "install.installed": gettext("RLS Care is installed on this phone."),
        "install.android": gettext(
            "Android: open the browser menu and choose Install app or Add to Home screen."
        ),
        "install.ios": gettext(
            "iPhone and iPad: tap Share, then Add to Home Screen, and open RLS Care from there."
        ),
        "install.iosPush": gettext(
            "On iPhone and iPad, reminders work only in the app installed on the Home Screen."
        ),
        "visit.title": gettext("Your next appointment"),
        "visit.questions": gettext("Your questions for the visit"),
        "visit.questionsHint": gettext(
            "Write down what you want to ask (up to 1000 characters): they are printed on your report "
            "and your care team sees them on theirs."
        ),
        "visit.report": gettext("Report for my appointment"),
        "data.title": gettext("Your data"),
        "data.downloadHint": gettext("Everything the app holds about you, as JSON and CSV files in one zip."),
        "data.download": gettext("Download my data"),
        "data.everywhereHint": gettext("Lost a phone? End your sessions on every other phone and browser."),
        "data.everywhere": gettext("Sign out everywhere else"),
        "data.everywhereDone": _plural(
            "Signed out of {n} other session.", "Signed out of {n} other sessions."
        ),
        "data.deleteHint": gettext(
            "Deleting your account removes your checklists, diary, medicines, results and reminders "
            "for good. Your care team will see that you left."
        ),
        "data.password": gettext("Your password"),
        "data.deleteConfirm": gettext("I understand that this cannot be undone."),
        "data.deleteButton": gettext("Delete my account"),
        "data.deleteStep": gettext("Delete my account…"),
        # The in-app notification inbox (screens/inbox.js): the feed of every reminder sent.
        "nav.inbox": gettext("Notifications"),
        "inbox.title": gettext("Notifications"),
        "inbox.intro": gettext("The reminders sent to you, newest first. Tap one to open what it was about."),
        "inbox.link": gettext("Notifications"),
        "inbox.linkUnread": _plural("Notifications, {n} unread", "Notifications, {n} unread"),
        "inbox.new": gettext("New"),
        "inbox.markAll": gettext("Mark all as read"),
        "inbox.empty": gettext("No notifications yet."),
        "inbox.todayAt": gettext("Today, {time}"),
        "inbox.dayAt": gettext("{day}, {time}"),
        "inbox.asOf": gettext("As of the last time this phone was online ({when})."),
        "inbox.unavailable": gettext("Notifications are not on this phone yet. Connect to load them."),
        # The intake log (src/intake.js): the patient records doses; the app never suggests one.
        "intake.title": gettext("Your medicines"),
        "intake.hint": gettext(
            "Record whether you took each dose your care team planned. The times are from your care plan."
        ),
        "intake.record": gettext("Record doses"),
        "intake.day": gettext("Day"),
        "intake.slotEntered": gettext("{time} ({entered})"),
        "intake.notRecorded": gettext("Not recorded"),
        "intake.taken": gettext("Taken"),
        "intake.skipped": gettext("Skipped"),
        "intake.takenLabel": gettext("Taken: {name} at {time}"),
        "intake.skippedLabel": gettext("Skipped: {name} at {time}"),
        "intake.takenAt": gettext("Taken (recorded {when})"),
        "intake.skippedAt": gettext("Skipped (recorded {when})"),
        "intake.skippedBecause": gettext("Skipped (recorded {when}): {reason}"),
        "intake.reason": gettext("Reason (optional)"),
        "intake.saveSkipped": gettext("Save as skipped"),
        "intake.extra": gettext("Record an extra dose"),
        "intake.extraLabel": gettext("Record an extra dose of {name}"),
        "intake.extraAt": gettext("Extra dose (recorded {when})"),
        "intake.waiting": gettext("waiting to sync"),
        "intake.noDoseThisDay": gettext("No dose planned on this day."),
        "intake.nothingDue": gettext("No medicine doses planned on this day."),
        # The reminders screen (screens/reminders.js): where reminders go, and each reminder.
        "nav.reminders": gettext("Reminders"),
        "reminders.title": gettext("Reminders"),
        "reminders.open": gettext("Your reminders and where they go"),
        "reminders.channel": gettext("Where reminders go"),
        "reminders.channelUnknown": gettext("Where reminders go can be checked when you are online."),
        "reminders.channelAsOf": gettext("This is what the server said the last time this phone was online."),
        "reminders.test": gettext("Send a test reminder"),
        "reminders.testTooSoon": gettext(
            "A test reminder was sent a moment ago. Wait a minute and try again."
        ),
        "reminders.yours": gettext("Your reminders"),
        "reminders.onlineOnly": gettext(
            "Changes to reminders are saved on the server straight away, so they need a connection. "
            "They are not kept on the phone to send later."
        ),
        "reminders.asOf": gettext(
            "As of the last time this phone was online ({when}). Connect to change them."
        ),
        "reminders.unavailable": gettext("Your reminders are not on this phone yet. Connect to load them."),
        "reminders.on": gettext("Reminder on"),
        "reminders.off": gettext("Off: this reminder will not be sent."),
        "reminders.next": gettext("Next: {when}"),
        "reminders.noNext": gettext("Not planned: no coming day is chosen."),
        "reminders.time": gettext("Time"),
        "reminders.days": gettext("Days"),
        "reminders.onDate": gettext("Once, on {date}"),
        "reminders.onlyIfNotDone": gettext("Only if not done yet"),
        "reminders.repeat": gettext("Remind again until done"),
        "reminders.repeatOff": gettext("No"),
        "reminders.repeatEvery": gettext("Every {n} minutes"),
        "reminders.repeatMax": gettext("At most"),
        "reminders.repeatTimes": _plural("{n} more time", "{n} more times"),
        "reminders.snooze": gettext("Snooze"),
        "reminders.snoozeFor": gettext("Snooze {n} min"),
        "reminders.minutes": gettext("{n} min"),
        "reminders.snoozedUntil": gettext("Snoozed until {when}"),
        "reminders.unsnooze": gettext("Cancel the snooze"),
        "reminders.snoozeCleared": gettext("Snooze cancelled."),
        "field.weekdays": gettext("Choose at least one day of the week for this reminder."),
        "field.repeat_every_minutes": gettext(
            "Choose how often to remind again: every 10, 15, 30 or 60 minutes, or not at all."
        ),
        "field.repeat_max_times": gettext("Choose how many more times to remind, from 1 to 6."),
        "field.minutes": gettext("Snooze for 10, 30 or 60 minutes."),
        "push.taken": gettext("Taken"),
        "signout.button": gettext("Sign out"),
        "signout.hint": gettext("Signing out removes your data from this phone."),
        "signout.pending": _plural(
            "{n} change has not reached the server and will be lost. Sign out anyway?",
            "{n} changes have not reached the server and will be lost. Sign out anyway?",
        ),
    }
