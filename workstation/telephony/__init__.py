"""Call sources: where the seat's calls come from (the platform, a softphone, a switch) and where
its call commands go. Each source turns its own protocol into CallEvents; CallService keeps the
state machine."""
