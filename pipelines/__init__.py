"""dlt sources and the command line: `python -m pipelines --help`."""
