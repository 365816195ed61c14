"""Issue 14: the model files at the devices/ -> nn/, cim/ seam are schema-checked by writer and readers; a bad
file stops with one line naming the file, the field and the rule to rerun."""
import copy
import json

import pytest

from conftest import crossbar_model_example, periphery_model_example, rng_model_example
from scaledrop import model_files
from scaledrop.errors import ModelFileError

EXAMPLES = {"rng_model": rng_model_example, "crossbar_model": crossbar_model_example,
            "periphery_model": periphery_model_example}


def _required(kind):
    return model_files.schema(kind)["required"]


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_valid_file_round_trips(tmp_path, kind):
    f = tmp_path / f"{kind}.json"
    model_files.write(f, EXAMPLES[kind](), kind)
    assert model_files.read(f, kind) == EXAMPLES[kind]()
    assert [p.name for p in tmp_path.iterdir()] == [f.name]  # no temp file left


@pytest.mark.parametrize("kind, field", [(k, f) for k in EXAMPLES for f in _required(k)])
def test_each_required_field_removed_is_named(tmp_path, kind, field):
    d = EXAMPLES[kind]()
    del d[field]
    f = tmp_path / f"{kind}.json"
    f.write_text(json.dumps(d))
    with pytest.raises(ModelFileError) as e:
        model_files.read(f, kind)
    msg = str(e.value)
    assert "\n" not in msg and str(f) in msg and field in msg and f"rerun rule {model_files.RULES[kind]}" in msg


def test_old_version_nested_field_nan_and_bad_json(tmp_path):
    f = tmp_path / "rng_model.json"
    f.write_text(json.dumps(rng_model_example(schema_version=1)))
    with pytest.raises(ModelFileError, match=r"schema_version: 1 \(file\) != 4 \(this code\); rerun rule rng_model"):
        model_files.read_rng_model(f)
    d = rng_model_example()
    del d["targets"][1]["epsilon_sigma"]
    f.write_text(json.dumps(d))
    with pytest.raises(ModelFileError, match=r"targets\.1: 'epsilon_sigma' is a required property"):
        model_files.read_rng_model(f)
    d = rng_model_example()
    d["targets"][0]["raw"]["epsilon_mu"] = float("nan")
    f.write_text(json.dumps(d))
    with pytest.raises(ModelFileError, match=r"targets\.0\.raw\.epsilon_mu: not a finite number"):
        model_files.read_rng_model(f)
    f.write_text("{bad json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        model_files.read_rng_model(f)
    with pytest.raises(ModelFileError, match="missing: run rule crossbar_model"):
        model_files.read_crossbar_model(tmp_path / "nope.json")


def test_writer_refuses_invalid_and_leaves_old_file(tmp_path):
    f = tmp_path / "crossbar_model.json"
    model_files.write(f, crossbar_model_example(), "crossbar_model")
    before = f.read_text()
    bad = copy.deepcopy(crossbar_model_example())
    bad["error_model"]["probs"][0] = [1.5]
    with pytest.raises(ModelFileError, match=r"error_model\.probs\.0\.0"):
        model_files.write(f, bad, "crossbar_model")
    assert f.read_text() == before and [p.name for p in tmp_path.iterdir()] == [f.name]


def test_nn_and_cim_readers_use_the_schema(tmp_path):
    """nn's device sampler, nn's crossbar error model and cim's adapters all refuse the same bad file."""
    from cim.devices import crossbar_costs, rng_costs
    from nn.inject import CrossbarErrors
    from nn.scaledrop import make_sampler

    rng, xb = tmp_path / "rng_model.json", tmp_path / "crossbar_model.json"
    rng.write_text(json.dumps(rng_model_example(epsilon_source="other")))
    xb.write_text(json.dumps(crossbar_model_example(rows=0)))
    for call in (lambda: make_sampler("device", path=rng), lambda: rng_costs(rng)):
        with pytest.raises(ModelFileError, match="epsilon_source"):
            call()
    for call in (lambda: CrossbarErrors.load(xb), lambda: crossbar_costs(xb)):
        with pytest.raises(ModelFileError, match="rows"):
            call()
