"""Saving a snapshot ZIP safely, for every kind of target (`backup_download`: what every target's
`download_backup` does): `downloader.Downloader` with resume, the `.part` file and its block writer, the
worker pipeline that checks each chunk as it arrives, the sha256 sidecar, and the errors and values a
download reports.

May import `tui.api`, `tui.archive`, `tui.values` and the rest of `tui.services`; never textual nor the emulator.
"""
