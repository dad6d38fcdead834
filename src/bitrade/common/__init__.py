"""The lowest layer: pure types and helpers every app may import (no Django models, no other app)."""
