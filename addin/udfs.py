"""Where installed add-ins find the worksheet functions (their VBA calls ``addin.udfs``).

The functions live in :mod:`addin.excel.functions`; this name stays for add-ins that
were installed before the move.
"""

from addin.excel.functions import *  # noqa: F403
