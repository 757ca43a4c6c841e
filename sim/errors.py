"""The error every layer raises for bad user input; the CLI turns it into exit code 2."""


class InputError(ValueError):
    """Bad input from a user: the message names the source, the field, the value and what is allowed."""
