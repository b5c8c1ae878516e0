"""The client core of the workstation: platform client, demo platform, and (later) sync, calls and
session services. No Qt widgets and no `central` imports here: the platform is another program."""
