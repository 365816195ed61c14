"""Issue 14: every numeric config value has an upper bound (its schema's maximum or workflow/schemas/limits.yaml),
so no size can ask for more than a 24 GiB machine honours; every list has a length bound."""
import yaml

from conftest import REPO

SCHEMAS = REPO / "workflow" / "schemas"


def _deref(node, root):
    """The schema a `$ref` points at: another file of workflow/schemas/ or a local `#/$defs/...`."""
    ref = node["$ref"]
    if ref.startswith("#/"):
        out = root
        for part in ref[2:].split("/"):
            out = out[part]
        return out, root
    doc = yaml.safe_load((SCHEMAS / ref).read_text())
    return doc, doc


def _unbounded(node, path, limits, root=None):
    if not isinstance(node, dict):
        return
    root = root if root is not None else node
    if "$ref" in node:
        target, root = _deref(node, root)
        yield from _unbounded(target, path, limits, root)
        return
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    key = ".".join(path)
    lim = limits.get(key, {})
    if {"integer", "number"} & set(types) and not ({"maximum", "exclusiveMaximum"} & set(node) or "max" in lim):
        yield key
    if "array" in types and "maxItems" not in node and "max_items" not in lim:
        yield key + " (list length)"
    for k, v in (node.get("properties") or {}).items():
        yield from _unbounded(v, [*path, k], limits, root)
    if isinstance(node.get("items"), dict):
        yield from _unbounded(node["items"], [*path, "[]"], limits, root)
    if isinstance(node.get("additionalProperties"), dict):
        yield from _unbounded(node["additionalProperties"], [*path, "*"], limits, root)


def test_every_number_and_list_is_bounded():
    limits = yaml.safe_load((SCHEMAS / "limits.yaml").read_text())
    missing = list(_unbounded(yaml.safe_load((SCHEMAS / "config.schema.yaml").read_text()), [], limits))
    assert not missing, f"add a maximum (schema or limits.yaml) for: {missing}"


def test_limits_name_existing_config_keys():
    """A limit on a key the schema does not have is a typo that protects nothing."""
    limits = yaml.safe_load((SCHEMAS / "limits.yaml").read_text())
    known = set()

    def walk(node, path, root):
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            target, root = _deref(node, root)
            walk(target, path, root)
            return
        known.add(".".join(path))
        for k, v in (node.get("properties") or {}).items():
            walk(v, [*path, k], root)
        if isinstance(node.get("items"), dict):
            walk(node["items"], [*path, "[]"], root)

    top = yaml.safe_load((SCHEMAS / "config.schema.yaml").read_text())
    walk(top, [], top)
    assert set(limits) <= known, set(limits) - known
