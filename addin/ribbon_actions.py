"""Where the ribbon's VBA callback finds the buttons (``import addin.ribbon_actions``).

The buttons live in :mod:`addin.excel.buttons`; this name stays for installed add-ins.
"""

from addin.excel.buttons import ACTIONS, run  # noqa: F401
