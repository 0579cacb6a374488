"""The path to AWS as code: which stacks a target runs, in which order, with which inputs."""
