"""Issue 14 reliability list: each probe that once crashed, hung or passed silently, now one clear line."""
import signal
import subprocess
import sys
import time

import pytest
import torch

import common
from conftest import REPO, assert_one_config_error

LONG_DECK = '''
import sys
from devices.spice import run_transient, set_wall_timeout
set_wall_timeout(float(sys.argv[1]))
print("started", flush=True)
run_transient("""long_rc
V1 a 0 SIN(0 1 1e9)
R1 a b 1k
C1 b 0 1p
.tran 1p 20u
.end""", ["time"], title="long_rc")
'''


def _spice_child(timeout_s: float):
    p = subprocess.Popen([sys.executable, "-c", LONG_DECK, str(timeout_s)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert p.stdout.readline().strip() == "started"
    return p


def test_ctrl_c_stops_a_running_transient_within_seconds():
    p = _spice_child(600)
    time.sleep(1.0)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert time.monotonic() - t0 < 5 and p.returncode == 130
    assert err.strip().splitlines() == ["spice error: long_rc: interrupted"]


def test_transient_wall_time_bound_names_the_deck():
    p = _spice_child(1.0)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 1 and "Traceback" not in err
    assert err.strip().splitlines() == ["spice error: long_rc: transient exceeded its wall-time bound of 1 s "
                                        "(config spice.timeout_s)"]


@pytest.mark.parametrize("override, line", [
    ("spice:\n  vdd: .nan\n", "config error: config.spice.vdd: not a finite number"),
    ("nn:\n  train: {lr: .inf}\n", "config error: config.nn.train.lr: not a finite number"),
    ("nn:\n  eval: {rotations: [.nan]}\n", "config error: config.nn.eval.rotations.0: not a finite number"),
    ("crossbar:\n  variation: {model_level: .inf}\n", "config error: config.crossbar.variation.model_level: not a"),
    ("nn:\n  eval: {hist_T: 1000000000}\n", "config error: config.nn.eval.hist_T: 1000000000 is greater than"),
    ("seg:\n  width: 100000\n", "config error: config.seg.width: 100000 is greater than the maximum of 256"),
    ("nn:\n  train: {epochs: 1000000000000}\n", "config error: config.nn.train.epochs: 1000000000000 is greater"),
    ("arch:\n  T: 1000000000000\n", "config error: config.arch.T: 1000000000000 is greater"),
    ("arch:\n  crossbar: {rows: 1000000}\n", "config error: config.arch.crossbar.rows: 1000000 is greater"),
    ("nn:\n  methods: [scaledrop, scaledrop]\n", "config error: config.nn.methods: has repeated items"),
    ("rng:\n  design: {t_set: 1.0e-18}\n", "config error: config.rng.design.t_set: 1e-18 is less than the minimum"),
    ("rng:\n  mtj: {ra: 1.0e-30}\n", "config error: config.rng.mtj.ra: 1e-30 is less than the minimum"),
    ("rng:\n  mtj: {tau0: 1.0e-30}\n", "config error: config.rng.mtj.tau0: 1e-30 is less than the minimum"),
    ("crossbar:\n  t_slot_ps: 1.0e-6\n", "config error: config.crossbar.t_slot_ps: 1e-06 is less than the minimum"),
])
def test_bad_values_are_one_line_naming_the_field(tmp_path, override, line):
    assert_one_config_error(tmp_path, override, line)


@pytest.mark.parametrize("content, expect", [
    (b"seed: [1\n", "line 2, column 1: invalid YAML"),
    (b"", "empty file"),
    (b"- 1\n- 2\n", "top level is a list"),
    (b"seed: \xff\xfe\n", "not UTF-8 text"),
    (b"__use_yte__: true\nseed: 1\n", "__use_yte__"),
])
def test_config_file_problems_name_file_and_line(tmp_path, content, expect):
    f = tmp_path / "user.yaml"
    f.write_bytes(content)
    msg = common.config_file_error(f)
    assert msg.startswith(f"config error: {f}") and expect in msg and "\n" not in msg
    res = subprocess.run([sys.executable, REPO / "workflow/scripts/common.py", f], capture_output=True, text=True)
    assert res.returncode == 1 and res.stderr.strip() == msg
    assert common.config_file_error(REPO / "config" / "smoke.yaml") is None


def test_unreadable_checkpoint_is_moved_aside_and_training_starts_fresh(tmp_path, caplog):
    from nn.models import build_model
    from nn.train import Split, fit

    torch.manual_seed(0)
    data = Split(torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,)))
    ckpt = tmp_path / "checkpoint.pt"
    for junk in (b"PK\x03\x04truncated", b"\x80\x04K\x01."):  # a cut zip, then a foreign (non-dict) pickle
        ckpt.write_bytes(junk)
        model = build_model("lenet5", 1, 10, {"method": "scaledrop"})
        hist = fit(model, data, {"epochs": 1, "batch_size": 16, "lr": 1e-3}, 0, ckpt=ckpt, progress=False)
        assert len(hist) == 1 and (tmp_path / "checkpoint.bad").read_bytes() == junk
        assert "unreadable" in caplog.text and "starting fresh" in caplog.text


def test_saved_models_are_byte_identical(tmp_path):
    torch.manual_seed(0)
    state = {"w": torch.randn(4, 4)}
    blobs = []
    for _ in range(2):
        with common.atomic_path(tmp_path / "model.pt") as tmp:
            torch.save(state, tmp)
        blobs.append((tmp_path / "model.pt").read_bytes())
    assert blobs[0] == blobs[1] and [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_default_profile_resumes_interrupted_runs(run_snakemake, tmp_path):
    res = run_snakemake("-n", "--cores", "1", "--configfile", REPO / "config" / "smoke.yaml", "-d", tmp_path)
    assert "Using workflow specific profile profiles/default" in res.stdout + res.stderr
    assert "rerun-incomplete: true" in (REPO / "profiles" / "default" / "config.yaml").read_text()
