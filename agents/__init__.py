"""StrideLab agents package."""
