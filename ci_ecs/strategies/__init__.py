"""Release techniques, one package each; `registry` says which a job uses, `state` what they leave in AWS."""
