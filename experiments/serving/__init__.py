"""A trained policy served to users: the MLflow pyfunc season planner (`pyfunc`)."""
