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

from experiments.optimize.genes import GENES, N_GENES, decode, week_plans
from experiments.optimize.objective import TRAINING_REWARD, Objective, Scores
from experiments.optimize.planfile import plan_yaml, read_provenance
from experiments.optimize.search import Generation, Optimized, Settings, optimize

__all__ = ["GENES", "N_GENES", "decode", "week_plans", "TRAINING_REWARD", "Objective", "Scores", "plan_yaml",
           "read_provenance", "Generation", "Optimized", "Settings", "optimize"]
