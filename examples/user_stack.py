"""Run the device rules with your own SOT-MTJ stack (issue 16, example c).

Copies the shipped stack (devices/params/sot_stack.yaml), changes the free-layer thickness as a stand-in for
"your" device, points the workflow at it with `llg.stack_file`, runs the sLLG characterisation and prints the
barrier and critical current derived from the stack next to the switching law fitted to the simulated switching.

    .venv/bin/python examples/user_stack.py --thickness-nm 1.9 --workdir /tmp/my_stack [--smoke]
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]

ap = argparse.ArgumentParser()
ap.add_argument("--thickness-nm", type=float, default=1.9)
ap.add_argument("--workdir", type=Path, default=Path("my_stack_run"))
ap.add_argument("--smoke", action="store_true", help="seconds-scale settings (config/smoke.yaml)")
args = ap.parse_args()
args.workdir.mkdir(parents=True, exist_ok=True)

stack = yaml.safe_load((REPO / "devices/params/sot_stack.yaml").read_text())
stack["name"] = f"my stack: {stack['name']} with a {args.thickness_nm:g} nm free layer"
stack["params"]["fl_thickness"].update(value=args.thickness_nm * 1e-9, source="example: my own deposition")
stack_file = (args.workdir / "my_stack.yaml").resolve()
stack_file.write_text(yaml.safe_dump(stack, sort_keys=False))
overlay = args.workdir / "my_config.yaml"
overlay.write_text(yaml.safe_dump({"llg": {"stack_file": str(stack_file)}}))

configs = ([REPO / "config/smoke.yaml"] if args.smoke else []) + [overlay]
cmd = [Path(sys.executable).with_name("snakemake"), "-s", REPO / "Snakefile", "-d", args.workdir, "--cores", "2",
       "results/devices/llg_fit.json", "--configfile", *configs]
res = subprocess.run(list(map(str, cmd)), capture_output=True, text=True)
if res.returncode:
    sys.exit((res.stderr or res.stdout).strip().splitlines()[-1])
fit = json.loads((args.workdir / "results/devices/llg_fit.json").read_text())
print(f"stack: {fit['stack']['name']}")
print(f"derived from the stack: Delta {fit['derived']['delta']:.1f}, Ic0 {fit['derived']['ic0'] * 1e6:.0f} uA")
print(f"{fit['form']} law fitted to the sLLG switching: Delta {fit['delta']:.1f}, Ic0 {fit['ic0'] * 1e6:.0f} uA, "
      f"tau0 {fit['tau0']:.2g} s, chi2/dof {fit['chi2']:.1f}/{fit['dof']}")
e = fit["eq25_cell_width"]
print(f"paper Eq. 25 fitted to the SET width alone: Delta {e['delta']:.1f}, Ic0 {e['ic0'] * 1e6:.0f} uA, "
      f"chi2/dof {e['chi2']:.1f}/{e['dof']}")
