"""Device side of scaledrop: ngspice drivers, SOT-MTJ physics and fitted device models."""
