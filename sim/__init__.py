"""Physiology simulator: numba kernels (`sim.kernel`), the week plan (`sim.plan`), athletes
(`sim.population`), what-if simulation (`sim.whatif`) and calibration (`sim.calibration`)."""
