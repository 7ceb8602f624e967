"""Output sheets and charts as layouts (drawn by every writer), the Settings and model sheets."""
