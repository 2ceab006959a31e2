"""Draw images/day22-maguindanao.png: 58 people, 32 of them journalists (no words to translate).

python images/make_maguindanao.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

KILLED, JOURNALISTS, PER_ROW = 58, 32, 10


def main() -> None:
    figure = plt.figure(figsize=(10.8, 10.8), dpi=100, facecolor="#1f2a36")
    axes = figure.add_axes((0.08, 0.22, 0.84, 0.62))
    axes.set_axis_off()
    for index in range(KILLED):
        row, column = divmod(index, PER_ROW)
        colour = "#e74c3c" if index < JOURNALISTS else "#bdc3c7"
        axes.add_patch(plt.Circle((column, -row), 0.38, color=colour))
    axes.set_xlim(-0.6, PER_ROW - 0.4)
    axes.set_ylim(-(KILLED // PER_ROW) - 0.6, 0.6)
    axes.set_aspect("equal")
    figure.text(0.5, 0.9, "23.11.2009", ha="center", color="white", fontsize=54,
                fontweight="bold")
    figure.text(0.3, 0.12, "32", ha="center", color="#e74c3c", fontsize=72, fontweight="bold")
    figure.text(0.7, 0.12, "58", ha="center", color="#bdc3c7", fontsize=72, fontweight="bold")
    figure.text(0.5, 0.04, "#NoImpunity", ha="center", color="white", fontsize=30)
    figure.savefig(Path(__file__).with_name("day22-maguindanao.png"), facecolor="#1f2a36")


if __name__ == "__main__":
    main()
