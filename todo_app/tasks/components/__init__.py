"""The pieces of the task page at "/", one module per part of it.

Accessible names here are the contract the browser tests use (DESIGN.md, "The page"). Every
control has a visible or spoken name, works by keyboard, and is at least 24x24 px; nothing
depends on hover (TodoMVC's hover-only delete is the known failing we avoid).

The list renders from the change engine's ``overlay`` (confirmed rows with unconfirmed changes
on top, computed in the browser) and every control calls the engine there (``call``), so a
click repaints in the same frame whatever the network does; the server confirms later.

In page order: ``quick_add`` (the "New task" form), ``toolbar`` (chips, sort, mark all,
search, footer, load more), ``rows`` (the list and each row), ``details`` (the details
dialog), ``shortcuts`` (the ``?`` sheet), and ``board``, which lays them out as
``task_board``. ``priority`` and ``form_field`` are shared by several of them. Layers run one
way: these modules import the engine, the state and the views, and nothing imports them but
the page (``todo_app/task_page.py``) and each other.
"""
