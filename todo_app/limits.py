"""Every length and count limit of what a user stores, written once. Pure: no imports.

The tables (``models``), the field rules (``tasks.fields``) and quick add (``quickadd``) all
read them from here, so a limit cannot drift between the column, the check and the parser.
"""

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
NAME_MAX = 100
EMAIL_MAX = 254
LIST_NAME_MAX = 60
TAG_MAX = 40
TIME_ZONE_MAX = 64
TAGS_MAX = 20  # tags on one task
REMINDERS_MAX = 5  # reminders on one task
REMINDER_MINUTES_MAX = 40_320  # four weeks before the due
DUE_YEARS = (1900, 2999)  # the years a due date may fall in
SUBTASK_DEPTH_MAX = 4  # levels of sub-tasks below a top-level task (Todoist's)
POSITION_MAX = 64  # characters of a manual-order key (tasks.order_keys rebalances before)
DAV_NAME_MAX = 255  # characters of a CalDAV client's UID or resource name
DAV_EXTRA_MAX = 64_000  # characters of the iCalendar properties we keep for a client, per task
DAV_BODY_MAX = 1_000_000  # bytes of one CalDAV request body (a REPORT of many hrefs)
# bytes of one calendar object (a PUT): a task's largest fields and kept properties fit well
# within; a larger one is refused before it is parsed (parsing a megabyte takes 0.6 s of CPU)
DAV_OBJECT_MAX = 128_000
CHAT_MESSAGE_MAX = 4_000  # characters of one chat message from the user
CHAT_REPLY_MAX = 16_000  # characters of an assistant's reply kept (the rest is cut)
CHAT_TITLE_MAX = 80  # characters of a conversation's title (its first message, cut)
