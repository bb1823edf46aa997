"""Plotly figure builders: pure functions from data to a go.Figure."""
