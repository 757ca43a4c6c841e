"""`stridelab optimize`: open-loop season plans by CMA-ES on the simulator (issue 10, item 2).

    >>> from experiments.optimize import Settings, optimize, plan_yaml
    >>> opt = optimize(Settings(level="intermediate", race_distance="10k", budget=3000))
    >>> open("plan.yaml", "w").write(plan_yaml(opt))      # `stridelab simulate plan.yaml` reads it

- `genes`: nine genes per season phase and their decoding to week plans (any gene vector is valid);
- `objective`: the training reward's season return on training athletes, batched, common random numbers;
- `search`: CMA-ES (`cmaes`) over the genes, seeded, with a per-generation callback;
- `planfile`: the plan file (blocks with phase and note, provenance header); `plot`: its picture;
- `tracking`: the run in MLflow.

The result is a strong non-learning baseline: the learned (closed-loop) policy's gain over it is
the value of feedback. `stridelab compare --plan FILE` evaluates it on held-out athletes.
"""

import importlib

#: where each name of the package lives: loaded on first use (PEP 562), so that `stridelab`'s parser, which
#: reads `experiments.optimize.defaults` at every start, does not pull the simulator and the env with it
_WHERE = {
    "GENES": "genes", "N_GENES": "genes", "decode": "genes", "week_plans": "genes",
    "TRAINING_REWARD": "objective", "Objective": "objective", "Scores": "objective",
    "plan_yaml": "planfile", "read_provenance": "planfile",
    "Generation": "search", "Optimized": "search", "Settings": "search", "optimize": "search",
}
__all__ = list(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
