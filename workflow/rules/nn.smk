# Rules for the nn section (see README). Each rule appends its final outputs to TARGETS.
