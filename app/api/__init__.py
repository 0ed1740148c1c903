"""HTTP routers: thin, no TensorFlow code (the engine runs in worker threads)."""
