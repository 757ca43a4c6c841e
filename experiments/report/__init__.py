"""Comparisons of learned policies with the templates and mistakes, and the reports and figures drawn from them.

`compare` computes (held-out cohorts, paired differences, verdict); `render` turns a comparison into
console, Markdown and HTML tables; `plots` draws its figures; `write` saves the files and logs the
MLflow run; `training_plots` draws the figures a training run logs.
"""
