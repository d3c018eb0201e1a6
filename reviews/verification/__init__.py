"""The verification engine: one module per check family, a registry that plans a run, and a
runner that executes it. `reviews.services.run_execute` builds the context in the worker."""
