"""Colour quantization: image loading and checks, its figures."""
