"""The training pipeline: config -> batched env -> SB3 -> held-out evaluation -> MLflow.

    >>> from experiments.config import load_config
    >>> from experiments.training.run import train
    >>> result = train(load_config("configs/quickstart.yaml"), command="python")
    >>> print(result.report())

One MLflow run per seed (children of a parent run that aggregates them when there are
several). Everything that can be checked is checked before the first run is created
(`preflight`), so a bad config or a bad resume id never leaves a half-created run.

Evaluation meets held-out athletes (population seed `eval.seed`, distinct from every training
seed): the learned policy is rolled out on `envs.StrengthRunVecEnv.from_cohort`, its actions
decoded to week plans with `envs.actions`, and those plans simulated with `sim.whatif.run`
on the same cohort the templates are simulated on, so every comparison is paired (same
athletes, same random draws). Metric steps are SB3's `num_timesteps`.

By job:
- `environments`: the training env of one seed wrapped for SB3, the expected-injury reward, threads;
- `injury`: the mean days lost per injury (also the optimizer's; imports only `sim`);
- `evaluation`: the held-out cohort, every policy's season on it, the headline, robustness, credibility;
- `callbacks`: progress bar, periodic evaluation, checkpoints during `learn`;
- `checkpointing`: one seed's run context, its checkpoints (with the model's metadata), the resume lock;
- `preflight`: the checks before any run exists;
- `final`: a seed's final artefacts (the policy with its metadata, comparison, plots, pyfunc model);
- `run`: `train`, every seed of a config, and the aggregate across seeds.

The Markdown and the figures a run writes are `experiments.report` (`training_summary`,
`training_plots`); every MLflow write goes through `experiments.tracking`; the saved policy is
loaded back by `experiments.policy`. The package itself re-exports nothing, so importing one
module (`injury`) does not import stable-baselines3, torch and mlflow with the rest.
"""
