"""Project tooling the Makefile calls: installing from the lock, the project's Node, synth's stamp."""
