"""Issue 14: `snakemake --lint` has no findings except the one justified below."""
import re

from conftest import snakemake

# Justified: "Specify a conda environment or container for each rule". The environment is the pinned venv that
# `make install` builds (requirements.txt + Debian's ngspice); no conda channel or container registry is reachable
# where this project is built and tested, so a conda/container spec would ship untested.
JUSTIFIED = {"Specify a conda environment or container for each rule."}


def test_lint_has_only_justified_findings():
    res = snakemake("--lint")
    out = res.stdout + res.stderr
    findings = set(re.findall(r"^\s+\* (.+?):?$", out, re.M))
    assert findings, out[-2000:]  # the parser sees the lint list (the conda lint is always there)
    assert findings <= JUSTIFIED, findings - JUSTIFIED
