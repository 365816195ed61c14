# Rules for the seg section (see README). Each rule appends its final outputs to TARGETS.
