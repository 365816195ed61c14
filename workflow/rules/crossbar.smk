# Rules for the crossbar section (see README). Each rule appends its final outputs to TARGETS.
