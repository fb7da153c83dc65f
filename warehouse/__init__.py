"""Support Pulse's back end, by role: `core` (settings, errors, the extract contract),
`pipeline` (load, build, publish, refresh), `demo` (synthetic extracts) and `cli`
(the `pulse` command, the only module that knows all three)."""
