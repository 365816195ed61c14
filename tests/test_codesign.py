"""Co-design sweep helpers (cim/codesign.py, workflow/scripts/codesign.py)."""
import json

import numpy as np
import pandas as pd
import pytest

from cim.codesign import crossbar_at, pareto


def test_pareto_front_by_hand():
    e = [1.0, 2.0, 3.0, 2.0, 0.5]
    a = [90.0, 95.0, 94.0, 95.0, 80.0]
    # (3, 94) is dominated by (2, 95); the two (2, 95) tie and both stay; (0.5, 80) is the cheapest
    assert pareto(e, a).tolist() == [True, True, False, True, True]


def test_crossbar_at_reads_the_column_energy(tmp_path):
    f = tmp_path / "r64.json"
    f.write_text(json.dumps({"rows": 64, "column_read_lines_pj": 0.064, "latency_ns": 0.2}))
    c = crossbar_at(f, 1e-13)
    assert c["energy_per_weight_j"] == pytest.approx(1e-15) and c["latency_s"] == pytest.approx(2e-10)
    with pytest.raises(ValueError, match="r32.json missing: run rule crossbar_column"):
        crossbar_at(tmp_path / "r32.json", None)


def test_error_model_from_confusion_rows():
    import codesign

    rows = 4
    recs = [{"rows": rows, "adc_bits": 3, "variation_level": 1.0, "adc_reference": "calibrated", "popcount": p,
             "offset": o, "prob": q} for p in range(rows + 1) for o, q in ((-1, 0.1), (0, 0.8), (1, 0.1))]
    conf = pd.DataFrame(recs)
    xb = codesign.errors_for(conf, rows, 3, 1.0, "calibrated")
    assert xb.rows == rows and xb.off.shape[1] == 3
    with pytest.raises(ValueError, match="no error model for rows=4, bits=5"):
        codesign.errors_for(conf, rows, 5, 1.0, "calibrated")
    assert np.allclose(xb.cdf[:, -1].numpy(), 1.0)
