"""What each ``segment`` command does, over files. The parser lives in :mod:`addin.cli.main`."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

from addin.cli.campaign import command_campaign, command_readout
from addin.cli.change import command_history
from addin.cli.reports import (
    command_import,
    command_profile,
    command_validate,
)
from addin.cli.run import (
    command_run,
)
from addin.errors import WorkbookError
from addin.files.safety import (
    atomic_write,
    check_writable,
)
from addin.files.staging import (
    begin_command,
    describe_written,
    interrupts_handled,
    written_anything,
)
from addin.installer.install import install, places, status_lines, uninstall
from addin.messages import for_command_line
from segmentation import SegmentationError


def command_template(args: argparse.Namespace) -> int:
    from addin.templates import TEMPLATES, template_path

    if args.template_command == "list":
        for key, (file_name, description) in TEMPLATES.items():
            print(f"{key:<22} {description}  ({file_name})")
        return 0
    if args.name not in TEMPLATES:
        raise WorkbookError(
            f"There is no template '{args.name}'. Templates: {', '.join(TEMPLATES)}."
        )
    source = template_path(args.name)
    target = args.output or Path(TEMPLATES[args.name][0])
    if target.suffix.lower() != ".xlsx":
        raise WorkbookError("A template is an .xlsx workbook; choose a name ending in .xlsx.")
    if target.exists():
        raise WorkbookError(
            f"'{target}' already exists and was left alone. Choose another name with -o."
        )
    check_writable(target)
    atomic_write(target, lambda path: shutil.copyfile(source, path))
    print(f"Written: {target} (from the {args.name} template). Open it and read 'Start here'.")
    return 0


def command_addin(args: argparse.Namespace) -> int:
    import platform

    if args.addin_command == "build":
        from addin.installer.xlam import build

        for path in build(args.output):
            print(f"Written: {path}")
        return 0
    system = platform.system()
    home = Path.home()
    if args.addin_command == "status":
        print("\n".join(status_lines(system, home)))
        return 0
    if args.addin_command == "selftest":
        places(system, home)  # a clear message where Excel cannot run
        from addin.installer.selftest import selftest

        report, passed = selftest()
        print(report)
        return 0 if passed else 1
    places(system, home)
    action = install if args.addin_command == "install" else uninstall
    for step in action(system, home):
        print(step)
    return 0


COMMANDS = {
    "addin": command_addin,
    "history": command_history,
    "import": command_import,
    "run": command_run,
    "profile": command_profile,
    "validate": command_validate,
    "template": command_template,
}


def damaged_file_errors() -> tuple[type[BaseException], ...]:
    """What the readers raise for a zip or XML part cut short or corrupted (imported only
    when an error is on its way, so start-up stays fast)."""
    from lxml.etree import XMLSyntaxError
    from python_calamine import XmlError, ZipError

    return (ElementTree.ParseError, XMLSyntaxError, XmlError, ZipError, zipfile.BadZipFile,
            zlib.error, EOFError)  # fmt: skip


def run_command(args: argparse.Namespace) -> int:
    begin_command()
    try:
        with interrupts_handled():  # SIGTERM too: temporaries are removed on the way out
            return COMMANDS[args.command](args)
    except SegmentationError as exc:
        written = f" {describe_written()}" if written_anything() else ""
        sys.stderr.write(f"segment {args.command}: {for_command_line(exc)}{written}\n")
        return 1
    except damaged_file_errors() as exc:  # a zip or XML part cut short or corrupted
        source = getattr(args, "input", None)
        sys.stderr.write(
            f"segment {args.command}: '{getattr(source, 'name', source)}' is damaged: a part of "
            f"it could not be read ({type(exc).__name__}: {exc}). Nothing was written. Open it "
            "in Excel, which offers to repair it, save it, and run again; or export it again.\n"
        )
        return 1
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        sys.stderr.write(f"segment: interrupted. {describe_written()}\n")
        return 128 + int(signum)
    except OSError as exc:  # disk full, network drive gone, permissions
        sys.stderr.write(
            f"segment {args.command}: could not read or write a file ({exc}). "
            f"{describe_written()} Check the disk and folder, then run again.\n"
        )
        return 1
    except Exception as exc:
        if os.environ.get("SEGMENT_DEBUG"):
            raise
        sys.stderr.write(
            f"segment {args.command}: an unexpected error stopped the run "
            f"({type(exc).__name__}: {exc}). {describe_written()} This is a bug in the tool: "
            "please report it with the command you ran (set SEGMENT_DEBUG=1 for details).\n"
        )
        return 3


# Campaigns and readouts (issue 17).
COMMANDS.update(campaign=command_campaign, readout=command_readout)
