"""Reproducible analysis of the statistics of Finland's Assistance System for Victims of Human Trafficking."""

__version__ = "0.1.0"
