"""What the model believes, for people: the audit curves as tables (Markdown, console) and one figure."""

from __future__ import annotations

from experiments.report.figures import png_bytes, pyplot
from sim.audit import Curve

#: y quantity of each curve's panel and its axis label
_Y = {
    "race_time_pct": "race time vs start, % (lower = faster)",
    "strength_pct": "1RM gain, %",
    "race_time_diff_pp": "race time vs normal plan, pct points",
}
_X = {
    "volume_x_habitual": "sustained volume, x habitual km",
    "key_runs": "key runs per week",
    "taper_weeks": "taper weeks (60% volume, key runs kept)",
    "sessions": "heavy sessions per week (6 sets/week in all)",
    "weekly_sets": "hard sets per lift per week (2 sessions)",
    "week": "week (4 normal, 4 overload, 4 normal)",
    "base_x_habitual": "26-week base volume, x habitual km",
    "weekly_heavy_sets": "heavy sets per lift per week (52 weeks)",
}
#: curves drawn with their injured days on a second axis (what the best setting costs or saves)
_WITH_INJURIES = ("base_volume", "lifting_dose")
COLUMNS = ("race_time_pct", "strength_pct", "injured_days", "vs_ref_pp")


def markdown(curves: list[Curve], level: str, athletes: int) -> str:
    """One Markdown table per curve, best setting in bold."""
    out = [f"Audit of the model: {level} runners, {athletes} athletes, common random numbers.", ""]
    for c in curves:
        out.append(f"**{c.name}**: {c.question}. Best setting ({c.outcome}): **{c.best[c.setting]}**.")
        out.append("")
        cols = [c.setting] + [k for k in (*COLUMNS, "race_time_diff_pp", "injured_days_diff", "phase")
                              if k in c.rows[0] and k != c.setting]
        out.append("| " + " | ".join(cols) + " |")
        out.append("|" + "---|" * len(cols))
        best = c.best[c.setting]
        for r in c.rows:
            cells = []
            for k in cols:
                v = r[k]
                text = f"{v:g}" if isinstance(v, (int, float)) else str(v)
                cells.append(f"**{text}**" if k == c.setting and v == best else text)
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def plot(curves: list[Curve], title: str) -> bytes:
    """All curves in one figure (PNG bytes): one panel each, the best setting marked."""
    plt = pyplot()

    n = len(curves)
    cols = 4 if n > 4 else n
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.9 * rows), squeeze=False)
    for ax, c in zip(axes.flat, curves, strict=False):
        x = [r[c.setting] for r in c.rows]
        y = [r[c.outcome] for r in c.rows]
        ax.plot(x, y, marker="o", color="tab:blue")
        if c.name == "overload":
            for lo, hi in ((4.5, 8.5),):
                ax.axvspan(lo, hi, color="tab:red", alpha=0.08, label="overload weeks")
            ax.axhline(0.0, color="grey", lw=0.8)
            ax.legend(fontsize=9, loc="upper right")
        b = c.best
        ax.plot([b[c.setting]], [b[c.outcome]], marker="*", ms=16, color="tab:orange", zorder=5)
        at_right = b[c.setting] == max(x)
        ax.annotate("rebound" if c.name == "overload" else "best", (b[c.setting], b[c.outcome]),
                    textcoords="offset points", xytext=(-34 if at_right else 6, -16 if at_right else 6),
                    fontsize=10, color="tab:orange")
        if c.name in _WITH_INJURIES:
            ax2 = ax.twinx()
            ax2.plot(x, [r["injured_days"] for r in c.rows], marker="s", ls="--", color="tab:red")
            ax2.set_ylabel("injured days per athlete", fontsize=10, color="tab:red")
            ax2.tick_params(labelsize=9, colors="tab:red")
        if not c.setting.startswith("volume"):
            ax.set_xticks(x)
        ax.set_title(c.name.replace("_", " "), fontsize=12)
        ax.set_xlabel(_X.get(c.setting, c.setting), fontsize=10)
        ax.set_ylabel(_Y.get(c.outcome, c.outcome), fontsize=10)
        ax.grid(alpha=0.3)
        if c.outcome == "strength_pct":
            ax.set_ylim(bottom=0.0)
        ax.tick_params(labelsize=9)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return png_bytes(fig, dpi=110)
