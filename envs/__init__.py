"""StrideLab envs package."""
