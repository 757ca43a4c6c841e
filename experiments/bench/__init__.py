"""Speed benchmarks, one module per `stridelab bench TARGET`, each against a reference measured in the same run.

A module here exposes `run(json_out: bool) -> dict` and a docstring whose first line is its help;
`experiments.cli.bench` discovers them from the files.
"""
