"""Draw images/day22-maguindanao.png: 58 people, 32 of them journalists (no words to translate).

The sum under the dots reads "32 + 26 = 58": each group in its own colour (red for the
journalists and media workers, grey for the others), the total in white, so 58 is never
read as the grey group.

python images/make_maguindanao.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

KILLED, JOURNALISTS, PER_ROW = 58, 32, 10
JOURNALIST, OTHER, TOTAL = "#e74c3c", "#bdc3c7", "white"


def main() -> None:
    figure = plt.figure(figsize=(10.8, 10.8), dpi=100, facecolor="#1f2a36")
    axes = figure.add_axes((0.08, 0.22, 0.84, 0.62))
    axes.set_axis_off()
    for index in range(KILLED):
        row, column = divmod(index, PER_ROW)
        colour = JOURNALIST if index < JOURNALISTS else OTHER
        axes.add_patch(plt.Circle((column, -row), 0.38, color=colour))
    axes.set_xlim(-0.6, PER_ROW - 0.4)
    axes.set_ylim(-(KILLED // PER_ROW) - 0.6, 0.6)
    axes.set_aspect("equal")
    figure.text(0.5, 0.9, "23.11.2009", ha="center", color="white", fontsize=54,
                fontweight="bold")
    sum_parts = ((str(JOURNALISTS), JOURNALIST), ("+", TOTAL), (str(KILLED - JOURNALISTS), OTHER),
                 ("=", TOTAL), (str(KILLED), TOTAL))
    for x, (text, colour) in zip((0.2, 0.35, 0.5, 0.65, 0.8), sum_parts, strict=True):
        figure.text(x, 0.12, text, ha="center", color=colour, fontsize=66, fontweight="bold")
    figure.text(0.5, 0.04, "#NoImpunity", ha="center", color="white", fontsize=30)
    figure.savefig(Path(__file__).with_name("day22-maguindanao.png"), facecolor="#1f2a36")


if __name__ == "__main__":
    main()
