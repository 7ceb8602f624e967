"""Errors of the Excel side: files that cannot be read, written or found."""

from segmentation.errors import SegmentationError


def _command_line_setting(parameter: str, value: object) -> str:
    from addin.messages import COMMAND_LINE

    how = COMMAND_LINE.get(parameter, (parameter, lambda v: None))[1](value)
    return how if how is not None else parameter


class WorkbookError(SegmentationError):
    """A workbook problem the user can fix: locked, protected, unreadable, wrong format.

    Printed as is, its fix names command-line flags; the ribbon words it for Excel
    (:func:`addin.messages.for_excel`).
    """

    default_setting = staticmethod(_command_line_setting)
