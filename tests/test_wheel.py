"""Issue 14: the built wheel (not only the editable install) carries the parameter files and schemas."""
import subprocess
import sys
import sysconfig
import venv

from conftest import REPO


def test_wheel_install_carries_package_data(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    tmp_path / "dist", REPO], check=True, capture_output=True, cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("scaledrop-*.whl"))
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    py = env / "bin" / "python"
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], check=True,
                          capture_output=True, text=True).stdout.strip()
    # dependencies (numpy, yaml, jsonschema) from this venv; the package itself only from the wheel
    (env / "lib").joinpath(*[p for p in site.split("/") if p][-2:], "deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n")
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], check=True,
                   capture_output=True)
    code = ("import devices, scaledrop; from devices.params import load_params; from scaledrop import model_files;"
            "p = load_params('sot_mtj'); print(devices.__file__); print(p['delta'] > 0);"
            "print(model_files.schema_version('rng_model'))")
    out = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path).stdout.split()
    assert out[0].startswith(site) and str(REPO) not in out[0]
    assert out[1:] == ["True", "4"]
