"""The add-in itself: the .xlam build, the ribbon XML, the hardened VBA, install, self-test."""
