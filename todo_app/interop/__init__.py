"""Moving an account's data in and out: the JSON export, its import, Todoist's CSV template."""
