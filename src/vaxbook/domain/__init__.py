"""Pure rules of the campaign: no I/O, time is always passed in."""
