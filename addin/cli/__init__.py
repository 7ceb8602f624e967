"""The `segment` command line: the parser, the commands, the progress bar."""
