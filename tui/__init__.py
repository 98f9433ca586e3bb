"""convex-backups: a terminal app for Convex Backup & Restore.

Here at the top: the command line (`cli`, `python -m tui`), the composition root that chooses the target and
starts the embedded sandbox (`launcher`), the Textual app (`app`) with every key as data (`bindings`) and the
messages its workers post (`messages`), and `--debug` logging (`debug_log`). The packages below are the
layers; tui/README.md says what each owns and may import, and `lint-imports` checks it.
"""

__version__ = "0.1.0"
