"""Regenerate the generated sections of docs/model.md: the parameter table (from
sim/parameters.py), the calibration table (simulated now, via sim.calibration) and the
audit tables and figure (sim.audit, 1000 intermediate runners, seed 0).

    python scripts/make_model_docs.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parameter_table() -> str:
    from sim.parameters import PARAMETERS

    rows = ["| name | default | unit | meaning | source | plausible (model draws) |", "|---|---|---|---|---|---|"]
    for p in PARAMETERS:
        rng = f"{p.low:g} to {p.high:g} ({p.range_source})" if p.uncertain else "pinned"
        rows.append(f"| `{p.name}` | {p.default:g} | {p.unit} | {p.meaning} | {p.source} | {rng} |")
    return "\n".join(rows)


def population_table() -> str:
    from sim.population import PROFILES

    rows = ["| level | training age (y) | habitual km/wk (mean, sd, range) | easy pace min/km | untrained VO2max | "
            "1RM (x BW) | prior injuries (Poisson mean) | tissue stress |", "|---|---|---|---|---|---|---|---|"]
    for name, p in PROFILES.items():
        km = p.habitual_km
        rows.append(f"| {name} | {p.training_age_y[0]:g}-{p.training_age_y[1]:g} | {km[0]:g}, {km[1]:g}, "
                    f"{km[2]:g}-{km[3]:g} | {p.easy_pace_min_per_km[0]:g} +- {p.easy_pace_min_per_km[1]:g} | "
                    f"{p.vo2max_untrained[0]:g} +- {p.vo2max_untrained[1]:g} | {p.strength_1rm_bw[0]:g} +- "
                    f"{p.strength_1rm_bw[1]:g} | {p.prior_injuries_mean:g} | {p.tissue_stress:g} |")
    return "\n".join(rows)


def calibration_table() -> str:
    import warnings

    warnings.filterwarnings("ignore")
    from sim.calibration import calibrate

    rows = ["| id | check | published | must show | simulated | pass | source |", "|---|---|---|---|---|---|---|"]
    for r in calibrate():
        rows.append(f"| {r['id']} | {r['check']} | {r['published']} | {r['range'][0]:g} to {r['range'][1]:g} | "
                    f"{r['simulated']:.3f} | {'yes' if r['pass'] else '**no**'} | {r['source']} |")
    return "\n".join(rows)


def audit_section() -> str:
    from experiments.report.audit import markdown, plot
    from sim.audit import audit

    curves = audit("intermediate", 1000, 0)
    (ROOT / "docs" / "audit_intermediate.png").write_bytes(
        plot(curves, "What the model believes: 1000 intermediate runners, 10k (stridelab audit)"))
    return markdown(curves, "intermediate", 1000)


def replace(text: str, name: str, body: str) -> str:
    pat = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.S)
    if not pat.search(text):
        raise SystemExit(f"docs/model.md has no {name} markers")
    return pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main() -> None:
    path = ROOT / "docs" / "model.md"
    text = path.read_text()
    text = replace(text, "PARAMETERS", parameter_table())
    text = replace(text, "POPULATION", population_table())
    text = replace(text, "CALIBRATION", calibration_table())
    text = replace(text, "AUDIT", audit_section())
    path.write_text(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
