"""Errors of the Excel side: files that cannot be read, written or found."""

from segmentation.errors import SegmentationError


class WorkbookError(SegmentationError):
    """A workbook problem the user can fix: locked, protected, unreadable, wrong format."""
