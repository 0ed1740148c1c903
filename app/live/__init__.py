"""Live sessions: a scenario stepped timestep by timestep over a WebSocket (no TF code here)."""
