"""Shared matplotlib setup for the benchmark scripts' --png charts.

Every chart goes through here so they look alike: the Agg backend (no
display needed), one colour per engine across all charts, a footer stating
the machine (CPU model, cores, load average when the chart was drawn), and
PNGs at 90 dpi with a 128-colour palette, a few tens of KB each. `bash scripts/charts.sh` regenerates
all of them into docs/img/.
"""

import os
import platform

#: One colour per engine, the same in every chart.
COLORS = {
    "nejit": "#1f77b4",
    "nejit fresh": "#1f77b4",
    "nejit out=": "#9ecae1",
    "nejit auto": "#1f77b4",
    "nejit interp": "#6baed6",
    "nejit jit": "#08306b",
    "numexpr": "#ff7f0e",
    "numexpr fresh": "#ff7f0e",
    "numexpr out=": "#fdd0a2",
    "numpy": "#2ca02c",
    "numba": "#d62728",
    "numba fresh": "#d62728",
    "numba out=": "#f4a6a6",
    "jax.jit": "#9467bd",
    "blosc2 fresh": "#8c564b",
    "blosc2 out=": "#c49c94",
}
MARKERS = {"nejit auto": "o", "nejit interp": "^", "nejit jit": "s",
           "nejit": "o", "numexpr": "D", "numpy": "v"}

DPI = 90


def pyplot():
    """matplotlib.pyplot on the Agg backend, with the charts' font sizes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({
        "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
        "legend.fontsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8,
        "axes.grid": True, "grid.alpha": 0.3, "axes.axisbelow": True,
    })
    return plt


def machine():
    """'AMD EPYC, 2 cores, load average 2.1' for the footers."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    text = f"{model}, {os.cpu_count()} cores"
    try:
        text += f", load average {os.getloadavg()[0]:.1f}"
    except OSError:
        pass
    return text


def save(fig, directory, name, note=""):
    """Writes fig as directory/name (creating the directory) with the
    machine footer plus note; closes it and returns the path."""
    import matplotlib.pyplot as plt
    os.makedirs(directory, exist_ok=True)
    footer = machine() + (f"; {note}" if note else "")
    fig.text(0.005, 0.005, footer, fontsize=7, color="#555555",
             ha="left", va="bottom")
    top = 0.97 if fig.get_suptitle() else 1
    fig.tight_layout(rect=(0, 0.03, 1, top))
    path = os.path.join(directory, name)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    shrink(path)
    return path


def shrink(path):
    """Rewrites the PNG at path with a 128-colour palette (no dithering):
    a third of the RGBA file's size, no visible change for flat charts."""
    from PIL import Image
    with Image.open(path) as im:
        rgb = im.convert("RGB")
    rgb.quantize(colors=128, method=Image.Quantize.MEDIANCUT,
                 dither=Image.Dither.NONE).save(path, optimize=True)


def grouped_bars(ax, labels, series, width=None, hatches=None):
    """Bars of several series (name -> one value per label) side by side at
    each label; returns the x position of each label's group."""
    k = len(series)
    width = width or 0.8 / k
    hatches = hatches or {}
    xs = list(range(len(labels)))
    for j, (name, values) in enumerate(series.items()):
        offset = (j - (k - 1) / 2) * width
        ax.bar([x + offset for x in xs], values, width, label=name,
               color=COLORS.get(name), hatch=hatches.get(name),
               edgecolor="white" if not hatches.get(name) else "#555555",
               linewidth=0.4)
    ax.set_xticks(xs)
    return xs


def loglog_lines(ax, xs, series, styles=None):
    """One line per series (name -> y per x) on log-log axes."""
    styles = styles or {}
    for name, ys in series.items():
        pts = [(x, y) for x, y in zip(xs, ys) if y is not None and y > 0]
        if not pts:
            continue
        kw = {"marker": MARKERS.get(name, "o"), "markersize": 4,
              "linewidth": 1.4, "color": COLORS.get(name), "label": name}
        kw.update(styles.get(name, {}))
        ax.plot([p[0] for p in pts], [p[1] for p in pts], **kw)
    ax.set_xscale("log")
    ax.set_yscale("log")
