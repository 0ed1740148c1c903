"""The state engine: builds real Keras models, runs a scenario, records and verifies a trace.

Importing this package imports TensorFlow (~3 s): web modules that only render pages must not.
"""

from app.engine.tfenv import configure

configure()
