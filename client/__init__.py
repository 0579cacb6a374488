"""What the tools that talk to a stage share (make load, make verify, the integration tests):
HTTP requests and the outputs file."""
