"""The Initialization page: random versus k-means++ over many seeds, its figures."""
