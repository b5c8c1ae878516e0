"""The PySide6 front end of the workstation; it talks only to `workstation` services."""
