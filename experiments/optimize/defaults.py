"""The optimizer's defaults, in a module that imports nothing: `stridelab`'s parser reads them at every
start of the command line (importing the search pulls the simulator and the env, about 1 s)."""

#: objective evaluations (candidate seasons) in all
DEFAULT_BUDGET = 3000
#: training athletes every candidate is scored on
DEFAULT_ATHLETES = 512
#: the names of the limits an optimized plan obeys (`--rules`; `search.RULE_SETS` maps them to the limits)
RULE_SET_NAMES = ("article", "none")
