"""Comparisons of learned policies with the templates and mistakes, and the reports and figures drawn from them."""
