"""results/report.md: the end-to-end summary (tables as Markdown, no extra dependencies)."""
from __future__ import annotations

import math

import pandas as pd


def md_table(df: pd.DataFrame, digits: int = 4) -> str:
    def fmt(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, float):
            return f"{v:.{digits}g}"
        return str(v).replace("|", "/")
    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "".join("| " + " | ".join(fmt(v) for v in row) + " |\n" for row in df.itertuples(index=False))


def build(t2: pd.DataFrame, t7: pd.DataFrame, t8: pd.DataFrame, br: pd.DataFrame, claims: pd.DataFrame) -> str:
    counts = claims.status.value_counts().to_dict()
    parts = [
        "# scaledrop: end-to-end summary\n",
        "Paper values appear in `paper_*` columns beside ours; every number of ours is computed by the "
        "workflow (SPICE device models + CIM architecture model + trained networks).\n",
        f"**Claims:** {counts.get('holds', 0)} hold, {counts.get('fails', 0)} fail, "
        f"{counts.get('not tested', 0)} not tested by the configured run.\n",
        "## Claims\n", md_table(claims),
        "\n## Energy per image (Table VIII analogue)\n", md_table(t8.drop(columns=["bits"])),
        "\n## Energy, latency and area by component\n",
        md_table(br[["workload", "strategy", "T", "arrays", "energy_total_uj", "energy_per_pass_uj", "latency_us",
                     "area_total_mm2"]]),
        "\n## Dropout modules (Table VII analogue)\n", md_table(t7.drop(columns=["workload"])),
        "\n## Component energies (Table II analogue)\n", md_table(t2.drop(columns=["source"])),
    ]
    return "\n".join(parts)
