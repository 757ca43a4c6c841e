"""Experiments, pipelines and the `stridelab` command line."""
