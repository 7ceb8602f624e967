"""The code that builds the template workbooks (``python -m templates.build``), run from a
checkout. The built workbooks and their catalogue ship in :mod:`addin.templates`."""
