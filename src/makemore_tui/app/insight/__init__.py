"""The insight views' panes in the app, one widget a file.

    actions     the app's insight actions (a mixin) and one app view per registered spec
    container   the app view that holds a spec's pane
    pane        InsightPane: numbers computed off the UI thread, drawn on the timer
    generic     the pane of a view without one of its own: the spec's numbers as text
    nextchar, context_input, embedding, lr_find, health, compare, confusion, trace: the built-in
    views' panes (trace.py also holds the dialog of a sampled name's trace)
    text, chart InsightText (repaints without a new layout), InsightChart (plotext built in a worker)

The numbers and their text come from makemore_tui.insight; which pane shows which view, and with
which key, from its spec (insight/views.py).
"""
