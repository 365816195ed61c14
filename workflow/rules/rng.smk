# Rules for the rng section (see README). Each rule appends its final outputs to TARGETS.
