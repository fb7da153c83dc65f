"""Demo data: a realistic synthetic support organisation (`generate`) and its live
trickle of new ticket activity (`simulate`). Used by `pulse generate` and the live demo;
the pipeline never imports it."""
