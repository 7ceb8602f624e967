"""Campaigns against control groups: who is treated, how much a test can see, what it found."""
