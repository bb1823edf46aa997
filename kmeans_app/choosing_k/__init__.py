"""Choosing k: the Elbow and Silhouette sweeps, stability and gap, their figures."""
